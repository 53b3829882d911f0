"""Report output: the report catalogue entry, and a report's summary, tables and chart as plain
data (the same numbers the report page and its Excel workbook show)."""

from __future__ import annotations

from rest_framework import serializers


class ReportEntrySerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    entity = serializers.CharField(help_text="app_label.model whose view right shows the report.")
    can_export = serializers.BooleanField(help_text="Whether the caller may download it as Excel.")


class ReportColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    header = serializers.CharField()


class ReportTableSerializer(serializers.Serializer):
    slug = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    columns = ReportColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(), help_text="One object per row, keyed by the columns' keys."
    )


class ReportSummarySerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    format = serializers.CharField(allow_blank=True, help_text="A formatting hint, e.g. `win_rate`.")


class ReportChartSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="A Chart.js chart type (bar, line, pie...).")
    labels = serializers.ListField(child=serializers.CharField())
    datasets = serializers.ListField(child=serializers.DictField())


class ReportSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField(), help_text="The filters applied.")
    summary = ReportSummarySerializer(many=True)
    tables = ReportTableSerializer(many=True)
    chart = ReportChartSerializer(allow_null=True)
