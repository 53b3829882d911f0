"""Writes to the org chart. Each validates the whole object (cycles included) before saving."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_record, diff, snapshot
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


def _audit(action: str, actor, obj, before: dict | None, *, extra: dict | None = None) -> None:
    """The write's audit row: a create/change with the field diff, or a delete with what went."""
    after = {} if action == AuditEvent.Action.DELETE else snapshot(obj)
    changes = diff(before or {}, after)
    if action == AuditEvent.Action.CHANGE and not changes:
        return
    audit_record(action=action, actor=actor, obj=obj, changes=changes, extra=extra)


@transaction.atomic
def department_create(
    *,
    actor=None,
    code: str,
    name: str,
    parent: Department | None = None,
    head: User | None = None,
    sort_order: int = 0,
) -> Department:
    department = Department(code=code, name=name, parent=parent, head=head, sort_order=sort_order)
    _validated_save(department)
    _audit(AuditEvent.Action.CREATE, actor, department, None)
    return department


@transaction.atomic
def department_move(*, actor=None, department: Department, parent: Department | None) -> Department:
    return department_update(actor=actor, department=department, parent=parent)


@transaction.atomic
def department_update(*, actor=None, department: Department, **fields) -> Department:
    """Change code, name, head, sort order or parent (a move; cycles refused by the model)."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = snapshot(department)
    for field in set(fields) & {"code", "name", "head", "sort_order", "parent"}:
        setattr(department, field, fields[field])
    _validated_save(department)
    _audit(AuditEvent.Action.CHANGE, actor, department, before)
    return department


@transaction.atomic
def department_delete(*, actor=None, department: Department) -> None:
    _audit(AuditEvent.Action.DELETE, actor, department, snapshot(department))
    department.delete()


@transaction.atomic
def employee_create(
    *,
    actor=None,
    user: User,
    code: str,
    name: str,
    department: Department,
    manager: Employee | None = None,
    **fields,
) -> Employee:
    employee = Employee(user=user, code=code, name=name, department=department, manager=manager, **fields)
    _validated_save(employee)
    _audit(AuditEvent.Action.CREATE, actor, employee, None)
    return employee


@transaction.atomic
def employee_set_manager(*, actor=None, employee: Employee, manager: Employee | None) -> Employee:
    return employee_update(actor=actor, employee=employee, manager=manager)


@transaction.atomic
def employee_update(*, actor=None, employee: Employee, **fields) -> Employee:
    """Change an employee record (a manager chain that would loop is refused by the model)."""
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    before = snapshot(employee)
    for field, value in fields.items():
        setattr(employee, field, value)
    _validated_save(employee)
    _audit(AuditEvent.Action.CHANGE, actor, employee, before)
    return employee


@transaction.atomic
def employee_delete(*, actor=None, employee: Employee) -> None:
    _audit(AuditEvent.Action.DELETE, actor, employee, snapshot(employee))
    employee.delete()


@transaction.atomic
def group_create(
    *,
    actor=None,
    name: str,
    parent: Group | None = None,
    kind: str = GroupProfile.Kind.TEAM,
    row_scope: str = RowScope.OWN,
    description: str = "",
    permissions=None,
) -> Group:
    group = Group(name=name)
    _validated_save(group)
    _validated_save(
        GroupProfile(group=group, parent=parent, kind=kind, row_scope=row_scope, description=description)
    )
    _audit(AuditEvent.Action.CREATE, actor, group, None)
    if permissions is not None:
        _set_permissions(actor, group, permissions)
    return group


@transaction.atomic
def group_set_parent(*, actor=None, group: Group, parent: Group | None) -> GroupProfile:
    group_update(actor=actor, group=group, profile={"parent": parent})
    return GroupProfile.objects.get(group=group)


@transaction.atomic
def group_update(
    *, actor=None, group: Group, name: str | None = None, profile: dict | None = None, permissions=None
) -> Group:
    """Rename a group, change its profile (parent, kind, row scope, description) or replace its
    permissions; the permission change gets its own "permission" audit row."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if name is not None and name != group.name:
        before = snapshot(group)
        group.name = name
        _validated_save(group)
        _audit(AuditEvent.Action.CHANGE, actor, group, before)
    if profile:
        record, _created = GroupProfile.objects.select_for_update().get_or_create(group=group)
        before = snapshot(record)
        for field in set(profile) & {"parent", "kind", "row_scope", "description"}:
            setattr(record, field, profile[field])
        _validated_save(record)
        _audit(AuditEvent.Action.CHANGE, actor, record, before)
    if permissions is not None:
        _set_permissions(actor, group, permissions)
    return group


def _set_permissions(actor, group: Group, permissions) -> None:
    before = sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())
    group.permissions.set(permissions)
    after = sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions)
    if before != after:
        audit_record(
            action=AuditEvent.Action.PERMISSION,
            actor=actor,
            obj=group,
            changes={"permissions": [before, after]},
        )


@transaction.atomic
def group_delete(*, actor=None, group: Group) -> None:
    _audit(AuditEvent.Action.DELETE, actor, group, snapshot(group))
    group.delete()
