"""The audit log, filterable, for administrators (read-only: audit rows are never changed)."""

from __future__ import annotations

import ipaddress

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from audit.models import AuditEvent

from ..filters import IdFilter
from ..viewsets import BatonReadOnlyViewSet, ExportMixin


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "ip",
            "user_agent",
            "changes",
            "extra",
        ]
        read_only_fields = fields


class AuditEventFilter(filters.FilterSet):
    action = filters.MultipleChoiceFilter(choices=AuditEvent.Action.choices)
    actor = IdFilter(field_name="actor_id")
    actor_label = filters.CharFilter(lookup_expr="iexact", help_text="User name at the time.")
    object_type = filters.CharFilter(help_text='"app_label.model", e.g. "crm.customer".')
    object_id = filters.CharFilter()
    ip = filters.CharFilter(method="filter_ip")
    after = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    before = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "actor_label", "object_type", "object_id", "ip", "after", "before"]

    def filter_ip(self, queryset, name, value):
        return queryset.filter(ip=value) if _is_ip(value) else queryset.none()


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@extend_schema_view(
    list=extend_schema(summary="Filter the audit log (administrators)"),
    retrieve=extend_schema(summary="Get one audit event (administrators)"),
    export=extend_schema(summary="Export the filtered audit log as CSV (administrators)"),
)
class AuditEventViewSet(ExportMixin, BatonReadOnlyViewSet):
    """Needs `audit.view_auditevent` (administrators and management in the demo seed); exporting it
    needs the same right and is itself audited."""

    queryset = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    search_fields = ["actor_label", "object_label", "object_id"]
    ordering_fields = ["at", "id"]
    action_permissions = {"export": "view"}
