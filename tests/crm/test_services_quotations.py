"""Quotations: computed lines with discount and tax, versions, the PDF, e-mail, acceptance."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from core.errors import Conflict, ValidationFailed
from crm.models import Contract, Order, Quotation
from crm.pdf import quotation_pdf
from crm.services.quotations import (
    quotation_accept,
    quotation_create,
    quotation_revise,
    quotation_send,
)

from .factories import CustomerFactory, ProductFactory


@pytest.fixture
def quote(org):
    customer = CustomerFactory(owner=org.zhang, name="东方精密机械有限公司")
    pump = ProductFactory(code="PUMP-9", name="离心泵", price="1000.00", unit="台")
    valve = ProductFactory(code="VALVE-2", name="球阀", price="250.00", unit="个")
    quotation = quotation_create(
        actor=org.zhang,
        customer=customer,
        title="水泵改造报价",
        valid_until="2030-01-31",
        lines=[
            {"product": pump, "quantity": 2, "discount_percent": 10},
            {"product": valve, "quantity": "4", "price": "240", "tax_percent": 6},
        ],
    )
    return quotation, pump, valve


def test_lines_are_priced_with_discount_and_tax(quote):
    quotation, _pump, _valve = quote
    lines = list(quotation.lines.order_by("id"))
    # 2 x 1000 less 10 % = 1800 + 13 % tax 234; 4 x 240 = 960 + 6 % tax 57.60
    assert [(line.net_amount, line.tax_amount) for line in lines] == [
        (Decimal("1800.00"), Decimal("234.00")),
        (Decimal("960.00"), Decimal("57.60")),
    ]
    assert (quotation.net_amount, quotation.tax_amount, quotation.total_amount) == (
        Decimal("2760.00"),
        Decimal("291.60"),
        Decimal("3051.60"),
    )
    assert quotation.code.startswith("QT") and str(quotation) == quotation.code


def test_bad_lines_are_located_and_nothing_is_written(org, quote):
    quotation, pump, _valve = quote
    with pytest.raises(ValidationFailed) as error:
        quotation_create(
            actor=org.zhang,
            customer=quotation.customer,
            title="",
            lines=[{"product": pump, "quantity": 0}, {"product": pump, "quantity": 1, "tax_percent": 120}],
        )
    assert set(error.value.fields) == {"title", "lines.1.quantity", "lines.2.tax_percent"}
    assert Quotation.objects.count() == 1


def test_a_revision_is_a_new_version_and_keeps_the_old_one(org, quote):
    quotation, pump, _valve = quote
    revision = quotation_revise(
        actor=org.zhang, quotation=quotation, lines=[{"product": pump, "quantity": 3}]
    )
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.SUPERSEDED
    assert quotation.lines.count() == 2 and quotation.total_amount == Decimal("3051.60")
    assert (revision.code, revision.version, str(revision)) == (quotation.code, 2, f"{quotation.code}-v2")
    assert revision.total_amount == Decimal("3390.00")
    with pytest.raises(Conflict):
        quotation_revise(actor=org.zhang, quotation=quotation, lines=[{"product": pump, "quantity": 1}])


def test_the_pdf_carries_the_customer_lines_and_total_in_chinese(quote):
    quotation, _pump, _valve = quote
    pdf = quotation_pdf(quotation, language="zh-hans")
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "东方精密机械有限公司" in text
    assert "离心泵" in text and "¥3051.60" in text.replace(",", "")


def test_sending_mails_the_pdf_and_marks_it_sent(org, quote, django_capture_on_commit_callbacks):
    quotation, _pump, _valve = quote
    with django_capture_on_commit_callbacks(execute=True):
        quotation_send(actor=org.zhang, quotation=quotation, to="buyer@dongfang.example")
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.SENT and quotation.sent_to == "buyer@dongfang.example"
    (message,) = mail.outbox
    assert message.to == ["buyer@dongfang.example"]
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == (f"{quotation.code}.pdf", "application/pdf") and content.startswith(b"%PDF")
    with pytest.raises(ValidationFailed):
        quotation_send(actor=org.zhang, quotation=quotation, to="not an address")


def test_accepted_into_a_contract_or_an_order(org, quote):
    quotation, pump, _valve = quote
    contract = quotation_accept(actor=org.zhang, quotation=quotation, into="contract")
    assert isinstance(contract, Contract)
    assert (contract.amount, contract.status, contract.quotation_id) == (
        Decimal("3051.60"),
        "draft",
        quotation.pk,
    )
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.ACCEPTED
    with pytest.raises(Conflict):
        quotation_accept(actor=org.zhang, quotation=quotation)

    other = quotation_create(
        actor=org.zhang, customer=quotation.customer, title="备件", lines=[{"product": pump, "quantity": 1}]
    )
    order = quotation_accept(actor=org.zhang, quotation=other, into="order")
    assert isinstance(order, Order) and order.total_amount == Decimal("1130.00")
    assert order.quotation_id == other.pk and order.lines.get().product == pump


def test_someone_elses_quotation_cannot_be_sent(org, quote):
    quotation, _pump, _valve = quote
    with pytest.raises(Exception) as error:
        quotation_send(actor=org.yang, quotation=quotation, to="x@example.com")
    assert type(error.value).__name__ == "NotPermitted"
