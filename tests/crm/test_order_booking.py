"""Order lines carry their order's date while the order is booked (`booked_on`: the sales report
sums a period's lines by it), whichever way the order changes: the services, a process writing the
order's status, an order read only in part, and the migration that filled it for existing lines."""

import datetime
import importlib
import io
from types import SimpleNamespace

from django.apps import apps
from django.core.management import call_command
from django.db import connection

from crm.models import Order, OrderLine
from crm.services.commerce import order_create, order_set_status, stock_in

from .factories import CustomerFactory, ProductFactory, WarehouseFactory

MARCH_2 = datetime.date(2026, 3, 2)


def _booked_on(order) -> set:
    return set(OrderLine.objects.filter(order=order).values_list("booked_on", flat=True))


def _approved_order(owner, day=MARCH_2) -> Order:
    order = Order.objects.create(
        code=f"T-{day}-{Order.objects.count()}",
        customer=CustomerFactory(owner=owner),
        owner=owner,
        status=Order.Status.APPROVED,
        ordered_on=day,
    )
    product = ProductFactory()
    for quantity in (1, 2):
        OrderLine.objects.create(
            order=order, product=product, unit="pc", quantity=quantity, price=1, amount=quantity
        )
    return order


def test_lines_are_booked_when_the_order_is_approved_and_unbooked_when_it_is_cancelled(org):
    pump = ProductFactory(price="10.00")
    stock_in(actor=org.admin, product=pump, warehouse=WarehouseFactory(), quantity=10)
    order = order_create(
        actor=org.zhang,
        customer=CustomerFactory(owner=org.zhang),
        ordered_on=MARCH_2.isoformat(),
        lines=[{"product": pump, "quantity": 2}, {"product": pump, "quantity": 1}],
    )
    assert _booked_on(order) == {None}  # a draft is not a sale
    order_set_status(actor=org.zhang, order=order, status=Order.Status.SUBMITTED)
    assert _booked_on(order) == {None}
    order_set_status(actor=org.wang, order=order, status=Order.Status.APPROVED)
    assert _booked_on(order) == {MARCH_2}
    order_set_status(actor=org.wang, order=order, status=Order.Status.CANCELLED)
    assert _booked_on(order) == {None}


def test_a_bare_status_save_and_an_order_read_in_part_keep_the_lines_in_step(org):
    order = _approved_order(org.zhang)
    assert _booked_on(order) == {MARCH_2}
    # it moves on (still a sale, same date), saved around the services (a data fix)
    shipped = Order.objects.get(pk=order.pk)
    shipped.status = Order.Status.SHIPPED
    shipped.save()
    assert _booked_on(order) == {MARCH_2}
    # an order read without its date: the save cannot know what changed, so it updates the lines
    partial = Order.objects.only("pk", "status").get(pk=order.pk)
    partial.status = Order.Status.CANCELLED
    partial.save(update_fields=["status"])
    assert _booked_on(order) == {None}
    # a copy read while booked, saved after another copy unbooked the order, books the lines
    # again: they follow the order row as the last save wrote it
    Order.objects.filter(pk=order.pk).update(status=Order.Status.APPROVED)
    OrderLine.objects.filter(order=order).update(booked_on=MARCH_2)
    stale = Order.objects.get(pk=order.pk)
    other = Order.objects.get(pk=order.pk)
    other.status = Order.Status.CANCELLED
    other.save()
    assert _booked_on(order) == {None}
    stale.notes = "edited meanwhile"
    stale.save()
    assert Order.objects.get(pk=order.pk).status == Order.Status.APPROVED
    assert _booked_on(order) == {MARCH_2}
    # re-dated while booked: the lines follow the new date
    again = _approved_order(org.zhang)
    again.ordered_on = datetime.date(2026, 4, 1)
    again.save()
    assert _booked_on(again) == {datetime.date(2026, 4, 1)}


def test_the_migration_fills_the_lines_of_booked_orders_only(org):
    booked = _approved_order(org.zhang)
    draft = _approved_order(org.zhang)
    Order.objects.filter(pk=draft.pk).update(status=Order.Status.DRAFT)
    OrderLine.objects.update(booked_on=None)  # as before the migration
    migration = importlib.import_module("crm.migrations.0006_orderline_booked_on")
    migration.fill_booked_on(apps, SimpleNamespace(connection=connection))
    assert _booked_on(booked) == {MARCH_2}
    assert _booked_on(draft) == {None}


def test_the_resync_command_corrects_lines_left_behind_by_writes_that_bypassed_the_order(org):
    unbooked_behind = _approved_order(org.zhang)
    booked_behind = _approved_order(org.zhang)
    redated_behind = _approved_order(org.zhang)
    in_step = _approved_order(org.zhang)
    # writes that bypass Order.save (an older version during a rolling upgrade, raw SQL)
    Order.objects.filter(pk=unbooked_behind.pk).update(status=Order.Status.CANCELLED)
    OrderLine.objects.filter(order=booked_behind).update(booked_on=None)
    Order.objects.filter(pk=redated_behind.pk).update(ordered_on=datetime.date(2026, 5, 5))
    out = io.StringIO()
    call_command("crm_resync_order_lines", stdout=out)
    assert out.getvalue().strip() == "6 order line(s) corrected."
    assert _booked_on(unbooked_behind) == {None}
    assert _booked_on(booked_behind) == {MARCH_2}
    assert _booked_on(redated_behind) == {datetime.date(2026, 5, 5)}
    assert _booked_on(in_step) == {MARCH_2}
    call_command("crm_resync_order_lines", stdout=out)
    assert out.getvalue().strip().endswith("0 order line(s) corrected.")
