"""Catalogue and stock services: transfers and counts in the ledger, stock that would go negative
refused on the quantity, the low-stock notice once per crossing, prices per list, the category
tree."""

import datetime

import pytest
from django.contrib.auth.models import Group

from core.errors import Conflict, NotPermitted, ValidationFailed
from crm.catalogue.selectors import category_choices, product_price
from crm.catalogue.services import (
    category_create,
    category_update,
    price_list_create,
    product_price_set,
    stock_count,
    stock_in,
    stock_level_set_reorder,
    stock_out,
    stock_transfer,
)
from crm.models import StockLevel, StockMove
from integrations.models import Notification
from tests.crm.factories import ProductFactory, WarehouseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(org):
    group, _ = Group.objects.get_or_create(name="warehouse")
    user = UserFactory(username="t.clerk")
    user.groups.add(group)
    return user


def _balances(product):
    return dict(StockLevel.objects.filter(product=product).values_list("warehouse__code", "on_hand"))


def test_a_transfer_is_two_ledger_rows_with_the_balance_after_each(org):
    # given 100 in east
    product, east, north = ProductFactory(), WarehouseFactory(code="E"), WarehouseFactory(code="N")
    stock_in(actor=org.admin, product=product, warehouse=east, quantity=100, reference="PO-1")
    # when 30 go to north
    out, into = stock_transfer(
        actor=org.admin, product=product, source=east, target=north, quantity=30, reference="DB-1"
    )
    # then east has 70, north 30, and the ledger says so line by line
    assert _balances(product) == {"E": 70, "N": 30}
    assert (out.kind, out.quantity, out.balance) == (StockMove.Kind.TRANSFER_OUT, -30, 70)
    assert (into.kind, into.quantity, into.balance) == (StockMove.Kind.TRANSFER_IN, 30, 30)
    with pytest.raises(ValidationFailed) as same:
        stock_transfer(actor=org.admin, product=product, source=east, target=east, quantity=1)
    assert "target" in same.value.fields


def test_a_count_books_the_difference_and_a_matching_count_books_nothing(org):
    product, east = ProductFactory(), WarehouseFactory(code="E")
    stock_in(actor=org.admin, product=product, warehouse=east, quantity=20)
    move = stock_count(actor=org.admin, product=product, warehouse=east, counted=17, reference="月度盘点")
    assert (move.kind, move.quantity, move.balance) == (StockMove.Kind.COUNT, -3, 17)
    assert stock_count(actor=org.admin, product=product, warehouse=east, counted="17") is None
    assert StockMove.objects.filter(product=product).count() == 2


def test_stock_that_would_go_negative_is_refused_on_the_quantity_and_nothing_changes(org):
    product, east, north = ProductFactory(), WarehouseFactory(code="E"), WarehouseFactory(code="N")
    stock_in(actor=org.admin, product=product, warehouse=east, quantity=5)
    for attempt in (
        lambda: stock_out(actor=org.admin, product=product, warehouse=east, quantity=6),
        lambda: stock_transfer(actor=org.admin, product=product, source=east, target=north, quantity=6),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.fields["quantity"]
    with pytest.raises(ValidationFailed) as negative:
        stock_in(actor=org.admin, product=product, warehouse=east, quantity="-3")
    assert negative.value.fields["quantity"]
    assert _balances(product)["E"] == 5 and not _balances(product).get("N")
    assert StockMove.objects.filter(product=product).count() == 1


def test_a_salesperson_without_the_permission_cannot_move_stock(org):
    product, east = ProductFactory(), WarehouseFactory()
    with pytest.raises(NotPermitted):
        stock_in(actor=org.zhang, product=product, warehouse=east, quantity=1)


def test_the_warehouse_is_told_once_per_crossing_of_the_reorder_level(
    org, clerk, django_capture_on_commit_callbacks
):
    # given 12 on hand and a reorder level of 10
    product, east = ProductFactory(name="传感器模块"), WarehouseFactory(name="北京仓")
    stock_in(actor=org.admin, product=product, warehouse=east, quantity=12)
    stock_level_set_reorder(actor=org.admin, product=product, warehouse=east, reorder_level=10)

    def committed(service):
        def run(**kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return service(actor=org.admin, product=product, warehouse=east, **kwargs)

        return run

    stock_out_, stock_in_ = committed(stock_out), committed(stock_in)

    def notices():
        return list(Notification.objects.filter(recipient=clerk, template="stock_low"))

    assert notices() == []
    # when issues take it below: one notice, naming the product and the warehouse
    stock_out_(quantity=3)
    assert len(notices()) == 1 and "传感器模块" in notices()[0].title and "北京仓" in notices()[0].title
    product.refresh_from_db()
    assert product.low_stock
    # further issues below the level stay quiet
    stock_out_(quantity=2)
    assert len(notices()) == 1
    # refilled, then below again: a second notice
    stock_in_(quantity=20)
    product.refresh_from_db()
    assert not product.low_stock
    stock_out_(quantity=20)
    assert len(notices()) == 2


def test_a_price_list_price_applies_in_its_period_else_the_base_price(org):
    product = ProductFactory(price=1000)
    distributor = price_list_create(actor=org.admin, code="DIST", name="经销商价")
    product_price_set(
        actor=org.admin,
        price_list=distributor,
        product=product,
        price="850",
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 6, 30),
    )
    assert product_price(product=product, price_list=distributor, day=datetime.date(2026, 3, 1)) == 850
    assert product_price(product=product, price_list=distributor, day=datetime.date(2026, 7, 1)) == 1000
    with pytest.raises(ValidationFailed) as wrong:
        product_price_set(
            actor=org.admin,
            price_list=distributor,
            product=product,
            price="-1",
            valid_from="2026-08-01",
            valid_until="2026-07-01",
        )
    assert set(wrong.value.fields) == {"price", "valid_until"}


def test_the_category_tree_refuses_a_loop_and_lists_paths(org):
    pumps = category_create(actor=org.admin, name="泵")
    centrifugal = category_create(actor=org.admin, name="离心泵", parent=pumps)
    with pytest.raises(ValidationFailed) as loop:
        category_update(actor=org.admin, category=pumps, parent=centrifugal.pk)
    assert "parent" in loop.value.fields
    assert (centrifugal.pk, "泵 / 离心泵") in category_choices()
