"""The org facts that CRM row rules need, memoized on the user object for one request.

A list page asks for the user's groups, row scope and department several times (permission,
row rule, shares); the user object lives for one request, like Django's own permission cache on
it, so each fact is read once per request instead of once per question. Rules are the same as
org.selectors (row scope = widest scope of the effective groups).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from org.models import Department, GroupProfile
from org.permissions import SCOPE_ORDER, RowScope, VisibleQuerySet
from org.selectors import department_ancestors, users_in_scope

_CACHE = "_crm_access_cache"


def _memo(user, key, compute):
    cache = user.__dict__.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget(user) -> None:
    """Drop the memo (after changing the user's groups or department in the same request)."""
    user.__dict__.pop(_CACHE, None)


def _profiles() -> dict[int, tuple[int | None, str]]:
    return dict(
        (group_id, (parent_id, scope))
        for group_id, parent_id, scope in GroupProfile.objects.values_list(
            "group_id", "parent_id", "row_scope"
        )
    )


def group_ids(user) -> set[int]:
    """The user's groups and the groups they are nested in (org.selectors.effective_group_ids)."""
    return _memo(user, "groups", lambda: _groups_and_scope(user)[0])


def row_scope(user) -> RowScope:
    """The widest row scope of the user's effective groups (org.selectors.user_row_scope)."""
    if user.is_superuser:
        return RowScope.ALL
    return _memo(user, "scope", lambda: _groups_and_scope(user)[1])


def _groups_and_scope(user) -> tuple[set[int], RowScope]:
    """Two queries: the direct groups, then every group profile (nesting and row scope)."""

    def compute():
        direct = list(user.groups.values_list("id", flat=True))
        if not direct:
            return set(), RowScope.OWN
        profiles = _profiles()
        found: set[int] = set()
        for node in direct:
            while node is not None and node not in found:
                found.add(node)
                node = profiles.get(node, (None, None))[0]
        scopes = {profiles[g][1] for g in found if g in profiles}
        scope = next((s for s in reversed(SCOPE_ORDER) if s in scopes), RowScope.OWN)
        return found, scope

    return _memo(user, "groups_and_scope", compute)


def scope_owners(user, scope: RowScope) -> QuerySet:
    return _memo(user, ("owners", scope), lambda: users_in_scope(user, scope))


def department_chain(user) -> list[int]:
    """The user's department and every department above it."""

    def compute():
        department = Department.objects.filter(employees__user_id=user.pk).select_related("parent").first()
        if department is None:
            return []
        return [department.pk, *(d.pk for d in department_ancestors(department))]

    return _memo(user, "departments", compute)


class CrmVisibleQuerySet(VisibleQuerySet):
    """VisibleQuerySet whose row rule reads the org facts through the per-request memo."""

    def row_filter(self, user, action: str) -> Q | None:
        scope = row_scope(user)
        if scope == RowScope.ALL or self.owner_field is None:
            return None
        condition = Q(**{f"{self.owner_field}__in": scope_owners(user, scope)})
        shared = self.shared_filter(user, action)
        return condition | shared if shared is not None else condition
