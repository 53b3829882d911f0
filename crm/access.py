"""The org facts that CRM row rules need: the caller's groups, row scope, the owners in scope
and their department chain, read through org.selectors and remembered by core.memo (once per
request, and across requests until the org chart changes).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.memo import remembered
from org.models import Department
from org.permissions import RowScope, VisibleQuerySet
from org.selectors import department_ancestors, effective_group_ids, user_row_scope, users_in_scope


def group_ids(user) -> set[int]:
    """The user's groups and the groups they are nested in (org.selectors.effective_group_ids)."""
    return effective_group_ids(user)


def row_scope(user) -> RowScope:
    """The widest row scope of the user's effective groups (org.selectors.user_row_scope)."""
    return user_row_scope(user)


def scope_owners(user, scope: RowScope) -> QuerySet:
    return users_in_scope(user, scope)


def department_chain(user) -> list[int]:
    """The user's department and every department above it."""

    def compute() -> tuple[int, ...]:
        department = Department.objects.filter(employees__user_id=user.pk).select_related("parent").first()
        if department is None:
            return ()
        return (department.pk, *(d.pk for d in department_ancestors(department)))

    return list(remembered(("department_chain", user.pk), compute))


class CrmVisibleQuerySet(VisibleQuerySet):
    """VisibleQuerySet whose row rule reads the org facts through the per-request memo."""

    def row_filter(self, user, action: str) -> Q | None:
        scope = row_scope(user)
        if scope == RowScope.ALL or self.owner_field is None:
            return None
        condition = Q(**{f"{self.owner_field}__in": scope_owners(user, scope)})
        shared = self.shared_filter(user, action)
        return condition | shared if shared is not None else condition
