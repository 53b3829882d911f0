"""Quotations, payment plans, invoices and contract changes: read serializers and write inputs."""

from __future__ import annotations

from rest_framework import serializers

from crm import models as crm

from .crm import Visible, _money, _text, read_serializer


class QuotationLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = crm.QuotationLine
        fields = [
            "id",
            "product",
            "description",
            "unit",
            "quantity",
            "price",
            "discount_percent",
            "tax_percent",
            "net_amount",
            "tax_amount",
        ]
        read_only_fields = fields


QuotationSerializer = read_serializer(
    crm.Quotation, extra={"lines": QuotationLineSerializer(many=True, read_only=True)}
)
InstalmentSerializer = read_serializer(crm.Instalment)
InvoiceSerializer = read_serializer(crm.Invoice)


class QuotationLineInput(serializers.Serializer):
    product = Visible(crm.Product)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    price = _money(required=False, min_value=0, help_text="Default: the product's price.")
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100
    )
    tax_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100, help_text="Default: 13."
    )
    description = _text(200)


class QuotationCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    title = serializers.CharField(max_length=200)
    lines = QuotationLineInput(many=True, allow_empty=False, max_length=500)
    quoted_on = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    contact = Visible(crm.Contact, required=False, allow_null=True)
    opportunity = Visible(crm.Opportunity, required=False, allow_null=True)
    terms = _text(10_000)
    notes = _text(10_000)


class QuotationReviseInput(serializers.Serializer):
    lines = QuotationLineInput(many=True, allow_empty=False, max_length=500)
    title = serializers.CharField(max_length=200, required=False)
    valid_until = serializers.DateField(required=False, allow_null=True)
    terms = _text(10_000)
    notes = _text(10_000)


class QuotationSendInput(serializers.Serializer):
    to = serializers.CharField(max_length=254)
    message = _text(5000)


class QuotationAcceptInput(serializers.Serializer):
    into = serializers.ChoiceField(choices=[("contract", "contract"), ("order", "order")], default="contract")


class QuotationDeclineInput(serializers.Serializer):
    reason = _text(1000)


class InstalmentCreateInput(serializers.Serializer):
    contract = Visible(crm.Contract)
    due_on = serializers.DateField()
    amount = _money(min_value=0)
    note = _text(200)


class InvoiceCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    number = serializers.CharField(max_length=40)
    amount = _money(min_value=0)
    issued_on = serializers.DateField(required=False, allow_null=True)
    contract = Visible(crm.Contract, required=False, allow_null=True)
    order = Visible(crm.Order, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=crm.Invoice.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=crm.Invoice.Status.choices, required=False)


class InvoiceStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=crm.Invoice.Status.choices)


class ContractStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=crm.Contract.Status.choices)
    note = _text(300)
    signed_on = serializers.DateField(required=False, allow_null=True)
    customer_signer = _text(100)


class ContractUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    amount = _money(min_value=0, required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    terms = _text(20_000)
    customer_signer = _text(100)
