"""Base viewsets: every endpoint is scoped and permission-checked in one place.

The netbox pattern: `get_queryset()` applies `Model.objects.visible_to(user, action)` once, for
the operation at hand (view for reads, change for updates, delete for deletes); the entity
permission is checked for every action, and object-level before every write. Writes call the
domain services, which write the audit row (the API adds none of its own); reads of sensitive
records and exports are logged here.
"""

from __future__ import annotations

import csv

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated

from audit.services import audit_export, audit_view
from core.xlsx import csv_row
from org.permissions import user_can

from .permissions import EntityPermission, IsStaffMember

DEFAULT_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
    "export": "export",
}

EXPORT_LIMIT = 10000


def restrict(queryset, user, action: str):
    """`visible_to` where the model has row rules; the bare entity permission otherwise."""
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(user, action)
    return queryset if user_can(user, queryset.model, action) else queryset.none()


class BatonGenericViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, IsStaffMember, EntityPermission]
    # Custom actions → the entity operation they need ("view", "add", "change", "delete", "export"),
    # or None when the service decides alone (e.g. task claim: candidates, not entity rights).
    action_permissions: dict[str, str | None] = {}
    # Record a throttled "view" audit row on retrieve (customer card, contact, order).
    audit_views = False

    def required_action(self) -> str | None:
        name = self.action
        if name in self.action_permissions:
            return self.action_permissions[name]
        if name in DEFAULT_ACTIONS:
            return DEFAULT_ACTIONS[name]
        if name == "metadata":
            return "view"
        return "view" if self.request.method in SAFE_METHODS else "change"

    def permission_model(self):
        return self.queryset.model if self.queryset is not None else None

    def base_queryset(self):
        return super().get_queryset()

    def get_queryset(self):
        queryset = self.base_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        operation = self.required_action()
        if operation is None:
            return queryset  # the view's base_queryset() scopes rows itself (own tokens, tasks...)
        if operation in ("add", "export"):
            operation = "view"
        return restrict(queryset, self.request.user, operation)

    def get_object(self):
        """404 when the row is invisible to the caller; 403 when visible but not theirs to change."""
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        lookup = {self.lookup_field: self.kwargs[lookup_url_kwarg]}
        base = self.base_queryset()
        user = self.request.user
        operation = self.required_action()
        visible = base if operation is None else restrict(base, user, "view")
        try:
            obj = get_object_or_404(visible, **lookup)
        except (TypeError, ValueError, OverflowError):
            raise exceptions.NotFound() from None
        if (
            operation in ("change", "delete")
            and not restrict(base, user, operation).filter(pk=obj.pk).exists()
        ):
            raise exceptions.PermissionDenied(
                _("You may see this record but not %(action)s it.") % {"action": operation}
            )
        self.check_object_permissions(self.request, obj)
        return obj


class BatonReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BatonGenericViewSet):
    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if self.audit_views:
            audit_view(request, self._retrieved, via="api")
        return response

    def get_object(self):
        self._retrieved = super().get_object()
        return self._retrieved


class ServiceWriteMixin:
    """create/update/destroy through the domain services, in one transaction.

    Subclasses override `create_object(serializer)`, `update_object(serializer)` and
    `delete_object(instance)` to call the services (which check, write and audit); there is no
    default that saves a serializer around them.
    """

    def create_object(self, serializer):
        raise NotImplementedError

    def update_object(self, serializer):
        raise NotImplementedError

    def delete_object(self, instance) -> None:
        raise NotImplementedError

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.instance = self.create_object(serializer)

    def perform_update(self, serializer):
        with transaction.atomic():
            instance = self.update_object(serializer)
            instance.refresh_from_db()
            serializer.instance = instance

    def perform_destroy(self, instance):
        with transaction.atomic():
            self.delete_object(instance)


class BatonModelViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    BatonReadOnlyViewSet,
):
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]


class ExportMixin:
    """GET …/export/: the filtered list as CSV (needs the `export` permission; audited)."""

    export_fields: list[str] = []

    @extend_schema(
        summary="Export the filtered list as CSV",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, one row per record")
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())[:EXPORT_LIMIT]
        rows = self.get_serializer(queryset, many=True).data
        fields = self.export_fields or (list(rows[0].keys()) if rows else [])
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = self.permission_model()._meta.model_name
        response["Content-Disposition"] = f'attachment; filename="{name}s.csv"'
        writer = csv.writer(response)
        writer.writerow(csv_row(fields))
        for row in rows:
            writer.writerow(csv_row(row.get(f, "") for f in fields))
        audit_export(
            request, self.permission_model(), count=len(rows), params=dict(request.query_params), via="api"
        )
        return response
