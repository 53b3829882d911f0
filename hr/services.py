"""Writes of the HR area. HR asks for a personnel change (`*_request`: checks, records the change,
announces the business event its process is bound to); the process's connectors apply it
(`*_apply`, with the process's authority) and these services keep the employee file's history.

Every write checks its actor and writes its audit row here (audit.services.audit_record)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record, snapshot
from core.errors import NotPermitted, ValidationFailed
from core.events import emit_business_event, request_notification
from engine.connectors import is_process_actor, user_of
from org.models import Department, Employee, Position, User

from .models import (
    VIEW_SALARY,
    DepartureReason,
    EmployeeDocument,
    EmploymentProfile,
    EmploymentStatus,
    EmploymentType,
    PersonnelChange,
    PositionRecord,
    SalaryRecord,
)

EVENTS = {
    PersonnelChange.Kind.ONBOARDING: "hr.onboarding_requested",
    PersonnelChange.Kind.PROBATION: "hr.probation_review_requested",
    PersonnelChange.Kind.TRANSFER: "hr.transfer_requested",
    PersonnelChange.Kind.SALARY: "hr.salary_adjustment_requested",
    PersonnelChange.Kind.DEPARTURE: "hr.departure_requested",
}
USERNAME = re.compile(r"^[\w.@+-]+\Z")


def _require(actor, permission: str) -> None:
    if is_process_actor(actor):
        return
    if actor is None or not actor.is_active or not (actor.is_superuser or actor.has_perm(permission)):
        raise NotPermitted(_("Only HR may do this."))


def _fail(field: str, message: str):
    raise ValidationFailed(_("Please correct the highlighted fields."), fields={field: [message]})


def _active_employee(employee: Employee | None, field: str = "employee") -> Employee:
    if employee is None or not employee.active or not employee.user.is_active:
        _fail(field, _("Choose a person who works here."))
    return employee


def _open_change(employee: Employee, kind: str) -> None:
    waiting = PersonnelChange.objects.filter(
        employee=employee,
        kind=kind,
        status__in=[PersonnelChange.Status.PENDING, PersonnelChange.Status.APPROVED],
    ).first()
    if waiting is not None:
        raise ValidationFailed(
            _("%(name)s already has a %(kind)s under way (asked for on %(date)s).")
            % {
                "name": employee,
                "kind": waiting.get_kind_display().lower(),
                "date": waiting.requested_at.date(),
            },
            fields={"employee": [_("A change of this kind is already under way.")]},
        )


def _announce(actor, change: PersonnelChange, **variables) -> PersonnelChange:
    audit_record(action="create", actor=actor, obj=change)
    subject = change.subject_name
    emit_business_event(
        EVENTS[change.kind],
        business_object=change,
        actor=actor,
        variables={
            "subject": subject,
            "kind": change.kind,
            "effective_on": change.effective_on.isoformat(),
            **variables,
        },
    )
    return change


def profile_of(employee: Employee) -> EmploymentProfile:
    profile, _created = EmploymentProfile.objects.get_or_create(
        employee=employee,
        defaults={
            "status": EmploymentStatus.ACTIVE if employee.active else EmploymentStatus.LEFT,
            "contract_starts_on": employee.hire_date,
        },
    )
    return profile


# -- asking for a change ---------------------------------------------------------------------------


@transaction.atomic
def onboarding_request(
    *,
    actor,
    name: str,
    username: str,
    email: str,
    employment_type: str,
    department: Department,
    position: Position | None,
    manager: Employee | None,
    starts_on: datetime.date,
    probation_ends_on: datetime.date | None = None,
    monthly_salary: Decimal | None = None,
    phone: str = "",
    reason: str = "",
    groups=(),
) -> PersonnelChange:
    """A new hire (入职) by type: on probation (a probation end after the start), regular or intern."""
    _require(actor, "hr.add_personnelchange")
    errors: dict[str, list] = {}
    name, username, email = (name or "").strip(), (username or "").strip(), (email or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    if not USERNAME.match(username or "-") or not username:
        errors["username"] = [_("Letters, digits and . @ + - _ only.")]
    elif (
        User.objects.filter(username__iexact=username).exists()
        or PersonnelChange.objects.filter(
            kind=PersonnelChange.Kind.ONBOARDING,
            username__iexact=username,
            status=PersonnelChange.Status.PENDING,
        ).exists()
    ):
        errors["username"] = [_("This user name is taken.")]
    if not email:
        errors["email"] = [_("An invitation needs an e-mail address.")]
    if employment_type not in EmploymentType.values:
        errors["employment_type"] = [_("Not a choice.")]
    if employment_type == EmploymentType.PROBATION:
        if probation_ends_on is None:
            errors["probation_ends_on"] = [_("A hire on probation needs the probation's end.")]
        elif probation_ends_on <= starts_on:
            errors["probation_ends_on"] = [_("The probation ends after the first day.")]
    if manager is not None and not manager.active:
        errors["manager"] = [_("Choose a person who works here.")]
    if monthly_salary is not None:
        if monthly_salary <= 0:
            errors["monthly_salary"] = [_("Enter an amount above zero.")]
        elif not user_of(actor) or not user_of(actor).has_perm(VIEW_SALARY):
            errors["monthly_salary"] = [_("Only people who may see salaries set one.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    change = PersonnelChange.objects.create(
        kind=PersonnelChange.Kind.ONBOARDING,
        person_name=name,
        username=username,
        email=email,
        phone=phone,
        employment_type=employment_type,
        department=department,
        position=position,
        manager=manager,
        effective_on=starts_on,
        probation_ends_on=probation_ends_on if employment_type == EmploymentType.PROBATION else None,
        salary_after=monthly_salary,
        reason=reason,
        requested_by=user_of(actor),
    )
    change.groups.set(groups)
    return _announce(actor, change, department=department.code, employment_type=employment_type)


@transaction.atomic
def probation_review_request(*, actor, employee: Employee, reason: str = "") -> PersonnelChange:
    """Review a probation (转正): the manager confirms, extends or ends it by the probation's end."""
    _require(actor, "hr.add_personnelchange")
    employee = _active_employee(employee)
    profile = profile_of(employee)
    if profile.status != EmploymentStatus.PROBATION or profile.probation_ends_on is None:
        _fail("employee", _("%(name)s is not on probation.") % {"name": employee})
    _open_change(employee, PersonnelChange.Kind.PROBATION)
    change = PersonnelChange.objects.create(
        kind=PersonnelChange.Kind.PROBATION,
        employee=employee,
        effective_on=profile.probation_ends_on,
        probation_ends_on=profile.probation_ends_on,
        reason=reason,
        requested_by=user_of(actor),
    )
    return _announce(actor, change, employee=employee.user.get_username(), probation=probation_dates(change))


def probation_dates(change: PersonnelChange, *, today: datetime.date | None = None) -> dict:
    """The probation's end as the process needs it: the task's due date and the reminder's wait
    (a week before the end, at once when that is past)."""
    today = today or timezone.localdate()
    ends = change.probation_ends_on
    remind = ends - datetime.timedelta(days=7)
    wait = max((remind - today).days, 0)
    return {
        "ends_on": ends.isoformat(),
        "due": end_of_day(ends),
        "remind_in": f"P{wait}D" if wait else "PT1M",
    }


def end_of_day(day: datetime.date) -> str:
    """6 pm of `day` in the company's time zone, as the ISO date-time a timer or due date takes."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0))).isoformat()


@transaction.atomic
def transfer_request(
    *,
    actor,
    employee: Employee,
    department: Department,
    position: Position | None,
    manager: Employee | None,
    effective_on: datetime.date,
    reason: str = "",
) -> PersonnelChange:
    """Move a person to another department or position (调岗): the old and the new manager approve."""
    _require(actor, "hr.add_personnelchange")
    employee = _active_employee(employee)
    if manager is not None:
        if manager.pk == employee.pk:
            _fail("manager", _("An employee cannot be their own manager."))
        if not manager.active:
            _fail("manager", _("Choose a person who works here."))
    if (department.pk, getattr(position, "pk", None), getattr(manager, "pk", None)) == (
        employee.department_id,
        employee.position_id,
        employee.manager_id,
    ):
        _fail("department", _("This is where the person works already."))
    _open_change(employee, PersonnelChange.Kind.TRANSFER)
    change = PersonnelChange.objects.create(
        kind=PersonnelChange.Kind.TRANSFER,
        employee=employee,
        department=department,
        position=position,
        manager=manager,
        effective_on=effective_on,
        reason=reason,
        requested_by=user_of(actor),
    )
    new_manager = manager.user.get_username() if manager is not None else None
    if new_manager is None and department.head_id:
        new_manager = department.head.get_username()
    return _announce(
        actor,
        change,
        employee=employee.user.get_username(),
        department=department.code,
        new_manager=new_manager,
        same_manager=new_manager is None or new_manager == _manager_username(employee),
    )


def _manager_username(employee: Employee) -> str | None:
    from org.selectors import manager_of

    manager = manager_of(employee.user)
    return manager.get_username() if manager is not None else None


@transaction.atomic
def salary_adjustment_request(
    *, actor, employee: Employee, monthly_salary: Decimal, effective_on: datetime.date, reason: str
) -> PersonnelChange:
    """A salary adjustment (调薪). Confidential: the amounts stay on the change, never in the
    process data; only people who may see salaries and its approvers read them."""
    _require(actor, VIEW_SALARY)
    _require(actor, "hr.add_personnelchange")
    employee = _active_employee(employee)
    if monthly_salary is None or monthly_salary <= 0:
        _fail("monthly_salary", _("Enter an amount above zero."))
    if not (reason or "").strip():
        _fail("reason", _("Say why the salary changes."))
    _open_change(employee, PersonnelChange.Kind.SALARY)
    current = (
        employee.salary_records.order_by("-effective_on", "-pk")
        .values_list("monthly_salary", flat=True)
        .first()
    )
    change = PersonnelChange.objects.create(
        kind=PersonnelChange.Kind.SALARY,
        employee=employee,
        effective_on=effective_on,
        salary_before=current,
        salary_after=monthly_salary,
        reason=reason.strip(),
        requested_by=user_of(actor),
    )
    return _announce(actor, change, employee=employee.user.get_username())


@transaction.atomic
def departure_request(
    *,
    actor,
    employee: Employee,
    departure_reason: str,
    last_day: datetime.date,
    successor: User | None,
    reason: str = "",
) -> PersonnelChange:
    """A departure (离职), dismissal (辞退) or retirement (退休). On the last day the account closes,
    the person's customers and open tasks go to the successor."""
    _require(actor, "hr.add_personnelchange")
    employee = _active_employee(employee)
    if departure_reason not in DepartureReason.values:
        _fail("departure_reason", _("Not a choice."))
    if (
        successor is None
        or not successor.is_active
        or not Employee.objects.filter(user=successor, active=True).exists()
    ):
        _fail("successor", _("Choose a colleague who stays to take over."))
    if successor.pk == employee.user_id:
        _fail("successor", _("The successor must be someone else."))
    if not _may_take_customers(employee, successor):
        _fail(
            "successor",
            _("%(name)s looks after customers: choose a successor who works with customers.")
            % {"name": employee},
        )
    if departure_reason == DepartureReason.DISMISSAL and not (reason or "").strip():
        _fail("reason", _("A dismissal needs its grounds."))
    _open_change(employee, PersonnelChange.Kind.DEPARTURE)
    change = PersonnelChange.objects.create(
        kind=PersonnelChange.Kind.DEPARTURE,
        employee=employee,
        effective_on=last_day,
        departure_reason=departure_reason,
        successor=successor,
        reason=reason,
        requested_by=user_of(actor),
    )
    profile = profile_of(employee)
    return _announce(
        actor,
        change,
        employee=employee.user.get_username(),
        successor=successor.get_username(),
        last_day=end_of_day(last_day),
        departure_reason=departure_reason,
        was_on_probation=profile.status == EmploymentStatus.PROBATION,
    )


def _may_take_customers(employee: Employee, successor: User) -> bool:
    from crm.models import Customer
    from org.permissions import user_can

    owns = Customer.objects.filter(owner_id=employee.user_id).exists()
    return not owns or user_can(successor, Customer, "view")


# -- applying a change (the processes' connectors) ------------------------------------------------


def _lock(change: PersonnelChange) -> PersonnelChange:
    return PersonnelChange.objects.select_for_update().get(pk=change.pk)


def _done(actor, change: PersonnelChange, status: str, outcome: str = "") -> PersonnelChange:
    before = snapshot(change)
    change.status = status
    if outcome:
        change.outcome = outcome
    if status == PersonnelChange.Status.DONE:
        change.applied_at = timezone.now()
    change.save(update_fields=["status", "outcome", "applied_at"])
    after = snapshot(change)
    audit_record(
        action="change",
        actor=actor,
        obj=change,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return change


@transaction.atomic
def change_reject(*, actor, change: PersonnelChange, note: str = "") -> PersonnelChange:
    _require(actor, "hr.change_personnelchange")
    change = _lock(change)
    if change.status != PersonnelChange.Status.PENDING:
        return change
    return _done(actor, change, PersonnelChange.Status.REJECTED, note)


@transaction.atomic
def change_approve(*, actor, change: PersonnelChange) -> PersonnelChange:
    """Approved, waiting for its date (a departure until the last day)."""
    _require(actor, "hr.change_personnelchange")
    change = _lock(change)
    if change.status != PersonnelChange.Status.PENDING:
        return change
    change = _done(actor, change, PersonnelChange.Status.APPROVED)
    if change.kind == PersonnelChange.Kind.DEPARTURE:
        profile = profile_of(change.employee)
        profile.status = EmploymentStatus.LEAVING
        profile.save(update_fields=["status"])
    return change


def _next_employee_code() -> str:
    numbers = [
        int(c[1:]) for c in Employee.objects.filter(code__regex=r"^E[0-9]+$").values_list("code", flat=True)
    ]
    return f"E{max(numbers, default=0) + 1:03d}"


def _record_position(employee: Employee, *, starts_on, change=None) -> PositionRecord:
    return PositionRecord.objects.create(
        employee=employee,
        starts_on=starts_on,
        department_id=employee.department_id,
        position_id=employee.position_id,
        manager_id=employee.manager_id,
        change=change,
    )


@transaction.atomic
def onboarding_apply(*, actor, change: PersonnelChange) -> Employee:
    """Open the account (an invitation to choose a password) and the employee record and file."""
    from org.services import user_invite

    _require(actor, "hr.change_personnelchange")
    change = _lock(change)
    if change.status == PersonnelChange.Status.DONE and change.employee_id:
        return change.employee
    if User.objects.filter(username__iexact=change.username).exists():
        raise ValidationFailed(
            _("The user name %(name)s was taken meanwhile.") % {"name": change.username},
            fields={"username": [_("This user name is taken.")]},
        )
    user = user_invite(
        actor=actor,
        username=change.username,
        display_name=change.person_name,
        email=change.email,
        department=change.department,
        position=change.position,
        manager=change.manager,
        employee_code=_next_employee_code(),
        hire_date=change.effective_on,
        groups=list(change.groups.all()),
    )
    if change.phone:
        user.phone = change.phone
        user.save(update_fields=["phone"])
    employee = Employee.objects.get(user=user)
    on_probation = change.employment_type == EmploymentType.PROBATION
    EmploymentProfile.objects.create(
        employee=employee,
        employment_type=change.employment_type,
        status=EmploymentStatus.PROBATION if on_probation else EmploymentStatus.ACTIVE,
        contract_type="internship" if change.employment_type == EmploymentType.INTERN else "fixed_term",
        contract_starts_on=change.effective_on,
        probation_ends_on=change.probation_ends_on,
    )
    _record_position(employee, starts_on=change.effective_on, change=change)
    if change.salary_after is not None:
        SalaryRecord.objects.create(
            employee=employee,
            effective_on=change.effective_on,
            monthly_salary=change.salary_after,
            change=change,
        )
    change.employee = employee
    change.save(update_fields=["employee"])
    _done(
        actor,
        change,
        PersonnelChange.Status.DONE,
        _("Account %(username)s opened; invitation sent to %(email)s.")
        % {"username": user.get_username(), "email": user.email},
    )
    return employee


@transaction.atomic
def transfer_apply(*, actor, change: PersonnelChange) -> Employee:
    from org.services import employee_update

    _require(actor, "hr.change_personnelchange")
    change = _lock(change)
    employee = employee_update(
        actor=actor,
        employee=change.employee,
        department=change.department,
        position=change.position,
        manager=change.manager,
    )
    _record_position(employee, starts_on=change.effective_on, change=change)
    _done(actor, change, PersonnelChange.Status.DONE)
    return employee


@transaction.atomic
def salary_apply(*, actor, change: PersonnelChange) -> SalaryRecord:
    _require(actor, "hr.change_personnelchange")
    change = _lock(change)
    record = SalaryRecord.objects.create(
        employee=change.employee,
        effective_on=change.effective_on,
        monthly_salary=change.salary_after,
        change=change,
        note=change.reason[:300],
    )
    audit_record(action="create", actor=actor, obj=record)
    _done(actor, change, PersonnelChange.Status.DONE)
    return record


@transaction.atomic
def probation_decide(
    *, actor, change: PersonnelChange, outcome: str, extend_to: datetime.date | None = None, note: str = ""
) -> PersonnelChange:
    """confirm (转正: a regular employee from the day after), extend (a new end) or terminate."""
    _require(actor, "hr.change_personnelchange")
    change = _lock(change)
    profile = profile_of(change.employee)
    before = snapshot(profile)
    if outcome == "confirm":
        profile.status, profile.employment_type = EmploymentStatus.ACTIVE, EmploymentType.REGULAR
        text = _("Confirmed as a regular employee.")
    elif outcome == "extend":
        if extend_to is None or extend_to <= (profile.probation_ends_on or change.effective_on):
            raise ValidationFailed(
                _("Please correct the highlighted fields."),
                fields={"extend_to": [_("The new end comes after the current one.")]},
            )
        profile.probation_ends_on = extend_to
        text = _("Probation extended to %(date)s.") % {"date": extend_to.isoformat()}
    elif outcome == "terminate":
        profile.status = EmploymentStatus.LEAVING
        text = _("Probation ended without confirmation.")
    else:
        raise ValidationFailed(_("Not a choice."), fields={"outcome": [_("Not a choice.")]})
    profile.save()
    after = snapshot(profile)
    audit_record(
        action="change",
        actor=actor,
        obj=profile,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return _done(actor, change, PersonnelChange.Status.DONE, f"{text} {note}".strip())


@transaction.atomic
def departure_apply(*, actor, change: PersonnelChange) -> dict:
    """The last day: the account closes (sign-in refused), the person's customers go to the
    successor (with the customers' change history), their open tasks too, and the successor is
    told what they took over. Returns the hand-over in numbers."""
    from crm.models import Customer
    from crm.services.customers import customer_transfer
    from engine.services import tasks_hand_over
    from org.services import employee_update, user_set_active

    _require(actor, "hr.change_personnelchange")
    change = _lock(change)
    if change.status == PersonnelChange.Status.DONE:
        return {"customers": 0, "tasks": 0}
    employee, successor = change.employee, change.successor
    leaver = employee.user
    note = _("Hand-over: %(name)s left (%(reason)s)") % {
        "name": employee,
        "reason": change.get_departure_reason_display(),
    }
    customers = list(Customer.objects.filter(owner=leaver).order_by("pk"))
    for customer in customers:
        customer_transfer(actor=actor, customer=customer, owner=successor, note=note)
    tasks = tasks_hand_over(from_user=leaver, to_user=successor, by=actor, reason=str(note))
    stand_in = Employee.objects.filter(user=successor).first()
    for report in Employee.objects.filter(manager=employee, active=True):
        employee_update(actor=actor, employee=report, manager=stand_in)
    employee_update(actor=actor, employee=employee, active=False)
    user_set_active(actor=actor, user=leaver, active=False)
    profile = profile_of(employee)
    profile.status, profile.left_on, profile.departure_reason = (
        EmploymentStatus.LEFT,
        change.effective_on,
        change.departure_reason,
    )
    profile.save(update_fields=["status", "left_on", "departure_reason"])
    summary = " ".join(
        [
            ngettext("%(n)s customer", "%(n)s customers", len(customers)) % {"n": len(customers)},
            ngettext("and %(n)s open task", "and %(n)s open tasks", len(tasks)) % {"n": len(tasks)},
            _("handed over to %(successor)s.") % {"successor": successor},
        ]
    )
    lines = [f"· {c.code} {c.name}" for c in customers[:20]] + [f"· {t.name}" for t in tasks[:20]]
    _done(actor, change, PersonnelChange.Status.DONE, summary)
    request_notification(
        recipients=[successor],
        template="hr_hand_over",
        context={"name": str(employee), "summary": summary, "items": "\n".join(lines)},
        url=f"/hr/employees/{employee.pk}/",
    )
    return {"customers": len(customers), "tasks": len(tasks), "summary": summary}


# -- the file's documents -------------------------------------------------------------------------

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def document_add(*, actor, employee: Employee, title: str, file) -> EmployeeDocument:
    _require(actor, "hr.add_employeedocument")
    title = (title or "").strip()
    if not title:
        _fail("title", _("This field is required."))
    if file is None:
        _fail("file", _("Choose a file."))
    if file.size > MAX_DOCUMENT_BYTES:
        _fail("file", _("The file is larger than 10 MB."))
    document = EmployeeDocument.objects.create(
        employee=employee, title=title[:200], file=file, uploaded_by=actor
    )
    audit_record(action="create", actor=actor, obj=document)
    return document


@transaction.atomic
def profile_update(*, actor, employee: Employee, **fields) -> EmploymentProfile:
    """HR edits the personal and contract data of a file (not its status: changes do that)."""
    _require(actor, "hr.change_employmentprofile")
    allowed = {
        "contract_type",
        "contract_starts_on",
        "contract_ends_on",
        "id_number",
        "gender",
        "education",
        "address",
        "emergency_contact",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    profile = EmploymentProfile.objects.select_for_update().get(pk=profile_of(employee).pk)
    before = snapshot(profile)
    for key, value in fields.items():
        setattr(profile, key, value)
    if (
        profile.contract_ends_on
        and profile.contract_starts_on
        and profile.contract_ends_on < profile.contract_starts_on
    ):
        _fail("contract_ends_on", _("The contract ends after it starts."))
    profile.save()
    after = snapshot(profile)
    audit_record(
        action="change",
        actor=actor,
        obj=profile,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return profile
