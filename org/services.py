"""Writes to the org chart. Each validates the whole object (cycles included) before saving."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record, diff, snapshot
from core.errors import NotPermitted, ValidationFailed

from .models import Department, Employee, GroupProfile, Position, User
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


# --- the administration area (issue #24): positions, members, accounts, the permission matrix ---

MANAGE_ORG = "org.manage_org"


def require_manager(actor, permission: str = MANAGE_ORG) -> None:
    """An administration write needs the section's permission; `actor=None` (commands, the demo
    seed) is the system itself."""
    if actor is None or hasattr(actor, "audit_identity"):
        return  # the system, or a running process (HR's onboarding): authorised by its own steps
    if not (actor.is_active and (actor.is_superuser or actor.has_perm(permission))):
        raise NotPermitted(_("You may not administer this section."))


@transaction.atomic
def position_create(*, actor, code: str, name: str) -> Position:
    require_manager(actor)
    position = Position(code=(code or "").strip(), name=(name or "").strip())
    _validated_save(position)
    _audit(AuditEvent.Action.CREATE, actor, position, None)
    return position


@transaction.atomic
def position_update(*, actor, position: Position, code: str, name: str) -> Position:
    require_manager(actor)
    position = Position.objects.select_for_update().get(pk=position.pk)
    before = snapshot(position)
    position.code, position.name = (code or "").strip(), (name or "").strip()
    _validated_save(position)
    _audit(AuditEvent.Action.CHANGE, actor, position, before)
    return position


@transaction.atomic
def group_set_display_name(*, actor, group: Group, display_name: str, description: str | None = None) -> None:
    require_manager(actor)
    record, _created = GroupProfile.objects.select_for_update().get_or_create(group=group)
    before = snapshot(record)
    record.display_name = (display_name or "").strip()
    if description is not None:
        record.description = description
    _validated_save(record)
    _audit(AuditEvent.Action.CHANGE, actor, record, before)


@transaction.atomic
def group_member_add(*, actor, group: Group, user: User) -> None:
    require_manager(actor)
    if group.user_set.filter(pk=user.pk).exists():
        return
    group.user_set.add(user)
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        obj=group,
        changes={"members": [None, str(user)]},
    )


@transaction.atomic
def group_member_remove(*, actor, group: Group, user: User) -> None:
    require_manager(actor)
    if not group.user_set.filter(pk=user.pk).exists():
        return
    group.user_set.remove(user)
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        obj=group,
        changes={"members": [str(user), None]},
    )


@transaction.atomic
def group_matrix_save(*, actor, group: Group, grants: set[tuple[str, str]], row_scope: str) -> Group:
    """Replace what `group` grants on the matrix's entities with `grants` ({(model label, action)})
    and set its row scope, in one transaction with one "permission" audit row holding the diff.
    Permissions on entities outside the matrix stay as they are."""
    from .access import matrix_entities

    require_manager(actor)
    if row_scope not in RowScope.values:
        raise ValidationFailed(_("Choose a row scope."), fields={"row_scope": [_("Choose a row scope.")]})
    entities = matrix_entities()
    known = {
        (entity.label, action): perm for entity in entities for action, perm in entity.permissions.items()
    }
    unknown = sorted(f"{label}.{action}" for label, action in grants if (label, action) not in known)
    if unknown:
        message = _("Unknown permission(s): %(names)s.") % {"names": ", ".join(unknown)}
        raise ValidationFailed(message, fields={"grants": [message]})
    group = Group.objects.select_for_update().get(pk=group.pk)
    matrix_ids = {perm.pk for perm in known.values()}
    kept = [p for p in group.permissions.select_related("content_type") if p.pk not in matrix_ids]
    wanted = kept + [known[key] for key in sorted(grants)]
    _set_permissions(actor, group, wanted)
    group_update(actor=actor, group=group, profile={"row_scope": row_scope})
    return group


# --- user accounts --------------------------------------------------------------------------------


def _set_password_link(user: User) -> str:
    """Built from PUBLIC_BASE_URL, never from the request's Host header (a forged request could
    otherwise send a person a link to another server)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse(
        "set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _mail_set_password_link(user: User, *, invited: bool) -> None:
    from django.core.mail import send_mail

    link = _set_password_link(user)
    if invited:
        subject = _("Your Baton account")
        body = _(
            "Hello %(name)s,\n\nan account was opened for you (user name: %(username)s).\n"
            "Choose your password here: %(link)s\n"
        ) % {"name": str(user), "username": user.get_username(), "link": link}
    else:
        subject = _("Reset your Baton password")
        body = _("Hello %(name)s,\n\nchoose a new password here: %(link)s\n") % {
            "name": str(user),
            "link": link,
        }
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient], fail_silently=True))


@transaction.atomic
def user_invite(
    *,
    actor,
    username: str,
    display_name: str,
    email: str,
    department: Department | None = None,
    position: Position | None = None,
    manager: Employee | None = None,
    employee_code: str = "",
    hire_date=None,
    groups=(),
) -> User:
    """Open an account without a password and e-mail its owner a link to choose one; with a
    department, the person's employee record is made at the same time."""
    require_manager(actor)
    username, email = (username or "").strip(), (email or "").strip()
    errors: dict[str, list] = {}
    if not username:
        errors["username"] = [_("This field is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This user name is taken.")]
    if not email:
        errors["email"] = [_("An invitation needs an e-mail address.")]
    if department is not None and not (employee_code or "").strip():
        errors["employee_code"] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(_("The account could not be opened."), fields=errors)
    user = User(username=username, display_name=(display_name or "").strip(), email=email)
    user.set_unusable_password()
    _validated_save(user)
    _audit(AuditEvent.Action.CREATE, actor, user, None, extra={"invited": True})
    for group in groups:
        group_member_add(actor=actor, group=group, user=user)
    if department is not None:
        employee_create(
            actor=actor,
            user=user,
            code=employee_code.strip(),
            name=user.display_name or username,
            department=department,
            manager=manager,
            position=position,
            email=email,
            hire_date=hire_date,
        )
    _mail_set_password_link(user, invited=True)
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """Switch an account off (sign-in refused, tasks no longer offered) or on again; no one
    switches themselves off."""
    require_manager(actor)
    if getattr(actor, "pk", None) == user.pk and not active:
        raise ValidationFailed(
            _("You cannot deactivate your own account."),
            fields={"is_active": [_("You cannot deactivate your own account.")]},
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(AuditEvent.Action.CHANGE, actor, user, before)
    return user


@transaction.atomic
def user_send_password_reset(*, actor, user: User) -> None:
    """E-mail the person a link to choose a new password (Django's one-time token: it stops
    working once the password changes)."""
    require_manager(actor)
    if not user.email:
        raise ValidationFailed(
            _("This account has no e-mail address."),
            fields={"email": [_("This account has no e-mail address.")]},
        )
    audit_record(action=AuditEvent.Action.CHANGE, actor=actor, obj=user, extra={"password_reset_sent": True})
    _mail_set_password_link(user, invited=False)
