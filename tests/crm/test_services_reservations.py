"""Stock reserved by orders: approval reserves (available = on hand - reserved), cancellation or
rejection releases, shipment books out; over-reservation is refused on the line, nothing held;
two approvals racing for the last units on PostgreSQL: exactly one gets them."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import Conflict, ValidationFailed
from crm.models import Order, StockLevel, StockMove, StockReservation
from crm.selectors.stock import order_reservations, stock_levels
from crm.services.commerce import order_create, order_set_status, stock_available, stock_in, stock_out

from .factories import CustomerFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(org):
    """A pump with 6 in the east warehouse and 4 in the north one; a valve with 10 in the east."""
    pump, valve = ProductFactory(name="Pump"), ProductFactory(name="Valve")
    east, north = WarehouseFactory(name="East"), WarehouseFactory(name="North")
    stock_in(actor=org.admin, product=pump, warehouse=east, quantity=6)
    stock_in(actor=org.admin, product=pump, warehouse=north, quantity=4)
    stock_in(actor=org.admin, product=valve, warehouse=east, quantity=10)
    return pump, valve, east, north


def _submitted(org, lines) -> Order:
    order = order_create(actor=org.zhang, customer=CustomerFactory(owner=org.zhang), lines=lines)
    return order_set_status(actor=org.zhang, order=order, status=Order.Status.SUBMITTED)


def test_approval_reserves_across_warehouses_and_cancelling_releases(org, shop):
    pump, valve, east, north = shop
    order = _submitted(org, [{"product": pump, "quantity": 8}, {"product": valve, "quantity": 3}])
    # when the manager approves
    order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
    # then 8 pumps are held (6 east + 2 north), nothing left the shelves, and available drops
    held = {(r.product_id, r.warehouse_id): r.quantity for r in order.reservations.filter(status="active")}
    assert held == {(pump.pk, east.pk): 6, (pump.pk, north.pk): 2, (valve.pk, east.pk): 3}
    assert stock_available(product=pump) == 2 and stock_available(product=valve) == 7
    assert StockLevel.objects.get(product=pump, warehouse=east).on_hand == 6
    # and the held stock cannot be booked out by hand
    with pytest.raises(Conflict, match="available"):
        stock_out(actor=org.admin, product=pump, warehouse=east, quantity=1)
    # when the order is cancelled, the stock is free again
    order_set_status(actor=org.wang, order=order, status=Order.Status.CANCELLED)
    assert stock_available(product=pump) == 10 and stock_available(product=valve) == 10
    assert not StockReservation.objects.filter(status="active").exists()


def test_over_reservation_is_refused_on_the_line_and_nothing_is_held(org, shop):
    pump, valve, *_ = shop
    first = _submitted(org, [{"product": pump, "quantity": 7}])
    order_set_status(actor=org.wang, order=first, status=Order.Status.APPROVED)
    second = _submitted(org, [{"product": valve, "quantity": 1}, {"product": pump, "quantity": 4}])
    with pytest.raises(ValidationFailed) as error:
        order_set_status(actor=org.wang, order=second, status=Order.Status.APPROVED)
    # then the error names the pump line (2nd) with what is left, and the order is still submitted
    assert list(error.value.fields) == ["lines.2.quantity"]
    assert "Only 3 of" in error.value.fields["lines.2.quantity"][0]
    second.refresh_from_db()
    assert second.status == Order.Status.SUBMITTED and not second.reservations.exists()
    assert stock_available(product=valve) == 10


def test_shipping_books_the_reservation_out_once(org, shop):
    pump, _valve, east, north = shop
    order = _submitted(org, [{"product": pump, "quantity": 8}])
    order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
    order_set_status(actor=org.wang, order=order, status=Order.Status.SHIPPED)
    levels = {lv.warehouse_id: (lv.on_hand, lv.reserved) for lv in StockLevel.objects.filter(product=pump)}
    assert levels == {east.pk: (0, 0), north.pk: (2, 0)}
    outs = StockMove.objects.filter(order=order, kind=StockMove.Kind.OUT)
    assert sorted(m.quantity for m in outs) == [Decimal(-6), Decimal(-2)]
    assert set(order.reservations.values_list("status", flat=True)) == {"shipped"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_racing_for_the_last_units_one_wins(org, shop):
    pump, *_ = shop
    orders = [_submitted(org, [{"product": pump, "quantity": 6}]) for _ in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def approve(order):
        try:
            barrier.wait()
            order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
            outcomes.append("approved")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "refused"]
    assert sum(lv.reserved for lv in StockLevel.objects.filter(product=pump)) == 6
    assert stock_available(product=pump) == 4


def test_levels_and_reservations_read_back_per_warehouse(org, shop):
    pump, _valve, east, north = shop
    order = _submitted(org, [{"product": pump, "quantity": 7}])
    order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
    levels = {lv.warehouse_id: (lv.on_hand, lv.reserved, lv.free) for lv in stock_levels(product=pump)}
    assert levels == {east.pk: (6, 6, 0), north.pk: (4, 1, 3)}
    assert [(r.warehouse, r.quantity) for r in order_reservations(order=order)] == [(east, 6), (north, 1)]
    order_set_status(actor=org.wang, order=order, status=Order.Status.CANCELLED)
    assert not order_reservations(order=order).exists()
    assert order_reservations(order=order, active_only=False).count() == 2
