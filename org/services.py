"""Writes to the org chart. Each validates the whole object (cycles included) before saving."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import ValidationFailed

from .models import Department, Employee, GroupProfile, User
from .permissions import RowScope


def _validated_save(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(
            "; ".join(str(m) for messages in exc.message_dict.values() for m in messages),
            fields=exc.message_dict,
        ) from exc
    instance.save()


@transaction.atomic
def department_create(
    *, code: str, name: str, parent: Department | None = None, head: User | None = None, sort_order: int = 0
) -> Department:
    department = Department(code=code, name=name, parent=parent, head=head, sort_order=sort_order)
    _validated_save(department)
    return department


@transaction.atomic
def department_move(*, department: Department, parent: Department | None) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    department.parent = parent
    _validated_save(department)
    return department


@transaction.atomic
def employee_create(
    *, user: User, code: str, name: str, department: Department, manager: Employee | None = None, **fields
) -> Employee:
    employee = Employee(user=user, code=code, name=name, department=department, manager=manager, **fields)
    _validated_save(employee)
    return employee


@transaction.atomic
def employee_set_manager(*, employee: Employee, manager: Employee | None) -> Employee:
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    employee.manager = manager
    _validated_save(employee)
    return employee


@transaction.atomic
def group_create(
    *,
    name: str,
    parent: Group | None = None,
    kind: str = GroupProfile.Kind.TEAM,
    row_scope: str = RowScope.OWN,
    description: str = "",
) -> Group:
    group = Group(name=name)
    _validated_save(group)
    _validated_save(
        GroupProfile(group=group, parent=parent, kind=kind, row_scope=row_scope, description=description)
    )
    return group


@transaction.atomic
def group_set_parent(*, group: Group, parent: Group | None) -> GroupProfile:
    profile, _ = GroupProfile.objects.select_for_update().get_or_create(group=group)
    profile.parent = parent
    _validated_save(profile)
    return profile
