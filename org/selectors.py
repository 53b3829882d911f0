"""Reads over the org chart, used by the engine (task owners) and the row-level permissions.

Departments and groups are small tables (hundreds to a few thousand rows), so tree walks load
the (id, parent) pairs once per call and walk them in Python: portable to SQLite and PostgreSQL
and two queries at most.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import QuerySet

from core.memo import remembered

from .models import Department, Employee, GroupProfile
from .permissions import SCOPE_ORDER, RowScope

User = get_user_model()


def _employee(user) -> Employee | None:
    if user is None or getattr(user, "pk", None) is None:
        return None
    try:
        return Employee.objects.select_related("department", "manager__user").get(user_id=user.pk)
    except Employee.DoesNotExist:
        return None


def _descendants(pairs: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> set[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for node, parent in pairs:
        children[parent].append(node)
    found: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, ()))
    return found


def _ancestors(pairs: Iterable[tuple[int, int | None]], starts: Iterable[int]) -> set[int]:
    parent_of = dict(pairs)
    found: set[int] = set()
    for node in starts:
        while node is not None and node not in found:
            found.add(node)
            node = parent_of.get(node)
    return found


def department_ids_below(department_ids: Iterable[int]) -> set[int]:
    """The departments given and all their sub-departments, at any depth."""
    return _descendants(Department.objects.values_list("id", "parent_id"), department_ids)


def department_ancestors(department: Department) -> list[Department]:
    """The department's parents from the nearest up to the root."""
    chain: list[Department] = []
    node = department.parent
    seen = {department.pk}
    while node is not None and node.pk not in seen:
        chain.append(node)
        seen.add(node.pk)
        node = node.parent
    return chain


def users_in_department(department: Department, *, recursive: bool = True) -> QuerySet:
    ids = department_ids_below([department.pk]) if recursive else {department.pk}
    return User.objects.filter(employee__department_id__in=ids, is_active=True)


def department_head(user_or_department) -> User | None:
    """The head of a department, or of the given user's department.

    A department without a head answers with the nearest ancestor's head. For a user who heads
    their own department, the answer is the head above them (the person they escalate to).
    """
    if isinstance(user_or_department, Department):
        department, user = user_or_department, None
    else:
        user = user_or_department
        employee = _employee(user)
        if employee is None:
            return None
        department = employee.department
    for candidate in [department, *department_ancestors(department)]:
        if candidate.head_id is not None and (user is None or candidate.head_id != user.pk):
            return candidate.head
    return None


def manager_of(user) -> User | None:
    """The user's manager: the explicit manager, else the head of their department (or above)."""
    employee = _employee(user)
    if employee is None:
        return None
    if employee.manager is not None and employee.manager.user.is_active:
        return employee.manager.user
    return department_head(user)


def management_chain(user, *, limit: int = 20) -> list:
    """manager_of(user), their manager, and so on up to the top (bounded, loop-safe)."""
    chain: list = []
    seen = {user.pk}
    current = user
    while len(chain) < limit:
        current = manager_of(current)
        if current is None or current.pk in seen:
            break
        chain.append(current)
        seen.add(current.pk)
    return chain


def _group_pairs() -> list[tuple[int, int | None]]:
    def read():
        parents = dict(GroupProfile.objects.values_list("group_id", "parent_id"))
        return [(gid, parents.get(gid)) for gid in Group.objects.values_list("id", flat=True)]

    return remembered("group_pairs", read)


def effective_group_ids(user) -> set[int]:
    """The user's groups plus every group they are nested in (membership flows upward)."""
    if user is None or getattr(user, "pk", None) is None:
        return set()

    def read() -> frozenset[int]:
        direct = list(user.groups.values_list("id", flat=True))
        return frozenset(_ancestors(_group_pairs(), direct)) if direct else frozenset()

    return set(remembered(("effective_group_ids", user.pk), read))


def effective_group_names(user) -> set[str]:
    ids = effective_group_ids(user)
    return set(Group.objects.filter(id__in=ids).values_list("name", flat=True))


def members_of(group: Group | str) -> QuerySet:
    """Active users in the group or in any group nested inside it."""
    if isinstance(group, str):
        group = Group.objects.get(name=group)
    ids = _descendants(_group_pairs(), [group.pk])
    return User.objects.filter(groups__in=ids, is_active=True).distinct()


def user_row_scope(user) -> RowScope:
    """The widest row scope granted by any of the user's effective groups."""
    if user.is_superuser:
        return RowScope.ALL

    def read() -> RowScope:
        scopes = set(
            GroupProfile.objects.filter(group_id__in=effective_group_ids(user)).values_list(
                "row_scope", flat=True
            )
        )
        return next((scope for scope in reversed(SCOPE_ORDER) if scope in scopes), RowScope.OWN)

    return remembered(("row_scope", user.pk), read)


def departments_in_scope(user, scope: RowScope) -> frozenset[int] | None:
    """The departments `scope` covers for `user` (their own, or their own and those below, plus
    the ones they head); None for the own-records scope or a user without a department. Records
    filed under a department (a complaint's) are in scope when their department is."""
    if scope == RowScope.OWN:
        return None

    def read() -> frozenset[int] | None:
        employee = Employee.objects.filter(user_id=user.pk).values_list("department_id", flat=True).first()
        if employee is None:
            return None
        if scope == RowScope.DEPARTMENT:
            return frozenset({employee})
        roots = {employee, *Department.objects.filter(head=user).values_list("id", flat=True)}
        return frozenset(department_ids_below(roots))

    return remembered(("scope_departments", user.pk, scope), read)


def users_in_scope(user, scope: RowScope) -> QuerySet:
    """Users whose records `user` may see under `scope` (a subquery-able queryset of ids)."""
    if scope == RowScope.OWN:
        return User.objects.filter(pk=user.pk).values("pk")
    departments = departments_in_scope(user, scope)
    if departments is None:
        return User.objects.filter(pk=user.pk).values("pk")
    return User.objects.filter(employee__department_id__in=departments).values("pk")


def group_labels(names) -> dict[str, str]:
    """Group name → what people read (the profile's display name, else the name), in one query."""
    names = {n for n in names if n}
    if not names:
        return {}
    labels = dict(
        GroupProfile.objects.filter(group__name__in=names)
        .exclude(display_name="")
        .values_list("group__name", "display_name")
    )
    return {name: labels.get(name, name) for name in names}


def user_labels(usernames) -> dict[str, str]:
    """User name → display name (for names kept in process data and history), in one query."""
    usernames = {u for u in usernames if u and isinstance(u, str)}
    if not usernames:
        return {}
    found = {
        u.username: str(u)
        for u in User.objects.filter(username__in=usernames).only(
            "username", "display_name", "first_name", "last_name"
        )
    }
    return {name: found.get(name, name) for name in usernames}


@dataclass(frozen=True)
class GroupChoice:
    pk: int
    name: str  # what people read: the display name, else the group's name


def group_choices(groups) -> list[GroupChoice]:
    """Groups for a picker or a list, each under its display name (one query), sorted by it."""
    groups = list(groups)
    labels = group_labels(g.name for g in groups)
    return sorted((GroupChoice(g.pk, labels.get(g.name, g.name)) for g in groups), key=lambda c: c.name)
