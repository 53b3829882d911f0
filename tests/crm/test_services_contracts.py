"""Contracts through their life without a running process, invoices against them, monthly targets."""

import datetime
from decimal import Decimal

import pytest

from core.errors import Conflict, NotPermitted, ValidationFailed
from crm.models import Budget, BudgetAdjustment, Contract, Order
from crm.selectors.budgets import sales_target_boards
from crm.services.budgets import sales_target_set
from crm.services.commerce import contract_create, order_create, order_set_status, stock_in
from crm.services.contracts import contract_set_status, contract_update, invoice_create, invoice_set_status

from .factories import CustomerFactory, ProductFactory, WarehouseFactory


def test_draft_submitted_approved_signed(org):
    customer = CustomerFactory(owner=org.zhang)
    contract = contract_create(actor=org.zhang, customer=customer, title="年度维保", amount="0")
    contract = contract_update(actor=org.zhang, contract=contract, amount="88000", terms="分两期付款")
    with pytest.raises(Conflict):
        contract_set_status(actor=org.zhang, contract=contract, status=Contract.Status.SIGNED)
    contract = contract_set_status(actor=org.zhang, contract=contract, status=Contract.Status.SUBMITTED)
    with pytest.raises(Conflict):  # a submitted contract is not edited
        contract_update(actor=org.zhang, contract=contract, amount="1")
    with pytest.raises(NotPermitted):  # the salesperson does not approve their own contract
        contract_set_status(actor=org.zhang, contract=contract, status=Contract.Status.APPROVED)
    contract = contract_set_status(actor=org.wang, contract=contract, status=Contract.Status.APPROVED)
    with pytest.raises(ValidationFailed) as error:
        contract_set_status(actor=org.zhang, contract=contract, status=Contract.Status.SIGNED)
    assert set(error.value.fields) == {"customer_signer"}
    contract = contract_set_status(
        actor=org.zhang,
        contract=contract,
        status=Contract.Status.SIGNED,
        signed_on="2026-12-01",
        customer_signer="李总",
    )
    assert (contract.status, contract.signed_on, contract.customer_signer, contract.signer) == (
        "signed",
        datetime.date(2026, 12, 1),
        "李总",
        org.zhang,
    )


def test_invoices_never_exceed_the_contract(org):
    customer = CustomerFactory(owner=org.zhang)
    contract = contract_create(
        actor=org.zhang, customer=customer, title="设备", amount="1000", signed_on="2026-12-01"
    )
    first = invoice_create(
        actor=org.zhang, customer=customer, contract=contract, number="04400001", amount="600"
    )
    with pytest.raises(ValidationFailed) as error:
        invoice_create(actor=org.zhang, customer=customer, contract=contract, number="04400002", amount="500")
    assert set(error.value.fields) == {"amount"}
    with pytest.raises(ValidationFailed) as error:
        invoice_create(actor=org.zhang, customer=customer, contract=contract, number="04400001", amount="1")
    assert set(error.value.fields) == {"number"}
    invoice_set_status(actor=org.zhang, invoice=first, status="void")  # a void one no longer counts
    second = invoice_create(
        actor=org.zhang, customer=customer, contract=contract, number="04400002", amount="1000"
    )
    assert second.amount == Decimal("1000")


def test_monthly_targets_are_lines_of_the_teams_sales_budget_ranked(org):
    month = datetime.date(2026, 12, 1)
    product = ProductFactory(price="100.00")
    stock_in(actor=org.admin, product=product, warehouse=WarehouseFactory(), quantity=100)
    for person, quantity in ((org.zhang, 30), (org.liu, 10)):
        order = order_create(
            actor=person,
            customer=CustomerFactory(owner=person),
            ordered_on="2026-12-03",
            lines=[{"product": product, "quantity": quantity}],
        )
        order_set_status(actor=person, order=order, status=Order.Status.SUBMITTED)
        order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
    # when the manager sets two targets for December and then changes one
    sales_target_set(actor=org.wang, salesperson=org.zhang, month="2026-12-15", planned="6000")
    line = sales_target_set(actor=org.wang, salesperson=org.liu, month=month, planned="400")
    sales_target_set(actor=org.wang, salesperson=org.liu, month=month, planned="500", reason="新客户")
    with pytest.raises(NotPermitted):
        sales_target_set(actor=org.zhang, salesperson=org.zhang, month=month, planned="1")

    # then they are one budget of team A for the month, the change kept as an adjustment
    budget = Budget.objects.get()
    assert (budget.kind, budget.starts_on, budget.ends_on, budget.department) == (
        "sales",
        month,
        datetime.date(2026, 12, 31),
        org.dept_a,
    )
    assert [(a.old_amount, a.new_amount, a.reason) for a in BudgetAdjustment.objects.filter(line=line)] == [
        (Decimal("400"), Decimal("500"), "新客户")
    ]
    # liu sold 1,000 of 500 (200 %), zhang 3,000 of 6,000 (50 %): the team's ranking
    (board,) = sales_target_boards(user=org.zhang, day=datetime.date(2026, 12, 20))
    assert [(r.line.salesperson, r.actual, r.percent) for r in board.ranking] == [
        (org.liu, Decimal("1000.00"), Decimal("200.0")),
        (org.zhang, Decimal("3000.00"), Decimal("50.0")),
    ]
    assert board.mine.percent == Decimal("50.0") and (board.planned, board.actual) == (
        Decimal("6500"),
        Decimal("4000.00"),
    )
    assert sales_target_boards(user=org.yang, day=month) == []  # another team
    assert sales_target_boards(user=org.zhang, day=datetime.date(2027, 1, 1)) == []
