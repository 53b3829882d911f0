"""My calendar (我的日程): a person's follow-ups, planned activities, tasks due, own leave and
vehicle bookings in one list of dated entries, for the day/week/month pages and the iCalendar
feed. Reads only; each source through its owner's rule (own rows, the inbox)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Activity, Customer, Lead
from engine.selectors import worklist
from office.models import LeaveRequest, VehicleBooking

# A window longer than this is refused (a month view is at most six weeks).
MAX_DAYS = 62


@dataclass(frozen=True)
class Entry:
    kind: str  # follow_up, planned, task, leave, vehicle
    title: str
    start: datetime.datetime | datetime.date
    end: datetime.datetime | datetime.date | None
    url: str
    uid: str

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime.datetime)

    @property
    def day(self) -> datetime.date:
        return (
            timezone.localtime(self.start).date() if isinstance(self.start, datetime.datetime) else self.start
        )


def kind_label(kind: str) -> str:
    return {
        "follow_up": _("Follow-up"),
        "planned": _("Planned activity"),
        "task": _("Task due"),
        "leave": _("Leave"),
        "vehicle": _("Vehicle"),
    }[kind]


def _bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def calendar_entries(*, user, first: datetime.date, last: datetime.date) -> list[Entry]:
    """Everything on `user`'s calendar from `first` to `last` (inclusive), soonest first.
    One query per source, whatever the number of entries."""
    if (last - first).days > MAX_DAYS:
        last = first + datetime.timedelta(days=MAX_DAYS)
    start, end = _bounds(first, last)
    entries: list[Entry] = []
    # the customers' next follow-up dates kept by the activities logged (own customers)
    for customer in (
        Customer.objects.filter(owner=user, next_follow_up__gte=first, next_follow_up__lte=last)
        .only("pk", "name", "next_follow_up")
        .order_by("next_follow_up", "pk")[:500]
    ):
        entries.append(
            Entry(
                "follow_up",
                customer.name,
                customer.next_follow_up,
                None,
                reverse("crm:customer_detail", args=[customer.pk]),
                f"customer-{customer.pk}-follow-up@baton",
            )
        )
    for lead in (
        Lead.objects.filter(owner=user, next_follow_up__gte=first, next_follow_up__lte=last)
        .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED])
        .only("pk", "company_name", "next_follow_up")
        .order_by("next_follow_up", "pk")[:500]
    ):
        entries.append(
            Entry(
                "follow_up",
                lead.company_name,
                lead.next_follow_up,
                None,
                reverse("crm:lead_detail", args=[lead.pk]),
                f"lead-{lead.pk}-follow-up@baton",
            )
        )
    for activity in (
        Activity.objects.filter(
            owner=user, status=Activity.Status.PLANNED, occurred_at__gte=start, occurred_at__lt=end
        )
        .select_related("customer")
        .order_by("occurred_at", "pk")[:500]
    ):
        entries.append(
            Entry(
                "planned",
                f"{activity.get_kind_display()}: {activity.subject} · {activity.customer.name}",
                activity.occurred_at,
                None,
                reverse("crm:activity_detail", args=[activity.pk]),
                f"activity-{activity.pk}@baton",
            )
        )
    for task in worklist.assigned_tasks(user).filter(due_at__gte=start, due_at__lt=end)[:500]:
        label = f"{task.name} · {task.business_object_label}" if task.business_object_label else task.name
        entries.append(
            Entry(
                "task",
                label,
                task.due_at,
                None,
                reverse("tasklist:task", args=[task.pk]),
                f"task-{task.pk}@baton",
            )
        )
    for leave in (
        LeaveRequest.objects.filter(user=user, starts_on__lte=last, ends_on__gte=first)
        .exclude(status__in=[LeaveRequest.Status.REJECTED, LeaveRequest.Status.CANCELLED])
        .select_related("leave_type")
        .order_by("starts_on", "pk")[:100]
    ):
        entries.append(
            Entry(
                "leave",
                f"{leave.leave_type} ({leave.get_status_display()})",
                max(leave.starts_on, first),
                leave.ends_on,
                "",
                f"leave-{leave.pk}@baton",
            )
        )
    for booking in (
        VehicleBooking.objects.filter(
            Q(request__user=user) | Q(booked_by=user), starts_at__lt=end, ends_at__gt=start
        )
        .select_related("vehicle")
        .order_by("starts_at", "pk")[:100]
    ):
        entries.append(
            Entry(
                "vehicle",
                str(booking.vehicle),
                booking.starts_at,
                booking.ends_at,
                "",
                f"vehicle-booking-{booking.pk}@baton",
            )
        )
    entries.sort(key=lambda e: (e.day, 0 if e.all_day else 1, e.start if not e.all_day else e.day))
    return entries


def todays_follow_ups(*, user, limit: int = 20) -> list[Entry]:
    today = timezone.localdate()
    return [
        e for e in calendar_entries(user=user, first=today, last=today) if e.kind in ("follow_up", "planned")
    ][:limit]


# --- the iCalendar feed ---------------------------------------------------------------------------


def feed_token(user) -> str:
    """The token in the user's feed URL: a keyed hash of the user and their password hash, so a
    changed password revokes every feed URL handed out before."""
    message = f"calendar:{user.pk}:{user.password}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]
    return f"{user.pk}-{digest}"


def user_for_token(token: str):
    from django.contrib.auth import get_user_model

    pk, _sep, _digest = token.partition("-")
    if not pk.isdigit():
        return None
    user = get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    if user is None or not hmac.compare_digest(feed_token(user), token):
        return None
    return user


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def ical(entries: list[Entry], *, base_url: str, name: str) -> str:
    """RFC 5545 text of the entries (lines folded at 75 octets is left to clients' tolerance:
    our lines are short except long titles, which we cut)."""
    now = _stamp(timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Baton//Calendar//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for entry in entries:
        lines += ["BEGIN:VEVENT", f"UID:{entry.uid}", f"DTSTAMP:{now}"]
        if entry.all_day:
            end = (entry.end or entry.start) + datetime.timedelta(days=1)
            lines += [f"DTSTART;VALUE=DATE:{_stamp(entry.start)}", f"DTEND;VALUE=DATE:{_stamp(end)}"]
        else:
            end = entry.end or entry.start + datetime.timedelta(minutes=30)
            lines += [f"DTSTART:{_stamp(entry.start)}", f"DTEND:{_stamp(end)}"]
        lines.append(f"SUMMARY:{_escape(f'{kind_label(entry.kind)}: {entry.title}'[:200])}")
        if entry.url:
            lines.append(f"URL:{base_url}{entry.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"
