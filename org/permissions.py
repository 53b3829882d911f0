"""Row-level permissions: `Model.objects.visible_to(user, action)` (the netbox `restrict` pattern).

Every domain model's queryset derives from `VisibleQuerySet`. A user sees rows only when
(1) they hold the entity permission for the operation (`<app>.<action>_<model>`, via their groups
and roles, nested groups included) and (2) the model's row rule admits the row. The row rule is
built from the user's row scope (the widest scope of their groups: own / department /
department tree / all) and the model's owner field, plus whatever the model shares explicitly.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ACTIONS = ("view", "add", "change", "delete", "export")


class RowScope(models.TextChoices):
    OWN = "own", _("Own records")
    DEPARTMENT = "department", _("Own department")
    DEPARTMENT_TREE = "department_tree", _("Own department and below")
    ALL = "all", _("All records")


SCOPE_ORDER = [RowScope.OWN, RowScope.DEPARTMENT, RowScope.DEPARTMENT_TREE, RowScope.ALL]


def permission_codename(model: type[models.Model], action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def user_can(user, model: type[models.Model], action: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.has_perm(permission_codename(model, action))


class VisibleQuerySet(models.QuerySet):
    """Base queryset for domain models.

    Models set `owner_field` (a path to a user FK, e.g. "owner" or "customer__owner") or override
    `row_filter`. `shared_filter` adds rows shared explicitly (CRM sharing, task candidates...).
    """

    owner_field: str | None = None

    def visible_to(self, user, action: str = "view") -> VisibleQuerySet:
        if not user_can(user, self.model, action):
            return self.none()
        if user.is_superuser:
            return self
        condition = self.row_filter(user, action)
        return self if condition is None else self.filter(condition)

    def row_filter(self, user, action: str) -> Q | None:
        """The Q object for rows `user` may act on; None means every row."""
        from .selectors import user_row_scope, users_in_scope

        scope = user_row_scope(user)
        if scope == RowScope.ALL or self.owner_field is None:
            return None
        owners = users_in_scope(user, scope)
        condition = Q(**{f"{self.owner_field}__in": owners})
        shared = self.shared_filter(user, action)
        return condition | shared if shared is not None else condition

    def shared_filter(self, user, action: str) -> Q | None:
        return None
