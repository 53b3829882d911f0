"""Administration > Organisation: the department tree, positions, employees, groups and roles
with their members and permission matrix, user accounts, and the "what can this user see"
explainer. Guarded by `org.manage_org` (HR)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from core.errors import DomainError, ValidationFailed
from org.access import explain_user, group_matrix, matrix_entities
from org.models import Department, Employee, GroupProfile, Position
from org.permissions import ACTIONS, RowScope
from org.selectors import group_labels
from org.services import (
    department_create,
    department_update,
    employee_update,
    group_create,
    group_matrix_save,
    group_member_add,
    group_member_remove,
    group_set_display_name,
    group_update,
    position_create,
    position_update,
    require_manager,
    user_invite,
    user_send_password_reset,
    user_set_active,
)

from . import field, general_errors, located, pk_or_none, section_required

User = get_user_model()
ORG = "org"


# --- departments ----------------------------------------------------------------------------------


def department_tree() -> list[tuple[Department, int]]:
    """Every department with its depth, parents before children (one query)."""
    departments = list(
        Department.objects.select_related("head").annotate(
            staff=Count("employees", filter=Q(employees__active=True))
        )
    )
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    ordered: list[tuple[Department, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for department in children.get(parent_id, []):
            if department.pk in seen:
                continue
            seen.add(department.pk)
            ordered.append((department, depth))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return ordered


def _people_choices():
    return [(u.pk, str(u)) for u in User.objects.filter(is_active=True).order_by("display_name", "username")]


def _department_fields(values: dict, errors: dict, *, exclude: int | None = None) -> list[dict]:
    parents = [(d.pk, "\u2003" * depth + d.name) for d, depth in department_tree() if d.pk != exclude]
    return [
        field("name", _("Name"), value=values.get("name"), errors=errors, required=True, maxlength=100),
        field("code", _("Code"), value=values.get("code"), errors=errors, required=True, maxlength=32),
        field(
            "parent",
            _("Parent department"),
            kind="select",
            value=values.get("parent"),
            choices=parents,
            errors=errors,
        ),
        field(
            "head",
            _("Head"),
            kind="select",
            value=values.get("head"),
            choices=_people_choices(),
            errors=errors,
        ),
    ]


def _department_values(post) -> dict:
    return {name: post.get(name, "").strip() for name in ("name", "code", "parent", "head")}


def _resolve(values: dict) -> dict:
    parent_id, head_id = pk_or_none(values.get("parent")), pk_or_none(values.get("head"))
    return {
        "name": values.get("name", ""),
        "code": values.get("code", ""),
        "parent": Department.objects.filter(pk=parent_id).first() if parent_id else None,
        "head": User.objects.filter(pk=head_id).first() if head_id else None,
    }


@section_required(ORG)
def departments(request):
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = _department_values(request.POST)
        try:
            require_manager(request.user)
            department = department_create(actor=request.user, **_resolve(values))
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Created: %(name)s.") % {"name": department})
            return redirect("manage:departments")
    fields = _department_fields(values, errors)
    context = {
        "tree": department_tree(),
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/departments.html", context, status=400 if errors else 200)


@section_required(ORG)
def department_edit(request, pk: int):
    department = get_object_or_404(Department, pk=pk)
    errors: dict = {}
    if request.method == "POST":
        values = _department_values(request.POST)
        try:
            require_manager(request.user)
            department_update(actor=request.user, department=department, **_resolve(values))
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:departments")
    else:
        values = {
            "name": department.name,
            "code": department.code,
            "parent": department.parent_id or "",
            "head": department.head_id or "",
        }
    fields = _department_fields(values, errors, exclude=department.pk)
    context = {
        "department": department,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/department_edit.html", context, status=400 if errors else 200)


@require_POST
@section_required(ORG)
def department_move(request, pk: int):
    """Drag and drop on the tree posts here (so does the move form on each row without script);
    a loop comes back as the edit page with the error on "parent department"."""
    department = get_object_or_404(Department, pk=pk)
    parent_id = pk_or_none(request.POST.get("parent"))
    parent = get_object_or_404(Department, pk=parent_id) if parent_id else None
    try:
        department_update(actor=request.user, department=department, parent=parent)
    except DomainError as error:
        errors = located(error)
        values = {
            "name": department.name,
            "code": department.code,
            "parent": parent_id or "",
            "head": department.head_id or "",
        }
        fields = _department_fields(values, errors, exclude=department.pk)
        context = {
            "department": department,
            "fields": fields,
            "errors": errors,
            "general_errors": general_errors(errors, fields),
        }
        return render(request, "tasklist/admin/department_edit.html", context, status=400)
    messages.success(
        request,
        _("Moved %(name)s under %(parent)s.")
        % {"name": department.name, "parent": parent.name if parent else _("the top")},
    )
    return redirect("manage:departments")


# --- positions ------------------------------------------------------------------------------------


@section_required(ORG)
def positions(request):
    errors: dict = {}
    values = {"code": "", "name": ""}
    editing = None
    if request.method == "POST":
        values = {"code": request.POST.get("code", ""), "name": request.POST.get("name", "")}
        editing = Position.objects.filter(pk=pk_or_none(request.POST.get("position"))).first()
        try:
            if editing is not None:
                position_update(actor=request.user, position=editing, **values)
            else:
                position_create(actor=request.user, **values)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:positions")
    fields = [
        field("name", _("Name"), value=values["name"], errors=errors, required=True, maxlength=100),
        field("code", _("Code"), value=values["code"], errors=errors, required=True, maxlength=32),
    ]
    context = {
        "positions": Position.objects.annotate(staff=Count("employees")).order_by("code"),
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
        "editing": editing,
    }
    return render(request, "tasklist/admin/positions.html", context, status=400 if errors else 200)


# --- employees ------------------------------------------------------------------------------------


@section_required(ORG)
def employees(request):
    rows = Employee.objects.select_related("user", "department", "position", "manager").order_by(
        "department__name", "name"
    )
    q = request.GET.get("q", "").strip()[:100]
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(user__username__icontains=q))
    department_id = pk_or_none(request.GET.get("department"))
    if department_id:
        from org.selectors import department_ids_below

        rows = rows.filter(department_id__in=department_ids_below([department_id]))
    context = {
        "employees": rows[:500],
        "q": q,
        "department_choices": [(str(d.pk), "\u2003" * depth + d.name) for d, depth in department_tree()],
        "department": str(department_id or ""),
    }
    return render(request, "tasklist/admin/employees.html", context)


def _employee_fields(values: dict, errors: dict, *, exclude: int | None = None) -> list[dict]:
    managers = [
        (e.pk, e.name) for e in Employee.objects.filter(active=True).exclude(pk=exclude).order_by("name")
    ]
    return [
        field("name", _("Name"), value=values.get("name"), errors=errors, required=True, maxlength=100),
        field(
            "code", _("Employee number"), value=values.get("code"), errors=errors, required=True, maxlength=32
        ),
        field(
            "department",
            _("Department"),
            kind="select",
            value=values.get("department"),
            choices=[(d.pk, "\u2003" * depth + d.name) for d, depth in department_tree()],
            errors=errors,
            required=True,
        ),
        field(
            "position",
            _("Position"),
            kind="select",
            value=values.get("position"),
            choices=[(p.pk, p.name) for p in Position.objects.order_by("name")],
            errors=errors,
        ),
        field(
            "manager",
            _("Manager"),
            kind="select",
            value=values.get("manager"),
            choices=managers,
            errors=errors,
        ),
        field("hire_date", _("Hire date"), kind="date", value=values.get("hire_date"), errors=errors),
        field("active", _("Active"), kind="bool", value=values.get("active", True), errors=errors),
    ]


def _employee_changes(post) -> tuple[dict, dict]:
    values = {
        name: post.get(name, "").strip()
        for name in ("name", "code", "department", "position", "manager", "hire_date")
    }
    values["active"] = post.get("active") == "on"
    errors: dict = {}
    department = Department.objects.filter(pk=pk_or_none(values["department"])).first()
    if department is None:
        errors["department"] = [_("Choose a department.")]
    hire_date = None
    if values["hire_date"]:
        try:
            hire_date = parse_date(values["hire_date"])
        except ValueError:
            hire_date = None
        if hire_date is None:
            errors["hire_date"] = [_("Enter a date (YYYY-MM-DD).")]
    if errors:
        raise ValidationFailed(_("It could not be saved."), fields=errors)
    changes = {
        "name": values["name"],
        "code": values["code"],
        "department": department,
        "position": Position.objects.filter(pk=pk_or_none(values["position"])).first(),
        "manager": Employee.objects.filter(pk=pk_or_none(values["manager"])).first(),
        "hire_date": hire_date,
        "active": values["active"],
    }
    return values, changes


@section_required(ORG)
def employee_edit(request, pk: int):
    employee = get_object_or_404(Employee.objects.select_related("user"), pk=pk)
    errors: dict = {}
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "").strip()
            for name in ("name", "code", "department", "position", "manager", "hire_date")
        }
        values["active"] = request.POST.get("active") == "on"
        try:
            require_manager(request.user)
            values, changes = _employee_changes(request.POST)
            employee_update(actor=request.user, employee=employee, **changes)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:employees")
    else:
        values = {
            "name": employee.name,
            "code": employee.code,
            "department": employee.department_id,
            "position": employee.position_id or "",
            "manager": employee.manager_id or "",
            "hire_date": employee.hire_date.isoformat() if employee.hire_date else "",
            "active": employee.active,
        }
    fields = _employee_fields(values, errors, exclude=employee.pk)
    context = {
        "employee": employee,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/employee_edit.html", context, status=400 if errors else 200)


# --- groups and roles -----------------------------------------------------------------------------


def _group_rows():
    groups = list(
        Group.objects.select_related("profile", "profile__parent")
        .annotate(members=Count("user", distinct=True))
        .order_by("name")
    )
    labels = group_labels(
        [g.name for g in groups]
        + [g.profile.parent.name for g in groups if hasattr(g, "profile") and g.profile.parent]
    )
    rows = []
    for group in groups:
        profile = getattr(group, "profile", None)
        rows.append(
            {
                "group": group,
                "label": labels.get(group.name, group.name),
                "kind": profile.get_kind_display() if profile else "",
                "scope": profile.get_row_scope_display() if profile else RowScope.OWN.label,
                "parent": labels.get(profile.parent.name, profile.parent.name)
                if profile and profile.parent
                else "",
                "members": group.members,
            }
        )
    return sorted(rows, key=lambda r: r["label"])


@section_required(ORG)
def groups(request):
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = {n: request.POST.get(n, "").strip() for n in ("name", "display_name", "kind", "parent")}
        try:
            require_manager(request.user)
            if not values["name"]:
                raise ValidationFailed(
                    _("A group needs a name."), fields={"name": [_("This field is required.")]}
                )
            if Group.objects.filter(name=values["name"]).exists():
                raise ValidationFailed(_("This name is taken."), fields={"name": [_("This name is taken.")]})
            kind = values["kind"] if values["kind"] in GroupProfile.Kind.values else GroupProfile.Kind.ROLE
            parent = Group.objects.filter(pk=pk_or_none(values["parent"])).first()
            group = group_create(actor=request.user, name=values["name"], parent=parent, kind=kind)
            group_set_display_name(actor=request.user, group=group, display_name=values["display_name"])
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(
                request, _("Created: %(name)s.") % {"name": values["display_name"] or values["name"]}
            )
            return redirect("manage:group", pk=group.pk)
    rows = _group_rows()
    fields = [
        field(
            "name",
            _("Name (internal key, used in process lanes)"),
            value=values.get("name"),
            errors=errors,
            required=True,
            maxlength=150,
        ),
        field(
            "display_name", _("Display name"), value=values.get("display_name"), errors=errors, maxlength=150
        ),
        field(
            "kind",
            _("Kind"),
            kind="select",
            value=values.get("kind", "role"),
            choices=GroupProfile.Kind.choices,
            errors=errors,
            required=True,
        ),
        field(
            "parent",
            _("Parent group"),
            kind="select",
            value=values.get("parent"),
            choices=[(r["group"].pk, r["label"]) for r in rows],
            errors=errors,
        ),
    ]
    context = {
        "rows": rows,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/groups.html", context, status=400 if errors else 200)


@section_required(ORG)
def group_detail(request, pk: int):
    group = get_object_or_404(Group, pk=pk)
    profile, _created = GroupProfile.objects.get_or_create(group=group)
    errors: dict = {}
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "rename":
                with transaction.atomic():
                    _rename_group(request, group, profile)
            elif action == "add":
                user = User.objects.filter(pk=pk_or_none(request.POST.get("user"))).first()
                if user is None:
                    raise ValidationFailed(_("Choose a person."), fields={"user": [_("Choose a person.")]})
                group_member_add(actor=request.user, group=group, user=user)
            elif action == "remove":
                user = get_object_or_404(User, pk=pk_or_none(request.POST.get("user")))
                group_member_remove(actor=request.user, group=group, user=user)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:group", pk=group.pk)
    members = list(group.user_set.select_related("employee__department").order_by("display_name", "username"))
    member_ids = {m.pk for m in members}
    candidates = [
        (u.pk, str(u))
        for u in User.objects.filter(is_active=True).order_by("display_name", "username")
        if u.pk not in member_ids
    ]
    label = group_labels([group.name]).get(group.name, group.name)
    context = {
        "group": group,
        "profile": profile,
        "label": label,
        "members": members,
        "name_fields": [
            field(
                "display_name", _("Display name"), value=profile.display_name, errors=errors, maxlength=150
            ),
            field("description", _("Description"), kind="textarea", value=profile.description, errors=errors),
            field(
                "parent",
                _("Parent group"),
                kind="select",
                value=profile.parent_id or "",
                choices=[(r["group"].pk, r["label"]) for r in _group_rows() if r["group"].pk != group.pk],
                errors=errors,
                help=_("Members of this group are also members of the parent group."),
            ),
        ],
        "add_fields": [
            field("user", _("Person"), kind="select", choices=candidates, errors=errors, required=True)
        ],
        "errors": errors,
    }
    return render(request, "tasklist/admin/group_detail.html", context, status=400 if errors else 200)


def _rename_group(request, group: Group, profile: GroupProfile) -> None:
    group_set_display_name(
        actor=request.user,
        group=group,
        display_name=request.POST.get("display_name", ""),
        description=request.POST.get("description", ""),
    )
    parent = Group.objects.filter(pk=pk_or_none(request.POST.get("parent"))).first()
    if parent != profile.parent:
        # a nesting loop comes back located on "parent group" (GroupProfile.clean)
        group_update(actor=request.user, group=group, profile={"parent": parent})


@section_required(ORG)
def group_permissions(request, pk: int):
    """The permission matrix of one group/role: entity x operation checkboxes and the row scope,
    saved together in one transaction (one audit row with the diff)."""
    group = get_object_or_404(Group, pk=pk)
    profile, _created = GroupProfile.objects.get_or_create(group=group)
    errors: dict = {}
    if request.method == "POST":
        grants = set()
        for value in request.POST.getlist("grant"):
            label, _sep, action = value.rpartition(":")
            grants.add((label, action))
        try:
            group_matrix_save(
                actor=request.user, group=group, grants=grants, row_scope=request.POST.get("row_scope", "")
            )
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Permissions saved."))
            return redirect("manage:group_permissions", pk=group.pk)
    context = {
        "group": group,
        "label": group_labels([group.name]).get(group.name, group.name),
        "rows": group_matrix(group),
        "actions": [(a, _ACTION_LABELS[a]) for a in ACTIONS],
        "scope_field": field(
            "row_scope",
            _("Row scope"),
            kind="select",
            value=profile.row_scope,
            choices=RowScope.choices,
            errors=errors,
            required=True,
        ),
        "errors": errors,
    }
    return render(request, "tasklist/admin/group_permissions.html", context, status=400 if errors else 200)


_ACTION_LABELS = {
    "view": _("View"),
    "add": _("Add"),
    "change": _("Change"),
    "delete": _("Delete"),
    "export": _("Export"),
}


# --- accounts -------------------------------------------------------------------------------------


@section_required(ORG)
def users(request):
    rows = User.objects.select_related("employee__department").order_by(
        "-is_active", "display_name", "username"
    )
    q = request.GET.get("q", "").strip()[:100]
    if q:
        rows = rows.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(email__icontains=q))
    return render(request, "tasklist/admin/users.html", {"users": rows[:500], "q": q})


SIGN_IN_ACTIONS = [
    AuditEvent.Action.LOGIN,
    AuditEvent.Action.LOGIN_FAILED,
    AuditEvent.Action.LOCKED_OUT,
    AuditEvent.Action.LOGOUT,
]


@section_required(ORG)
def user_detail(request, pk: int):
    person = get_object_or_404(
        User.objects.select_related("employee__department", "employee__position"), pk=pk
    )
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("deactivate", "reactivate"):
                user_set_active(actor=request.user, user=person, active=action == "reactivate")
                messages.success(
                    request,
                    _("Account switched off.") if action == "deactivate" else _("Account switched on."),
                )
            elif action == "reset":
                user_send_password_reset(actor=request.user, user=person)
                messages.success(
                    request,
                    _("A link to choose a new password was sent to %(email)s.") % {"email": person.email},
                )
        except DomainError as error:
            errors = located(error)
            messages.error(request, "; ".join(m for ms in errors.values() for m in ms))
        return redirect("manage:user", pk=person.pk)
    history = AuditEvent.objects.filter(action__in=SIGN_IN_ACTIONS).filter(
        Q(actor=person) | Q(actor__isnull=True, actor_label=person.username)
    )[:50]
    groups = list(person.groups.order_by("name"))
    labels = group_labels(g.name for g in groups)
    context = {
        "person": person,
        "employee": getattr(person, "employee", None),
        "groups": [(g, labels.get(g.name, g.name)) for g in groups],
        "history": history,
        "errors": errors,
    }
    return render(request, "tasklist/admin/user_detail.html", context)


@section_required(ORG)
def user_invite_view(request):
    errors: dict = {}
    names = (
        "username",
        "display_name",
        "email",
        "employee_code",
        "department",
        "position",
        "manager",
        "hire_date",
    )
    values = {n: request.POST.get(n, "").strip() for n in names} if request.method == "POST" else {}
    values["groups"] = request.POST.getlist("groups") if request.method == "POST" else []
    if request.method == "POST":
        try:
            hire_date = parse_date(values["hire_date"]) if values["hire_date"] else None
            if values["hire_date"] and hire_date is None:
                raise ValidationFailed(
                    _("Enter a date (YYYY-MM-DD)."), fields={"hire_date": [_("Enter a date (YYYY-MM-DD).")]}
                )
            person = user_invite(
                actor=request.user,
                username=values["username"],
                display_name=values["display_name"],
                email=values["email"],
                department=Department.objects.filter(pk=pk_or_none(values["department"])).first(),
                position=Position.objects.filter(pk=pk_or_none(values["position"])).first(),
                manager=Employee.objects.filter(pk=pk_or_none(values["manager"])).first(),
                employee_code=values["employee_code"],
                hire_date=hire_date,
                groups=list(
                    Group.objects.filter(pk__in=[pk_or_none(v) for v in values["groups"] if pk_or_none(v)])
                ),
            )
        except (DomainError, ValueError) as error:
            errors = (
                located(error)
                if isinstance(error, DomainError)
                else {"hire_date": [_("Enter a date (YYYY-MM-DD).")]}
            )
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": person.email})
            return redirect("manage:user", pk=person.pk)
    employee_fields = _employee_fields({**values, "name": "", "code": values.get("employee_code")}, errors)
    by_name = {f["name"]: f for f in employee_fields}
    code = by_name["code"]
    code.update(name="employee_code", required=False, errors=errors.get("employee_code", []))
    by_name["department"]["required"] = False
    fields = [
        field(
            "username",
            _("User name (to sign in)"),
            value=values.get("username"),
            errors=errors,
            required=True,
            maxlength=150,
        ),
        field(
            "display_name", _("Display name"), value=values.get("display_name"), errors=errors, maxlength=150
        ),
        field("email", _("E-mail"), kind="email", value=values.get("email"), errors=errors, required=True),
        by_name["department"],
        code,
        by_name["position"],
        by_name["manager"],
        by_name["hire_date"],
        field(
            "groups",
            _("Groups and roles"),
            kind="checks",
            value=values["groups"],
            choices=[(r["group"].pk, r["label"]) for r in _group_rows()],
            errors=errors,
        ),
    ]
    context = {"fields": fields, "errors": errors, "general_errors": general_errors(errors, fields)}
    return render(request, "tasklist/admin/user_invite.html", context, status=400 if errors else 200)


# --- the explainer --------------------------------------------------------------------------------


@section_required(ORG)
def access_explainer(request):
    """Pick a person: per entity the operations they hold, through which group, their row scope and
    how many rows it admits."""
    person_id = pk_or_none(request.GET.get("user"))
    person = User.objects.filter(pk=person_id).first() if person_id else None
    if person_id and person is None:
        raise Http404
    context = {
        "people": _people_choices(),
        "person": person,
        "explanation": explain_user(person) if person else None,
        "action_labels": _ACTION_LABELS,
        "entities": matrix_entities(),
    }
    return render(request, "tasklist/admin/access.html", context)


def explainer_url(user) -> str:
    return reverse("manage:access") + f"?user={user.pk}"
