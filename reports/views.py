"""Report pages (/reports/...): the filters, the chart, the tables, and the same report as Excel."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from org.permissions import user_can

from .catalogue import REPORTS
from .filters import parse_filters
from .selectors import NotPermitted
from .xlsx import XLSX_TYPE, report_workbook

XLSX = XLSX_TYPE


def _available(user):
    return [report for report in REPORTS.values() if user_can(user, report.model, "view")]


@login_required
@require_GET
def index(request):
    return render(request, "reports/index.html", {"reports": _available(request.user)})


def _report_or_404(slug):
    try:
        return REPORTS[slug]
    except KeyError:
        raise Http404(_("There is no such report.")) from None


def _described_filters(form) -> list[tuple[str, str]]:
    data = form.cleaned_data
    return [
        (form.fields["date_from"].label, data.get("date_from") or "—"),
        (form.fields["date_to"].label, data.get("date_to") or "—"),
        (form.fields["department"].label, data.get("department") or _("All")),
        (form.fields["salesperson"].label, data.get("salesperson") or _("All")),
    ]


@login_required
@require_GET
def report_page(request, slug):
    report = _report_or_404(slug)
    if not user_can(request.user, report.model, "view"):
        raise PermissionDenied(_("You may not see this report."))
    filters, form = parse_filters(user=request.user, params=request.GET)
    context = {"report": report, "form": form, "reports": _available(request.user)}
    status = 200
    if filters is None:
        status = 400
    else:
        try:
            data = report.build(request.user, filters)
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        chart = report.chart(data)
        context.update(
            summary=report.summary(data),
            tables=report.tables(data),
            chart=chart.config() if chart else None,
            query=urlencode(filters.as_query()),
            can_export=user_can(request.user, report.model, "export"),
        )
    return render(request, "reports/report.html", context, status=status)


@login_required
@require_GET
def report_export(request, slug):
    report = _report_or_404(slug)
    if not user_can(request.user, report.model, "export"):
        raise PermissionDenied(_("You may not export this report."))
    filters, form = parse_filters(user=request.user, params=request.GET)
    if filters is None:
        context = {"report": report, "form": form, "reports": _available(request.user)}
        return render(request, "reports/report.html", context, status=400)
    try:
        data = report.build(request.user, filters)
    except NotPermitted as error:
        raise PermissionDenied(str(error)) from error
    content = report_workbook(report=report, data=data, filters=_described_filters(form))
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="baton-{report.slug}-{stamp}.xlsx"'
    return response
