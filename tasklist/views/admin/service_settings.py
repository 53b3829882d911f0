"""Administration > Service settings (crm.manage_service_settings): the SLA policies of complaints
and service requests, and the company calendar their business hours are counted in."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from core.errors import DomainError
from crm.models import (
    CalendarDay,
    ChoiceList,
    ChoiceOption,
    Complaint,
    CustomerLevel,
    SlaPolicy,
    WorkingHours,
)
from crm.service.sla import (
    SlaPolicyInput,
    calendar_day_remove,
    calendar_day_set,
    sla_policy_save,
    working_hours_set,
)

from . import field, general_errors, located, pk_or_none, section_required

SERVICE = "service"


def _hours(delta: datetime.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g}"


@section_required(SERVICE)
def sla_policies(request):
    rows = list(
        SlaPolicy.objects.select_related("category", "customer_level").order_by(
            "record", "-active", "severity", "pk"
        )
    )
    for row in rows:
        row.respond_hours = _hours(row.response_time)
        row.resolve_hours = _hours(row.resolution_time)
    context = {"rows": rows, "calendar_set": WorkingHours.objects.exists()}
    return render(request, "tasklist/admin/sla_policies.html", context)


def _policy_fields(values: dict, errors: dict) -> list[dict]:
    return [
        field(
            "record",
            _("Applies to"),
            kind="select",
            value=values.get("record", SlaPolicy.Record.COMPLAINT),
            choices=SlaPolicy.Record.choices,
            errors=errors,
            required=True,
        ),
        field(
            "severity",
            _("Severity"),
            kind="select",
            value=values.get("severity", ""),
            choices=Complaint.Severity.choices,
            errors=errors,
            help=_("Empty: any severity."),
        ),
        field(
            "category",
            _("Category"),
            kind="select",
            value=values.get("category", ""),
            choices=[
                (o.pk, o.label)
                for o in ChoiceOption.objects.filter(choice_list=ChoiceList.COMPLAINT_CATEGORY, active=True)
            ],
            errors=errors,
            help=_("Empty: any category."),
        ),
        field(
            "customer_level",
            _("Customer level"),
            kind="select",
            value=values.get("customer_level", ""),
            choices=[(level.pk, level.name) for level in CustomerLevel.objects.all()],
            errors=errors,
            help=_("Empty: any level."),
        ),
        field(
            "response_hours",
            _("Respond within (hours)"),
            value=values.get("response_hours"),
            errors=errors,
            required=True,
            help=_("The first task (triage, dispatch) is due then. 0.5 = 30 minutes."),
        ),
        field(
            "resolution_hours",
            _("Resolve within (hours)"),
            value=values.get("resolution_hours"),
            errors=errors,
            required=True,
        ),
        field(
            "priority",
            _("Priority of its tasks"),
            value=values.get("priority", "50"),
            errors=errors,
            required=True,
            help=_("0 to 100: 70 and above is high, 30 and below low."),
        ),
        field(
            "business_hours",
            _("Count business hours only (the company calendar)"),
            kind="bool",
            value=values.get("business_hours", True),
        ),
        field("active", _("Active"), kind="bool", value=values.get("active", True)),
    ]


@section_required(SERVICE)
def sla_policy_form(request, pk: int | None = None):
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else None
    errors: dict = {}
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "").strip()
            for name in (
                "record",
                "severity",
                "category",
                "customer_level",
                "response_hours",
                "resolution_hours",
                "priority",
            )
        }
        values["business_hours"] = request.POST.get("business_hours") == "on"
        values["active"] = request.POST.get("active") == "on"
        try:
            policy = sla_policy_save(actor=request.user, data=SlaPolicyInput(**values), policy=policy)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved the SLA policy; new cases get its deadlines."))
            return redirect("manage:sla_policies")
    elif policy is not None:
        values = {
            "record": policy.record,
            "severity": policy.severity,
            "category": policy.category_id or "",
            "customer_level": policy.customer_level_id or "",
            "response_hours": _hours(policy.response_time),
            "resolution_hours": _hours(policy.resolution_time),
            "priority": policy.priority,
            "business_hours": policy.business_hours,
            "active": policy.active,
        }
    else:
        values = {}
    fields = _policy_fields(values, errors)
    context = {
        "policy": policy,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/sla_policy_form.html", context, status=400 if errors else 200)


@section_required(SERVICE)
def calendar(request):
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    errors: dict = {}
    posted: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "hours":
                hours = {
                    d: (request.POST.get(f"start{d}", ""), request.POST.get(f"end{d}", "")) for d in range(7)
                }
                posted = {f"start{d}": v[0] for d, v in hours.items()} | {
                    f"end{d}": v[1] for d, v in hours.items()
                }
                working_hours_set(actor=request.user, hours=hours)
                messages.success(request, _("Saved the working hours."))
            elif action == "day":
                posted = {k: request.POST.get(k, "") for k in ("day", "kind", "name", "works_like")}
                entry = calendar_day_set(
                    actor=request.user,
                    day=posted["day"],
                    working=posted["kind"] == "working",
                    name=posted["name"],
                    works_like=posted["works_like"],
                )
                year = entry.day.year
                messages.success(request, _("Saved the day."))
            elif action == "remove":
                calendar_day_remove(actor=request.user, day_id=pk_or_none(request.POST.get("entry")) or 0)
                messages.success(request, _("Removed the day."))
        except DomainError as error:
            errors = located(error)
        else:
            return redirect(f"{request.path}?year={year}")
    stored = {h.weekday: h for h in WorkingHours.objects.all()}
    week = [
        {
            "weekday": d,
            "name": WEEKDAYS[d],
            "start": posted.get(f"start{d}", f"{stored[d].start:%H:%M}" if d in stored else ""),
            "end": posted.get(f"end{d}", f"{stored[d].end:%H:%M}" if d in stored else ""),
            "errors": errors.get(f"day{d}", []),
        }
        for d in range(7)
    ]
    days = list(CalendarDay.objects.filter(day__year=year))
    day_fields = [
        field("day", _("Date"), kind="date", value=posted.get("day"), errors=errors, required=True),
        field(
            "kind",
            _("Kind"),
            kind="select",
            value=posted.get("kind", "holiday"),
            choices=[("holiday", _("Holiday (day off)")), ("working", _("Make-up working day (调休)"))],
            errors=errors,
            required=True,
        ),
        field(
            "works_like",
            _("With the hours of"),
            kind="select",
            value=posted.get("works_like", "0"),
            choices=[(d, WEEKDAYS[d]) for d in range(7)],
            errors=errors,
            help=_("For a make-up working day."),
        ),
        field("name", _("Name"), value=posted.get("name"), errors=errors, maxlength=100),
    ]
    context = {
        "year": year,
        "years": [year - 1, year, year + 1],
        "week": week,
        "days": [
            {"entry": d, "weekday": WEEKDAYS[d.day.weekday()], "like": WEEKDAYS[d.works_like]} for d in days
        ],
        "fields": day_fields,
        "errors": errors,
        "general_errors": [
            m
            for k, ms in errors.items()
            if not k.startswith("day") and k not in ("kind", "name", "works_like")
            for m in ms
        ],
    }
    return render(request, "tasklist/admin/calendar.html", context, status=400 if errors else 200)
