"""Administration > <section> > Audit: the changes made in a section (who, what, when), from the
one audit log the services write."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent

from . import SECTION_BY_KEY, may_manage

# section -> (object type, what people read)
OBJECT_TYPES = {
    "org": [
        ("org.department", gettext_lazy("Departments")),
        ("org.position", gettext_lazy("Positions")),
        ("org.employee", gettext_lazy("Employees")),
        ("auth.group", gettext_lazy("Groups and roles")),
        ("org.groupprofile", gettext_lazy("Group settings")),
        ("org.user", gettext_lazy("Accounts")),
    ],
    "notices": [("office.notice", gettext_lazy("Notices"))],
    "integrations": [
        ("integrations.webhooksubscription", gettext_lazy("Webhook subscriptions")),
        ("api.apitoken", gettext_lazy("API tokens")),
        ("integrations.connectorsetting", gettext_lazy("Connector settings")),
        ("integrations.templateoverride", gettext_lazy("Message templates")),
        ("integrations.delivery", gettext_lazy("Notification log")),
    ],
    "config": [("configtransfer.configimport", gettext_lazy("Configuration imports"))],
    "sales": [
        ("crm.salesprocess", gettext_lazy("Sales processes")),
        ("crm.salesstage", gettext_lazy("Sales stages")),
        ("crm.customerpool", gettext_lazy("Customer pools")),
        ("crm.customerlevel", gettext_lazy("Customer levels")),
    ],
    "data": [
        ("crm.customfielddefinition", gettext_lazy("Custom fields")),
        ("crm.choiceoption", gettext_lazy("Choice options")),
        ("tasklist.listlayout", gettext_lazy("List layouts")),
    ],
    "service": [
        ("crm.slapolicy", gettext_lazy("SLA policies")),
        ("crm.workinghours", gettext_lazy("Working hours")),
        ("crm.calendarday", gettext_lazy("Holidays and make-up days")),
    ],
}
# sign-ins are in the accounts' own history, not in the change log of the section
CHANGE_ACTIONS = [
    AuditEvent.Action.CREATE,
    AuditEvent.Action.CHANGE,
    AuditEvent.Action.DELETE,
    AuditEvent.Action.PERMISSION,
]


def _date(value: str) -> datetime.date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def section_audit(request, section: str):
    from django.core.exceptions import PermissionDenied

    if not may_manage(request.user, section):
        raise PermissionDenied
    types = OBJECT_TYPES[section]
    labels = {key: label for key, label in types}
    events = AuditEvent.objects.filter(object_type__in=labels, action__in=CHANGE_ACTIONS).select_related(
        "actor"
    )
    errors: dict = {}
    what = request.GET.get("what", "")
    if what in labels:
        events = events.filter(object_type=what)
    who = request.GET.get("who", "").strip()[:100]
    if who:
        events = events.filter(Q(actor_label__icontains=who) | Q(actor__display_name__icontains=who))
    since, until = request.GET.get("from", ""), request.GET.get("to", "")
    start, end = _date(since), _date(until)
    if since and start is None:
        errors["from"] = [_("Enter a date (YYYY-MM-DD).")]
    if until and end is None:
        errors["to"] = [_("Enter a date (YYYY-MM-DD).")]
    zone = timezone.get_current_timezone()
    if start:
        events = events.filter(at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=zone))
    if end:
        events = events.filter(
            at__lt=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    events = list(page)
    names = _reference_labels(events)
    rows = [
        {
            "event": event,
            "who": str(event.actor) if event.actor else event.actor_label,
            "what": labels.get(event.object_type, event.object_type),
            "changes": [
                (
                    name.removesuffix("_id"),
                    names.get((_target(event.object_type, name), old), old),
                    names.get((_target(event.object_type, name), new), new),
                )
                for name, (old, new) in _pairs(event.changes)
            ],
        }
        for event in events
    ]
    context = {
        "section": SECTION_BY_KEY[section],
        "types": types,
        "rows": rows,
        "page": page,
        "errors": errors,
        "get": request.GET,
        "query": "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page"),
    }
    return render(request, "tasklist/admin/audit.html", context, status=400 if errors else 200)


def _pairs(changes) -> list[tuple[str, tuple]]:
    return [
        (name, (values[0], values[1]))
        for name, values in (changes or {}).items()
        if isinstance(values, list) and len(values) == 2
    ]


def _target(object_type: str, field: str):
    """The model a changed reference field points to, so the diff shows names, not ids."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from org.models import Department, Employee, Position

    if field == "parent_id":
        return Group if object_type == "org.groupprofile" else Department
    return {
        "head_id": get_user_model(),
        "department_id": Department,
        "position_id": Position,
        "manager_id": Employee,
        "user_id": get_user_model(),
        "group_id": Group,
        "author_id": get_user_model(),
        "created_by_id": get_user_model(),
    }.get(field)


def _reference_labels(events) -> dict[tuple, str]:
    """{(model, id): what people read} for the references in a page's diffs, one query per model."""
    from django.contrib.auth.models import Group

    from org.selectors import group_labels

    wanted: dict = {}
    for event in events:
        for name, values in _pairs(event.changes):
            model = _target(event.object_type, name)
            if model is not None:
                wanted.setdefault(model, set()).update(v for v in values if isinstance(v, int))
    found: dict[tuple, str] = {}
    for model, ids in wanted.items():
        objects = list(model.objects.filter(pk__in=ids))
        readable = group_labels(o.name for o in objects) if model is Group else {}
        for obj in objects:
            found[(model, obj.pk)] = readable.get(obj.name, obj.name) if model is Group else str(obj)
    return found
