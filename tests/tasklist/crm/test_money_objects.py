"""Quotations, contracts, invoices and receivables (instalments) on the generic object views: each
declares its rows and gets the list/detail/export/API permission tests; plus what the
receivables list adds up and filters (overdue), and the bulk actions on contracts and invoices."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contract, Instalment, Invoice, Payment, Quotation
from tests.crm.factories import CustomerFactory
from tests.generic_views import ObjectViewTestCases

pytestmark = pytest.mark.django_db


def contract_of(owner, amount=100_000, status=Contract.Status.SIGNED):
    customer = CustomerFactory(owner=owner)
    return Contract.objects.create(
        customer=customer,
        title="年度供货合同",
        amount=Decimal(amount),
        status=status,
        owner=owner,
        code=f"HT-{Contract.objects.count() + 1:05d}",
    )


def instalment_of(contract, due_on, amount, sequence=1):
    return Instalment.objects.create(
        contract=contract,
        customer=contract.customer,
        sequence=sequence,
        due_on=due_on,
        amount=Decimal(amount),
    )


class TestQuotationViews(ObjectViewTestCases):
    object_type = "quotation"
    api_list = "api:quotation-list"

    def make(self, org, owner):
        return Quotation.objects.create(
            customer=CustomerFactory(owner=owner),
            title="水泵报价",
            quoted_on=timezone.localdate(),
            owner=owner,
            code=f"BJ-{Quotation.objects.count() + 1:05d}",
            total_amount=Decimal("3164.00"),
        )


class TestContractViews(ObjectViewTestCases):
    object_type = "contract"
    api_list = "api:contract-list"

    def make(self, org, owner):
        return contract_of(owner)


class TestInvoiceViews(ObjectViewTestCases):
    object_type = "invoice"
    api_list = "api:invoice-list"

    def make(self, org, owner):
        contract = contract_of(owner)
        return Invoice.objects.create(
            number=f"FP{Invoice.objects.count() + 1:08d}",
            customer=contract.customer,
            contract=contract,
            amount=Decimal("5000"),
            issued_on=timezone.localdate(),
            owner=owner,
        )


class TestInstalmentViews(ObjectViewTestCases):
    object_type = "instalment"
    api_list = "api:instalment-list"

    def make(self, org, owner):
        return instalment_of(contract_of(owner), timezone.localdate(), "30000")


def test_receivables_show_what_is_paid_and_open_and_filter_the_overdue(client, org):
    # given a contract of zhang's with two instalments, the first past due and partly paid
    today = timezone.localdate()
    contract = contract_of(org.zhang)
    late = instalment_of(contract, today - datetime.timedelta(days=10), "30000", sequence=1)
    later = instalment_of(contract, today + datetime.timedelta(days=20), "70000", sequence=2)
    Payment.objects.create(
        customer=contract.customer, contract=contract, instalment=late, amount=Decimal("10000"), paid_on=today
    )
    client.force_login(org.zhang)
    # when he opens the receivables
    page = client.get(reverse("crm:instalment_list"))
    # then each row shows paid and outstanding, and the footer adds them up
    rows = {row.pk: row for row in page.context["page"]["rows"]}
    assert (rows[late.pk].paid, rows[late.pk].outstanding) == (Decimal("10000"), Decimal("20000"))
    assert (rows[later.pk].paid, rows[later.pk].outstanding) == (0, Decimal("70000"))
    totals = dict(page.context["totals"])
    assert (totals["amount"], totals["paid"], totals["outstanding"]) == (100000, 10000, 90000)
    # and "overdue" keeps only the late one; a made-up choice is a located error
    overdue = client.get(reverse("crm:instalment_list"), {"due": "overdue"})
    assert [row.pk for row in overdue.context["page"]["rows"]] == [late.pk]
    assert "due" in client.get(reverse("crm:instalment_list"), {"due": "someday"}).context["errors"]
    # grouped by customer, the group carries the sums
    grouped = client.get(reverse("crm:instalment_list"), {"group": "customer"})
    assert grouped.context["groups"][0]["count"] == 2
    assert [v for _label, v in grouped.context["groups"][0]["sums"]] == [100000, 10000, 90000]


def test_ticked_draft_contracts_are_submitted_and_issued_invoices_marked_sent(client, org):
    draft = contract_of(org.zhang, status=Contract.Status.DRAFT)
    signed = contract_of(org.zhang)
    client.force_login(org.zhang)
    client.post(reverse("crm:contract_bulk"), {"action": "submit", "ids": [draft.pk, signed.pk]})
    assert Contract.objects.get(pk=draft.pk).status == Contract.Status.SUBMITTED
    assert Contract.objects.get(pk=signed.pk).status == Contract.Status.SIGNED
    invoice = Invoice.objects.create(
        number="FP00000001",
        customer=signed.customer,
        contract=signed,
        amount=Decimal("500"),
        issued_on=timezone.localdate(),
        owner=org.zhang,
    )
    client.post(reverse("crm:invoice_bulk"), {"action": "sent", "ids": [invoice.pk]})
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT
