from decimal import Decimal

import pytest

from core.errors import Conflict, ValidationFailed
from crm.models import Order, OrderLine, StockMove
from crm.selectors.customers import customer_receivable, receivables
from crm.services.commerce import (
    contract_create,
    order_create,
    order_set_status,
    payment_record,
    product_create,
    stock_available,
    stock_count,
    stock_in,
    stock_out,
    stock_transfer,
)

from .factories import CustomerFactory, ProductFactory, WarehouseFactory


def test_product_create_and_bad_input(org):
    product_create(actor=org.admin, code="PX-1", name="净水器", unit="台", price="1999.00", spec="RO 400G")
    with pytest.raises(ValidationFailed) as error:
        product_create(actor=org.admin, code="PX-1", name="", price="-5")
    assert set(error.value.fields) == {"code", "name", "price"}


def test_inventory_ledger_in_out_transfer_count(org):
    # given a product and two warehouses
    product, east, north = ProductFactory(), WarehouseFactory(name="上海仓"), WarehouseFactory(name="北京仓")
    # when stock comes in, moves, goes out and is counted
    stock_in(actor=org.admin, product=product, warehouse=east, quantity=100, reference="PO-1")
    stock_transfer(actor=org.admin, product=product, source=east, target=north, quantity=30)
    stock_out(actor=org.admin, product=product, warehouse=east, quantity=20)
    stock_count(actor=org.admin, product=product, warehouse=north, counted=28)
    # then each warehouse's available quantity and the ledger agree
    assert stock_available(product=product, warehouse=east) == 50
    assert stock_available(product=product, warehouse=north) == 28
    assert stock_available(product=product) == 78
    ledger = list(StockMove.objects.order_by("id").values_list("kind", "quantity", "balance"))
    assert ledger == [
        ("in", 100, 100),
        ("transfer_out", -30, 70),
        ("transfer_in", 30, 30),
        ("out", -20, 50),
        ("count", -2, 28),
    ]
    # and taking out more than is there is refused without a ledger row
    with pytest.raises(Conflict):
        stock_out(actor=org.admin, product=product, warehouse=north, quantity=29)
    with pytest.raises(ValidationFailed):
        stock_in(actor=org.admin, product=product, warehouse=north, quantity="-3")
    assert StockMove.objects.count() == 5


def test_order_amounts_are_computed_and_receivables_follow_payments(org):
    customer = CustomerFactory(owner=org.zhang)
    pump, filt = ProductFactory(price="1000.00", unit="台"), ProductFactory(price="12.50")
    # (a draft contract is not owed yet: its orders count on their own)
    contract = contract_create(actor=org.zhang, customer=customer, title="年度框架", amount="50000")
    # when an order with a discount line is placed
    order = order_create(
        actor=org.zhang,
        customer=customer,
        contract=contract,
        lines=[
            {"product": pump, "quantity": 3, "discount_percent": 10},
            {"product": filt, "quantity": "4", "price": "11"},
        ],
    )
    # then line amounts and the total are computed
    assert [line.amount for line in order.lines.order_by("id")] == [Decimal("2700.00"), Decimal("44.00")]
    assert order.total_amount == Decimal("2744.00") and order.code.startswith("SO")
    assert contract.status == "draft"
    # receivable: only approved orders count, payments reduce it
    assert customer_receivable(customer=customer) == 0
    warehouse = WarehouseFactory()
    stock_in(actor=org.admin, product=pump, warehouse=warehouse, quantity=3)
    stock_in(actor=org.admin, product=filt, warehouse=warehouse, quantity=10)
    order_set_status(actor=org.zhang, order=order, status=Order.Status.SUBMITTED)
    order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
    payment_record(actor=org.zhang, customer=customer, order=order, amount="744")
    assert customer_receivable(customer=customer) == Decimal("2000.00")
    assert receivables(user=org.wang)[0]["outstanding"] == Decimal("2000.00")
    with pytest.raises(Conflict):
        order_set_status(actor=org.zhang, order=order, status=Order.Status.DRAFT)


def test_order_bad_lines_are_located_and_nothing_written(org):
    customer = CustomerFactory(owner=org.zhang)
    product = ProductFactory()
    with pytest.raises(ValidationFailed) as error:
        order_create(
            actor=org.zhang,
            customer=customer,
            lines=[
                {"product": product, "quantity": 0},
                {"product": None},
                {"product": product, "quantity": 1, "discount_percent": 120},
            ],
        )
    assert set(error.value.fields) == {"lines.1.quantity", "lines.2.product", "lines.3.discount_percent"}
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    with pytest.raises(ValidationFailed):
        order_create(actor=org.zhang, customer=customer, lines=[])
    with pytest.raises(ValidationFailed):
        payment_record(actor=org.zhang, customer=customer, amount="0")
