"""Row-level permissions: `Model.objects.visible_to(user, action)` (the netbox `restrict` pattern).

Every domain model's queryset derives from `VisibleQuerySet`. A user sees rows only when
(1) they hold the entity permission for the operation (`<app>.<action>_<model>`, via their groups
and roles, nested groups included) and (2) the model's row rule admits the row. The row rule is
built from the user's row scope (the widest scope of their groups: own / department /
department tree / all) and the model's owner field, plus whatever the model shares explicitly.

Involvement (DESIGN.md "Additions"): a model may also admit, for `view` only, the rows its
`involvement_filter` names, the records a user holds, held or is offered a task on, even without
the entity permission (the warehouse sees the order it ships). Changing still needs both.
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

    def visible_to(self, user, action: str = "view", *, through_tasks: bool = True) -> VisibleQuerySet:
        """Rows `user` may act on; `through_tasks=False` leaves out what only involvement admits
        (the customer card then knows to show its basics only)."""
        permitted = user_can(user, self.model, action)
        if permitted and user.is_superuser:
            return self
        condition = self.row_filter(user, action) if permitted else None
        if permitted and condition is None:
            return self
        involved = self._involved(user, action) if through_tasks else None
        if not permitted:
            return self.none() if involved is None else self.filter(involved)
        return self.filter(condition if involved is None else condition | involved)

    def visible_branches(self, user, action: str = "view") -> list[Q] | None:
        """`visible_to`'s rule as the conditions it ORs together (owners in scope, shares,
        involvement); None: every row; []: none. A selective search runs each branch on its own
        indexes and unites the ids, where one OR of sub-selects would read every match's row."""
        permitted = user_can(user, self.model, action)
        if permitted and user.is_superuser:
            return None
        involved = self._involved(user, action)
        if not permitted:
            return [] if involved is None else [involved]
        from .selectors import user_row_scope, users_in_scope

        if type(self).row_filter is not VisibleQuerySet.row_filter:  # a model's own rule: one branch
            condition = self.row_filter(user, action)
            if condition is None:
                return None
            branches = [condition]
        else:
            scope = user_row_scope(user)
            if scope == RowScope.ALL or self.owner_field is None:
                return None
            branches = [Q(**{f"{self.owner_field}__in": users_in_scope(user, scope)})]
            shared = self.shared_filter(user, action)
            if shared is not None:
                branches.append(shared)
        return _or_terms(branches if involved is None else [*branches, involved])

    def _involved(self, user, action: str) -> Q | None:
        if action != "view" or user is None or not user.is_authenticated or not user.is_active:
            return None
        return self.involvement_filter(user)

    def involvement_filter(self, user) -> Q | None:
        """Rows `user` may view because they hold, held or are offered a task on them (or on a
        record that needs them); None: the model has no such rows."""
        return None

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


def _or_terms(conditions: list[Q]) -> list[Q]:
    """The conditions with every top-level OR spelled out into its terms."""
    terms: list[Q] = []
    for condition in conditions:
        if isinstance(condition, Q) and condition.connector == Q.OR and not condition.negated:
            terms.extend(_or_terms([c if isinstance(c, Q) else Q(c) for c in condition.children]))
        else:
            terms.append(condition)
    return terms


def viewable_through_tasks(model: type[models.Model]) -> bool:
    """Whether a task about a row of `model` can admit someone to view it without the entity
    permission (the model's queryset defines an involvement rule)."""
    queryset = type(model._default_manager.get_queryset())
    return getattr(queryset, "involvement_filter", None) not in (None, VisibleQuerySet.involvement_filter)
