"""Receivables add up the same everywhere: payments against an instalment of a contract's plan,
an order of the contract or the contract itself all count for the contract, its customer, the
receivables report and the portal."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from core.errors import ValidationFailed
from crm.models import Contract, Order, Payment
from crm.selectors.customers import receivables
from crm.selectors.receivables import (
    contract_balance,
    customer_receivable,
    instalments_overdue,
    order_balance,
    payment_plan,
)
from crm.services.commerce import contract_create, order_create, order_set_status, payment_record, stock_in
from crm.services.contracts import instalment_add
from portal.selectors import receivables as portal_receivables
from reports.filters import ReportFilters
from reports.selectors import receivables as receivables_report

from .factories import CustomerFactory, ProductFactory, WarehouseFactory

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def deal(org):
    """A signed contract of 10,000 with an approved order of 4,000 under it and a plan of two
    instalments (6,000 due a month ago, 4,000 due next month)."""
    customer = CustomerFactory(owner=org.zhang)
    product = ProductFactory(price="1000.00")
    stock_in(actor=org.admin, product=product, warehouse=WarehouseFactory(), quantity=10)
    contract = contract_create(
        actor=org.zhang, customer=customer, title="设备采购", amount="10000", signed_on="2026-11-01"
    )
    order = order_create(
        actor=org.zhang, customer=customer, contract=contract, lines=[{"product": product, "quantity": 4}]
    )
    order_set_status(actor=org.zhang, order=order, status=Order.Status.SUBMITTED)
    order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
    first = instalment_add(
        actor=org.zhang, contract=contract, due_on="2026-11-07", amount="6000", note="首付"
    )
    second = instalment_add(actor=org.zhang, contract=contract, due_on="2027-01-07", amount="4000")
    return customer, contract, order, first, second


def test_payments_on_plan_order_and_contract_add_up_everywhere(org, deal):
    customer, contract, order, first, _second = deal
    # when the customer pays 3,000 against the order, 2,000 against the first instalment and
    # 1,000 against the contract itself
    on_order = payment_record(actor=org.zhang, customer=customer, order=order, amount="3000")
    payment_record(actor=org.zhang, customer=customer, instalment=first, amount="2000")
    payment_record(actor=org.zhang, customer=customer, contract=contract, amount="1000")

    # then each payment is linked to the contract it pays
    assert on_order.contract_id == contract.pk
    assert set(Payment.objects.values_list("contract_id", flat=True)) == {contract.pk}
    # the contract shows 6,000 paid of 10,000 (the order under it is not owed twice)
    assert contract_balance(contract=contract).paid == Decimal("6000")
    assert customer_receivable(customer=customer) == Decimal("4000")
    assert receivables(user=org.wang)[0]["outstanding"] == Decimal("4000")
    assert order_balance(order=order).paid == Decimal("3000")
    # the receivables report and the portal agree
    report = receivables_report(user=org.admin, filters=ReportFilters(), today=TODAY)
    assert (report["paid"], report["outstanding"]) == (Decimal("6000"), Decimal("4000"))
    assert report["contracts"][0]["paid"] == Decimal("6000")

    class Account:
        customer_id = customer.pk

    rows = portal_receivables(Account())
    assert [(r.kind, r.paid, r.outstanding) for r in rows] == [("contract", Decimal("6000"), Decimal("4000"))]


def test_plan_marks_the_overdue_instalment(org, deal):
    customer, contract, _order, first, second = deal
    payment_record(actor=org.zhang, customer=customer, instalment=first, amount="2000")

    plan = payment_plan(contract=contract, today=TODAY)

    assert [(r.paid, r.outstanding, r.overdue, r.days_overdue) for r in plan] == [
        (Decimal("2000"), Decimal("4000"), True, 30),
        (Decimal("0"), Decimal("4000"), False, 0),
    ]
    assert instalments_overdue(user=org.zhang, today=TODAY) == [first]
    assert instalments_overdue(user=org.yang, today=TODAY) == []  # not theirs
    # paid in full, it is no longer overdue
    payment_record(actor=org.zhang, customer=customer, instalment=first, amount="4000")
    assert instalments_overdue(user=org.zhang, today=TODAY) == []
    assert second.contract_id == contract.pk


def test_a_plan_cannot_exceed_the_contract_and_payments_match_their_contract(org, deal):
    customer, contract, _order, first, _second = deal
    with pytest.raises(ValidationFailed) as error:
        instalment_add(actor=org.zhang, contract=contract, due_on="2027-02-01", amount="1")
    assert set(error.value.fields) == {"amount"}
    other = contract_create(actor=org.zhang, customer=customer, title="另一合同", amount="500")
    with pytest.raises(ValidationFailed) as error:
        payment_record(actor=org.zhang, customer=customer, instalment=first, contract=other, amount="10")
    assert set(error.value.fields) == {"instalment"}
    assert Payment.objects.count() == 0


def test_migration_links_old_order_payments_to_their_contract(org, deal):
    customer, contract, order, _first, _second = deal
    payment = payment_record(actor=org.zhang, customer=customer, order=order, amount="500")
    Payment.objects.filter(pk=payment.pk).update(contract=None)  # as the old code left it
    migration = importlib.import_module("crm.migrations.0008_sales_money")

    migration.link_order_payments_to_contracts(apps, None)

    assert Payment.objects.get(pk=payment.pk).contract_id == contract.pk
    assert Contract.objects.get(pk=contract.pk).payments.count() == 1
