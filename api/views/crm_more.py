"""CRM tool endpoints: Excel import jobs and list exports, favourite lists, expenses and their
categories. Each write calls a CRM service and leaves one audit row."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_view
from core import jsonlimits
from core.errors import ValidationFailed
from crm import models as crm
from crm.marketing import services as marketing
from crm.marketing.selectors import expense_totals_by_category
from crm.selectors.budgets import budget_report
from crm.selectors.lists import LISTS
from crm.services import budgets, documents, imports

from ..parsers import BoundedJSONParser
from ..permissions import IsStaffMember
from ..serializers import crm_more as s
from ..viewsets import BatonReadOnlyViewSet
from .crm import CrmViewSet, _no_method, _schema

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_schema(description: str):
    return {(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


def _read_upload(upload) -> bytes:
    upload.seek(0)
    return upload.read()


# -- import jobs -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List my import jobs (an administrator sees all)"),
    retrieve=extend_schema(summary="Poll an import job: status, rows processed, counts"),
)
class ImportJobViewSet(BatonReadOnlyViewSet):
    """Excel import (导入): preview the sheet, start a job, poll it, download its error report."""

    queryset = crm.ImportJob.objects.order_by("-id")
    serializer_class = s.ImportJobSerializer
    filterset_fields = ["entity", "status"]
    ordering_fields = ["created_at", "id"]
    parser_classes = [MultiPartParser, FormParser]
    action_permissions = {"create": "add", "preview": "add", "errors": "view"}

    @extend_schema(
        summary="Upload a sheet and start importing it in the background",
        request={"multipart/form-data": s.ImportJobCreateInput},
        responses={201: s.ImportJobSerializer},
    )
    def create(self, request):
        data = s.ImportJobCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        job = imports.import_job_create(
            actor=request.user,
            entity=v["entity"],
            data=_read_upload(v["file"]),
            filename=v["file"].name,
            mapping=v.get("mapping"),
            on_duplicate=v["on_duplicate"],
        )
        return Response(s.ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Read a sheet's header and first rows, with a suggested column mapping",
        request={"multipart/form-data": s.ImportPreviewInput},
        responses=s.ImportPreviewResult,
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        data = s.ImportPreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = imports.import_preview(
            actor=request.user, entity=v["entity"], data=_read_upload(v["file"]), filename=v["file"].name
        )
        return Response(s.ImportPreviewResult(result).data)

    @extend_schema(
        summary="Download the job's error report (row, column, problem) as .xlsx",
        responses=_xlsx_schema("One line per problem found"),
    )
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        job = self.get_object()
        return xlsx_response(imports.import_error_report(job=job), f"import-{job.pk}-errors.xlsx")


# -- list exports ----------------------------------------------------------------------------------


@extend_schema(
    summary="Export a filtered list as .xlsx (needs the export permission; audited)",
    parameters=[
        OpenApiParameter("entity", str, OpenApiParameter.PATH, enum=sorted(LISTS)),
        OpenApiParameter(
            "params",
            str,
            description='The list query as JSON, e.g. {"filters": {"owner": "me"}, "search": "北京", '
            '"sort": "-last_activity"}',
        ),
    ],
    responses=_xlsx_schema("The list's columns, one row per record the caller may export"),
)
class ListExportView(APIView):
    permission_classes = [IsAuthenticated, IsStaffMember]

    def get(self, request, entity: str):
        if entity not in LISTS:
            raise ValidationFailed(_("Unknown list."), fields={"entity": [_("Unknown list.")]})
        raw = request.query_params.get("params") or "{}"
        try:
            params = jsonlimits.loads(raw)
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise ValidationFailed(
                _("The list query is invalid."), fields={"params": [_("Give the query as a JSON object.")]}
            )
        content = imports.list_export(actor=request.user, entity=entity, params=params)
        return xlsx_response(content, f"{entity}-export.xlsx")


# -- favourite lists -------------------------------------------------------------------------------


@_schema("favourite lists", create=s.FavouriteListCreateInput, read=s.FavouriteListSerializer)
class FavouriteListViewSet(CrmViewSet):
    """Favourite lists (客户分组/收藏夹): mine, plus lists shared with my groups (read only)."""

    queryset = crm.FavouriteList.objects.select_related("owner").order_by("name", "id")
    serializer_class = s.FavouriteListSerializer
    http_method_names = _no_method(["patch"])
    input_serializers = {
        "create": s.FavouriteListCreateInput,
        "add": s.RecordsInput,
        "remove": s.RecordsInput,
    }
    filterset_fields = ["owner", "shared_with"]
    search_fields = ["name"]
    action_permissions = {"items": "view", "add": "change", "remove": "change"}

    def create_service(self, actor, data):
        return marketing.favourite_list_create(actor=actor, **data)

    @extend_schema(
        summary="The customers and contacts on the list", responses=s.FavouriteItemSerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        favourite_list = self.get_object()
        page = self.paginate_queryset(favourite_list.items.order_by("-added_at", "-id"))
        return self.get_paginated_response(s.FavouriteItemSerializer(page, many=True).data)

    def _change_items(self, request, service, verb: str):
        favourite_list = self.get_object()
        return self._change_records(
            lambda data: service(
                actor=request.user,
                favourite_list=favourite_list,
                customers=data["customers"],
                contacts=data["contacts"],
            ),
        )

    @extend_schema(
        summary="Add customers and contacts (each visible to me) to my list",
        request=s.RecordsInput,
        responses=s.CountResult,
    )
    @action(detail=True, methods=["post"])
    def add(self, request, pk=None):
        added = self._change_items(request, marketing.favourite_add, "added")
        return Response({"count": added})

    @extend_schema(
        summary="Take customers and contacts off my list", request=s.RecordsInput, responses={204: None}
    )
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        self._change_items(request, marketing.favourite_remove, "removed")
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- expenses --------------------------------------------------------------------------------------


@_schema("expenses", create=s.ExpenseCreateInput, read=s.ExpenseSerializer)
class ExpenseViewSet(CrmViewSet):
    queryset = crm.Expense.objects.order_by("-spent_on", "-id")
    serializer_class = s.ExpenseSerializer
    http_method_names = _no_method(["patch"])
    input_serializers = {"create": s.ExpenseCreateInput}
    filterset_fields = ["owner", "category", "customer", "campaign"]
    search_fields = ["description"]
    ordering_fields = ["spent_on", "amount", "created_at"]

    def create_service(self, actor, data):
        return marketing.expense_create(actor=actor, **data)


@_schema("expense categories", create=s.ExpenseCategoryCreateInput, read=s.ExpenseCategorySerializer)
class ExpenseCategoryViewSet(CrmViewSet):
    queryset = crm.ExpenseCategory.objects.order_by("sort_order", "name", "id")
    serializer_class = s.ExpenseCategorySerializer
    http_method_names = _no_method(["patch"])
    input_serializers = {"create": s.ExpenseCategoryCreateInput, "move": s.ExpenseCategoryMoveInput}
    filterset_fields = ["parent"]
    search_fields = ["name"]
    action_permissions = {"move": "change", "totals": "view"}

    def create_service(self, actor, data):
        return marketing.expense_category_create(actor=actor, **data)

    @extend_schema(
        summary="Put the category under another one (or at the top)",
        request=s.ExpenseCategoryMoveInput,
        responses=s.ExpenseCategorySerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        category = self.get_object()
        parent = self._input("move").validated_data["parent"]
        category = marketing.expense_category_move(actor=request.user, category=category, parent=parent)
        return self._answer(category)

    @extend_schema(
        summary="Expense totals per category, sub-categories included, in tree order",
        responses=s.ExpenseTotalSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def totals(self, request):
        return Response(
            s.ExpenseTotalSerializer(expense_totals_by_category(user=request.user), many=True).data
        )


# -- documents -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List documents on the customer cards I may see"),
    retrieve=extend_schema(summary="Get a document's details"),
    create=extend_schema(
        summary="Upload a document to a customer card (needs the right to change the customer)",
        request={"multipart/form-data": s.DocumentUploadInput},
        responses={201: s.DocumentSerializer},
    ),
    partial_update=extend_schema(
        summary="Share the document with the customer (portal), or withdraw it",
        request=s.DocumentShareInput,
        responses=s.DocumentSerializer,
    ),
    destroy=extend_schema(summary="Delete the document and its file"),
)
class DocumentViewSet(CrmViewSet):
    """Documents follow the customer card's rules: seen with the card, changed by whoever may
    change the customer (crm.services.documents), so the entity permission is the customer's."""

    queryset = crm.Document.objects.select_related("customer").order_by("-uploaded_at", "-id")
    serializer_class = s.DocumentSerializer
    input_serializers = {"create": s.DocumentUploadInput, "partial_update": s.DocumentShareInput}
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    filterset_fields = ["customer", "kind", "shared_with_customer", "opportunity", "contract", "order"]
    search_fields = ["title", "file_name"]
    ordering_fields = ["uploaded_at", "title", "size"]
    action_permissions = {"create": "change", "destroy": "change", "download": "view"}
    audit_views = True

    def permission_model(self):
        return crm.Customer

    def create_service(self, actor, data):
        return documents.document_upload(actor=actor, upload=data.pop("file"), **data)

    def update_service(self, actor, obj, data):
        return documents.document_share(actor=actor, document=obj, shared=data["shared_with_customer"])

    def delete_service(self, actor, obj):
        documents.document_delete(actor=actor, document=obj)

    @extend_schema(
        summary="Download the file (as an attachment; audited once per hour per user)",
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file as uploaded")},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        audit_view(request, document, via="api")
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


# -- budgets and stock -----------------------------------------------------------------------------


@_schema("budgets", create=s.BudgetCreateInput, read=s.BudgetSerializer)
class BudgetViewSet(CrmViewSet):
    """Budgets (预算): sales targets per salesperson or expense limits per category, adjusted with a
    recorded reason, and their completion report (planned vs actual)."""

    queryset = crm.Budget.objects.prefetch_related("lines").order_by("-starts_on", "-id")
    serializer_class = s.BudgetSerializer
    input_serializers = {"create": s.BudgetCreateInput, "adjust": s.BudgetAdjustInput}
    http_method_names = _no_method(["patch"])
    filterset_fields = ["kind", "owner", "department"]
    search_fields = ["name"]
    ordering_fields = ["starts_on", "created_at"]
    action_permissions = {"adjust": "change", "report": "view"}
    delete_refusal = gettext_lazy("Budgets are kept with their adjustments.")

    def create_service(self, actor, data):
        data["lines"] = [dict(line) for line in data["lines"]]
        return budgets.budget_create(actor=actor, **data)

    @extend_schema(
        summary="Change a line's planned amount (预算调整), with the reason",
        request=s.BudgetAdjustInput,
        responses={201: s.BudgetAdjustmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        budget = self.get_object()
        data = self._input("adjust").validated_data
        line = budget.lines.filter(pk=data["line"]).first()
        if line is None:
            raise ValidationFailed(_("This budget has no such line."), fields={"line": [_("No such line.")]})
        adjustment = budgets.budget_line_adjust(
            actor=request.user, line=line, planned=data["planned"], reason=data["reason"]
        )
        return Response(s.BudgetAdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Completion report: planned vs actual per line", responses=s.BudgetReportSerializer
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        budget = self.get_object()
        return Response(s.BudgetReportSerializer(budget_report(user=request.user, budget=budget)).data)


@extend_schema_view(
    list=extend_schema(summary="Stock per product and warehouse: on hand, reserved, available"),
    retrieve=extend_schema(summary="Stock of one product in one warehouse"),
)
class StockLevelViewSet(BatonReadOnlyViewSet):
    queryset = crm.StockLevel.objects.order_by("product", "warehouse")
    serializer_class = s.StockLevelSerializer
    filterset_fields = ["product", "warehouse"]
    ordering_fields = ["on_hand", "reserved"]


@extend_schema_view(
    list=extend_schema(summary="Stock reservations of the orders I may see"),
    retrieve=extend_schema(summary="Get a stock reservation"),
)
class StockReservationViewSet(BatonReadOnlyViewSet):
    """Stock held for approved orders (预留); made and ended by the order's status changes."""

    queryset = crm.StockReservation.objects.order_by("-id")
    serializer_class = s.StockReservationSerializer
    filterset_fields = ["order", "product", "warehouse", "status"]

    def permission_model(self):
        return crm.Order
