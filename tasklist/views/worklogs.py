"""Work plans and logs (工作日志/周报): my reports, writing today's log or this week's report with
the period's activities and completed tasks listed beside the form, one report with its comments,
and a manager's team view (who has reported, who has not, department by department)."""

from __future__ import annotations

import datetime

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from org.directory import may_browse
from org.pickers import person_name
from worklogs import selectors, services
from worklogs.models import WorkReport

from .admin import located


def _staff(request) -> None:
    if not may_browse(request.user):
        raise PermissionDenied


def _period(value: str) -> str:
    return value if value in WorkReport.Period.values else WorkReport.Period.DAY


def _day(value: str) -> datetime.date:
    try:
        return parse_date(value or "") or timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
@require_GET
def my_reports(request):
    _staff(request)
    today = timezone.localdate()
    context = {
        "reports": selectors.my_reports(request.user),
        "today_report": selectors.own_report(request.user, period=WorkReport.Period.DAY, starts_on=today),
        "week_report": selectors.own_report(
            request.user,
            period=WorkReport.Period.WEEK,
            starts_on=selectors.period_start(WorkReport.Period.WEEK, today),
        ),
        "is_manager": selectors.is_manager(request.user),
    }
    return render(request, "tasklist/worklogs/mine.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_write(request):
    """Today's log (or `?period=week`, or `?day=`): the form, with what the period holds."""
    _staff(request)
    source = request.POST if request.method == "POST" else request.GET
    period = _period(source.get("period", ""))
    raw_day = source.get("day", "")
    day = parse_date(raw_day) if raw_day else timezone.localdate()
    errors: dict = {}
    if raw_day and day is None:
        errors["day"] = [_("Enter a date as YYYY-MM-DD.")]
        day = timezone.localdate()
    starts_on = selectors.period_start(period, day)
    existing = selectors.own_report(request.user, period=period, starts_on=starts_on)
    values = {
        "done": existing.done if existing else "",
        "planned": existing.planned if existing else "",
        "problems": existing.problems if existing else "",
    }
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in ("done", "planned", "problems")}
        if not errors:
            try:
                report = services.report_save(actor=request.user, period=period, day=day, **values)
            except DomainError as error:
                errors = located(error)
            else:
                flash.success(request, _("Your report is saved; your manager can read it now."))
                return redirect("worklogs:report", pk=report.pk)
    context = {
        "period": period,
        "period_label": WorkReport.Period(period).label,
        "day": day,
        "starts_on": starts_on,
        "ends_on": selectors.period_end(period, starts_on),
        "existing": existing,
        "values": values,
        "errors": errors,
        "items": selectors.pulled_items(request.user, period=period, starts_on=starts_on),
        "periods": WorkReport.Period.choices,
    }
    return render(request, "tasklist/worklogs/write.html", context, status=400 if errors else 200)


def _report_or_404(request, pk: int) -> WorkReport:
    _staff(request)
    report = selectors.report_for_user(request.user, pk)
    if report is None:
        raise Http404(_("No such report, or it is not yours to see."))
    return report


def _detail(request, report: WorkReport, *, errors=None, body: str = "", status: int = 200):
    comments = list(report.comments.select_related("author__employee"))
    context = {
        "report": report,
        "author": person_name(report.author),
        "ends_on": selectors.period_end(report.period, report.starts_on),
        "comments": [{"comment": c, "author": person_name(c.author)} for c in comments],
        "mine": report.author_id == request.user.pk,
        "errors": errors or {},
        "body": body,
    }
    return render(request, "tasklist/worklogs/report.html", context, status=status)


@login_required
@require_GET
def report_detail(request, pk: int):
    return _detail(request, _report_or_404(request, pk))


@login_required
@require_POST
def report_comment(request, pk: int):
    report = _report_or_404(request, pk)
    body = request.POST.get("body", "")
    try:
        comment = services.comment_add(actor=request.user, report=report, body=body)
    except DomainError as error:
        return _detail(request, report, errors=located(error), body=body, status=400)
    flash.success(request, _("Comment added."))
    return redirect(reverse("worklogs:report", args=[report.pk]) + f"#c{comment.pk}")


@login_required
@require_GET
def team(request):
    _staff(request)
    if not selectors.is_manager(request.user):
        raise PermissionDenied(_("The team view is for people who lead a department or a team."))
    period = _period(request.GET.get("period", ""))
    day = _day(request.GET.get("day", ""))
    starts_on = selectors.period_start(period, day)
    step = datetime.timedelta(days=7 if period == WorkReport.Period.WEEK else 1)
    departments = selectors.team_status(request.user, period=period, starts_on=starts_on)
    total = sum(len(d.rows) for d in departments)
    missing = sum(d.missing for d in departments)
    context = {
        "period": period,
        "periods": WorkReport.Period.choices,
        "starts_on": starts_on,
        "ends_on": selectors.period_end(period, starts_on),
        "previous": starts_on - step,
        "next": starts_on + step if starts_on + step <= timezone.localdate() else None,
        "departments": departments,
        "total": total,
        "missing": missing,
        "reported": total - missing,
    }
    return render(request, "tasklist/worklogs/team.html", context)
