"""Report endpoints: read-only, each guarded by the view right on the report's entity; the rows
come from the reports app's selectors, which read only what `visible_to(user)` admits."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from audit.services import audit_export
from core.errors import NotFound, NotPermitted, ValidationFailed
from org.permissions import user_can
from reports.catalogue import REPORTS
from reports.filters import parse_filters
from reports.selectors import NotPermitted as ReportNotPermitted
from reports.xlsx import report_workbook

from ..permissions import IsStaffMember
from ..serializers.reports import ReportEntrySerializer, ReportSerializer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FILTERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Start of the period (inclusive)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="End of the period (inclusive)."),
    OpenApiParameter("department", int, description="A department, its sub-departments included."),
    OpenApiParameter("salesperson", int, description="One salesperson's records."),
]
SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=sorted(REPORTS))


def _plain(value):
    """Report numbers as JSON values (Decimals as strings keep their precision, dates as ISO)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class ReportViewSet(viewsets.ViewSet):
    """The reports the caller may see, each as data or as the Excel workbook."""

    permission_classes = [IsAuthenticated, IsStaffMember]
    lookup_field = "slug"
    lookup_value_regex = "[a-z_-]+"

    def _report(self, slug: str, operation: str):
        report = REPORTS.get(slug)
        if report is None:
            raise NotFound(_("There is no such report."))
        if not user_can(self.request.user, report.model, operation):
            raise NotPermitted(
                _("You may not see this report.")
                if operation == "view"
                else _("You may not export this report.")
            )
        filters, form = parse_filters(user=self.request.user, params=self.request.query_params)
        if filters is None:
            fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
            raise ValidationFailed(_("The report filters are invalid."), fields=fields)
        try:
            data = report.build(self.request.user, filters)
        except ReportNotPermitted as error:
            raise NotPermitted(str(error)) from error
        return report, filters, form, data

    @extend_schema(summary="The reports I may see", responses=ReportEntrySerializer(many=True))
    def list(self, request):
        user = request.user
        entries = [
            {
                "slug": report.slug,
                "title": str(report.title),
                "description": str(report.description),
                "entity": report.model._meta.label_lower,
                "can_export": user_can(user, report.model, "export"),
            }
            for report in REPORTS.values()
            if user_can(user, report.model, "view")
        ]
        return Response(ReportEntrySerializer(entries, many=True).data)

    @extend_schema(
        summary="One report: summary figures, tables and chart data",
        parameters=[SLUG, *FILTERS],
        responses=ReportSerializer,
    )
    def retrieve(self, request, slug=None):
        report, filters, _form, data = self._report(slug, "view")
        chart = report.chart(data)
        body = {
            "slug": report.slug,
            "title": str(report.title),
            "filters": filters.as_query(),
            "summary": [
                {"label": str(label), "value": _plain(value), "format": key}
                for label, value, key in report.summary(data)
            ],
            "tables": [
                {
                    "slug": table.slug,
                    "title": str(table.title),
                    "columns": [{"key": key, "header": str(header)} for key, header in table.columns],
                    "rows": _plain(table.rows),
                }
                for table in report.tables(data)
            ],
            "chart": _plain(chart.config()) if chart else None,
        }
        return Response(ReportSerializer(body).data)

    @extend_schema(
        summary="The report as an Excel workbook (needs the export right; audited)",
        parameters=[SLUG, *FILTERS],
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="Summary and tables")},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, slug=None):
        report, filters, form, data = self._report(slug, "export")
        described = [
            (str(form.fields[name].label), str(form.cleaned_data.get(name) or "—"))
            for name in ("date_from", "date_to", "department", "salesperson")
        ]
        content = report_workbook(report=report, data=data, filters=described)
        rows = sum(len(table.rows) for table in report.tables(data))
        audit_export(
            request, report.model, count=rows, params={"report": slug, **filters.as_query()}, via="api"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="baton-{report.slug}-{stamp}.xlsx"'
        return response
