"""Quotations (with PDF), payment plans and invoices: thin endpoints over the same
services as the staff screens; reads scoped by `visible_to` in the base viewset."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action

from crm import models as crm
from crm.pdf import quotation_pdf, quotation_pdf_name
from crm.services import contracts, quotations

from ..serializers import crm_sales as s
from .crm import CrmViewSet, _no_method, _schema


@_schema("quotations", create=s.QuotationCreateInput, read=s.QuotationSerializer)
class QuotationViewSet(CrmViewSet):
    queryset = crm.Quotation.objects.prefetch_related("lines").order_by("-id")
    serializer_class = s.QuotationSerializer
    delete_refusal = gettext_lazy("Mark the quotation declined (POST …/decline/).")
    input_serializers = {
        "create": s.QuotationCreateInput,
        "revise": s.QuotationReviseInput,
        "send": s.QuotationSendInput,
        "accept": s.QuotationAcceptInput,
        "decline": s.QuotationDeclineInput,
    }
    http_method_names = _no_method(["patch"])
    filterset_fields = ["owner", "customer", "status", "opportunity", "code"]
    search_fields = ["code", "title"]
    ordering_fields = ["quoted_on", "created_at", "total_amount"]
    action_permissions = {
        "revise": "change",
        "send": "change",
        "accept": "change",
        "decline": "change",
        "pdf": "view",
    }

    def create_service(self, actor, data):
        data["lines"] = [dict(line) for line in data["lines"]]
        return quotations.quotation_create(actor=actor, **data)

    @extend_schema(
        summary="Revise: a new version with these lines",
        request=s.QuotationReviseInput,
        responses={201: s.QuotationSerializer},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        data = dict(self._input("revise").validated_data)
        data["lines"] = [dict(line) for line in data["lines"]]
        revision = quotations.quotation_revise(actor=request.user, quotation=self.get_object(), **data)
        return self._answer(revision, status.HTTP_201_CREATED)

    @extend_schema(
        summary="E-mail the quotation's PDF", request=s.QuotationSendInput, responses=s.QuotationSerializer
    )
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        quotation = quotations.quotation_send(
            actor=request.user, quotation=self.get_object(), **self._input("send").validated_data
        )
        return self._answer(quotation)

    @extend_schema(
        summary="Accepted: make a contract or an order",
        request=s.QuotationAcceptInput,
        responses={201: OpenApiResponse(description="The contract or order made (its id and code).")},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        from rest_framework.response import Response

        result = quotations.quotation_accept(
            actor=request.user, quotation=self.get_object(), **self._input("accept").validated_data
        )
        kind = "order" if isinstance(result, crm.Order) else "contract"
        return Response({"kind": kind, "id": result.pk, "code": result.code}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Declined by the customer", request=s.QuotationDeclineInput, responses=s.QuotationSerializer
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        quotation = quotations.quotation_decline(
            actor=request.user, quotation=self.get_object(), **self._input("decline").validated_data
        )
        return self._answer(quotation)

    @extend_schema(summary="The quotation as PDF", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        quotation = self.get_object()
        response = HttpResponse(quotation_pdf(quotation), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{quotation_pdf_name(quotation)}"'
        return response


@_schema("instalments", create=s.InstalmentCreateInput, read=s.InstalmentSerializer, delete=True)
class InstalmentViewSet(CrmViewSet):
    queryset = crm.Instalment.objects.order_by("contract", "sequence")
    serializer_class = s.InstalmentSerializer
    input_serializers = {"create": s.InstalmentCreateInput}
    http_method_names = _no_method(["patch"])
    filterset_fields = ["contract", "customer", "settled"]
    ordering_fields = ["due_on", "amount"]

    def create_service(self, actor, data):
        return contracts.instalment_add(actor=actor, **data)

    def delete_service(self, actor, obj):
        contracts.instalment_delete(actor=actor, instalment=obj)


@_schema("invoices", create=s.InvoiceCreateInput, read=s.InvoiceSerializer)
class InvoiceViewSet(CrmViewSet):
    queryset = crm.Invoice.objects.order_by("-issued_on", "-id")
    serializer_class = s.InvoiceSerializer
    delete_refusal = gettext_lazy("Void the invoice (POST …/status/).")
    input_serializers = {"create": s.InvoiceCreateInput, "set_status": s.InvoiceStatusInput}
    http_method_names = _no_method(["patch"])
    filterset_fields = ["customer", "contract", "order", "status", "kind"]
    search_fields = ["number"]
    ordering_fields = ["issued_on", "amount"]
    action_permissions = {"set_status": "change"}

    def create_service(self, actor, data):
        return contracts.invoice_create(actor=actor, **data)

    @extend_schema(
        summary="Move the invoice to another status",
        request=s.InvoiceStatusInput,
        responses=s.InvoiceSerializer,
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        invoice = contracts.invoice_set_status(
            actor=request.user, invoice=self.get_object(), **self._input("set_status").validated_data
        )
        return self._answer(invoice)
