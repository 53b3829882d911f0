"""My calendar (day / week / month) with its iCalendar feed; marking a planned activity done."""

from __future__ import annotations

import calendar as month_calendar
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from crm.sales.services import activity_complete

from ...calendar import calendar_entries, feed_token, ical, kind_label, user_for_token
from ..objects import get_or_404
from .sales import ACTIVITIES

VIEWS = ("day", "week", "month")


def _window(
    view: str, day: datetime.date
) -> tuple[datetime.date, datetime.date, datetime.date, datetime.date]:
    """(first, last, previous anchor, next anchor) of the view around `day`."""
    if view == "day":
        one = datetime.timedelta(days=1)
        return day, day, day - one, day + one
    if view == "week":
        first = day - datetime.timedelta(days=day.weekday())
        week = datetime.timedelta(days=7)
        return first, first + datetime.timedelta(days=6), day - week, day + week
    first_of_month = day.replace(day=1)
    weeks = month_calendar.Calendar().monthdatescalendar(day.year, day.month)
    previous = (first_of_month - datetime.timedelta(days=1)).replace(day=1)
    following = (first_of_month + datetime.timedelta(days=32)).replace(day=1)
    return weeks[0][0], weeks[-1][-1], previous, following


@login_required
@require_GET
def my_calendar(request):
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    today = timezone.localdate()
    try:
        anchor = (
            datetime.date.fromisoformat(request.GET.get("date", "")[:10])
            if request.GET.get("date")
            else today
        )
    except ValueError:
        anchor = today
    first, last, previous, following = _window(view, anchor)
    entries = calendar_entries(user=request.user, first=first, last=last)
    by_day: dict[datetime.date, list] = {}
    for entry in entries:
        by_day.setdefault(entry.day, []).append({"entry": entry, "kind": kind_label(entry.kind)})
    days = []
    day = first
    while day <= last:
        days.append(
            {
                "date": day,
                "entries": by_day.get(day, []),
                "today": day == today,
                "other_month": view == "month" and day.month != anchor.month,
            }
        )
        day += datetime.timedelta(days=1)
    feed = settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "crm:calendar_feed", args=[feed_token(request.user)]
    )
    context = {
        "view": view,
        "views": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "anchor": anchor,
        "first": first,
        "last": last,
        "days": days,
        "previous": previous.isoformat(),
        "following": following.isoformat(),
        "today": today.isoformat(),
        "count": len(entries),
        "feed_url": feed,
    }
    return render(request, "tasklist/crm/calendar.html", context)


@require_GET
def calendar_feed(request, token: str):
    """The calendar as iCalendar for a phone or desktop calendar app: the URL's token is the key
    (no session); from two weeks back to three months ahead."""
    user = user_for_token(token)
    if user is None:
        raise Http404
    today = timezone.localdate()
    entries = calendar_entries(
        user=user, first=today - datetime.timedelta(days=14), last=today + datetime.timedelta(days=48)
    )
    entries += calendar_entries(
        user=user, first=today + datetime.timedelta(days=49), last=today + datetime.timedelta(days=92)
    )
    body = ical(entries, base_url=settings.PUBLIC_BASE_URL.rstrip("/"), name=str(_("Baton calendar")))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="baton.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def activity_done(request, pk: int):
    activity = get_or_404(request.user, ACTIVITIES, pk, "change")
    try:
        activity_complete(
            actor=request.user,
            activity=activity,
            outcome=request.POST.get("outcome", "")[:10_000],
            next_follow_up=request.POST.get("next_follow_up") or None,
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The activity is recorded as done."))
    return redirect("crm:activity_detail", pk=activity.pk)
