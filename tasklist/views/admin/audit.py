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
    rows = [
        {
            "event": event,
            "who": str(event.actor) if event.actor else event.actor_label,
            "what": labels.get(event.object_type, event.object_type),
            "changes": [
                (name, values[0] if len(values) > 0 else None, values[1] if len(values) > 1 else None)
                for name, values in (event.changes or {}).items()
                if isinstance(values, list)
            ],
        }
        for event in page
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
