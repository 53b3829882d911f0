"""Pickers the org chart answers (core.pickers): colleagues (`user`), `department` and `group`.

Staff pick among active employees; a customer (a user without an employee record) is offered
nobody. The stable value submitted is the user name, the department code or the group name, but
what the person sees is the name, the department and the group's readable name."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext as _

from core.pickers import PICKER_LIMIT, FunctionSource, Option, PickerContext, register_picker

from .models import Department, Employee, User
from .selectors import members_of


def is_staff_viewer(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or Employee.objects.filter(user_id=user.pk, active=True).exists()


def person_name(user) -> str:
    """A person's name as colleagues know it (never the login name while a name exists)."""
    employee = getattr(user, "employee", None) if hasattr(user, "employee") else None
    return (employee.name if employee else "") or user.display_name or user.get_full_name() or user.username


def _people(ctx: PickerContext):
    if not is_staff_viewer(ctx.viewer):
        return User.objects.none()
    qs = User.objects.all()
    group = ctx.prop.get("x-group")
    if group:
        known = Group.objects.filter(name=group).first()
        qs = members_of(known) if known else User.objects.none()
    department = ctx.prop.get("x-department")
    qs = qs.filter(is_active=True, employee__active=True)
    if department:
        qs = qs.filter(employee__department__code=department)
    return qs.select_related("employee__department").order_by(
        "employee__department__sort_order", "employee__name"
    )


def _person_option(user) -> Option:
    department = user.employee.department.name if getattr(user, "employee", None) else ""
    return Option(value=user.username, label=person_name(user), detail=department)


def user_options(ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
    qs = _people(ctx)
    if query:
        qs = qs.filter(
            Q(employee__name__icontains=query)
            | Q(display_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(employee__department__name__icontains=query)
            | Q(username__iexact=query)
        )
    return [_person_option(u) for u in qs.distinct()[:limit]]


def user_option(ctx: PickerContext, value: str) -> Option | None:
    user = _people(ctx).filter(username=value).first()
    return _person_option(user) if user else None


def department_options(ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
    if not is_staff_viewer(ctx.viewer):
        return []
    qs = Department.objects.select_related("parent")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__iexact=query))
    return [_department_option(d) for d in qs[:limit]]


def _department_option(department: Department) -> Option:
    return Option(
        value=department.code,
        label=department.name,
        detail=department.parent.name if department.parent else "",
    )


def department_option(ctx: PickerContext, value: str) -> Option | None:
    if not is_staff_viewer(ctx.viewer):
        return None
    department = Department.objects.select_related("parent").filter(code=value).first()
    return _department_option(department) if department else None


def group_label(group: Group) -> str:
    """A group's readable name: the first line of its description, else its name in words."""
    profile = getattr(group, "profile", None) if hasattr(group, "profile") else None
    described = (profile.description or "").strip().splitlines()[0] if profile and profile.description else ""
    return described or group.name.replace("_", " ").capitalize()


def group_options(ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
    if not is_staff_viewer(ctx.viewer):
        return []
    groups = [
        g
        for g in Group.objects.select_related("profile").order_by("name")
        if not query or query.lower() in group_label(g).lower() or query.lower() == g.name.lower()
    ]
    return [Option(value=g.name, label=group_label(g)) for g in groups[:limit]]


def group_option(ctx: PickerContext, value: str) -> Option | None:
    if not is_staff_viewer(ctx.viewer):
        return None
    group = Group.objects.select_related("profile").filter(name=value).first()
    return Option(value=group.name, label=group_label(group)) if group else None


def register() -> None:
    register_picker(
        "user",
        FunctionSource(
            user_options,
            user_option,
            refused=lambda value: _("This person cannot be chosen here."),
        ),
    )
    register_picker(
        "department",
        FunctionSource(
            department_options,
            department_option,
            refused=lambda value: _("There is no such department to choose."),
        ),
    )
    register_picker(
        "group",
        FunctionSource(
            group_options, group_option, refused=lambda value: _("There is no such group to choose.")
        ),
    )
