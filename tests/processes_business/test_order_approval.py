"""Order approval → shipment → payment (bpmn/order_approval.bpmn + order_approver.dmn) end to end:
stock check, the DMN table picks the approvers, the warehouse ships (stock out), finance records
payments until the order is paid; waiting orders remind the approver."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import NotPermitted, ValidationFailed
from crm.models import Order, Payment, StockLevel
from crm.services.commerce import order_create, order_set_status
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from engine.services import complete_task, fire_due_timers
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import complete, completed_steps, inbox, instance_for, notified, open_task, queue, todo

MANAGER = "Sales manager approval 销售经理审批"
FINANCE = "Finance approval 财务审批"
SHIP = "Ship the order 发货"
PAYMENT = "Record a payment 登记收款"


@pytest.fixture
def shop(demo, deploy):
    deploy("order_approval")
    product = ProductFactory(code="PUMP-1", price=500)
    StockLevel.objects.create(product=product, warehouse=WarehouseFactory(), on_hand=300)
    return CustomerFactory(owner=demo.zhang_wei), product


def submit(demo, shop, quantity=2, price=500, discount=0) -> Order:
    customer, product = shop
    order = order_create(
        actor=demo.zhang_wei,
        customer=customer,
        lines=[{"product": product, "quantity": quantity, "price": price, "discount_percent": discount}],
    )
    return order_set_status(actor=demo.zhang_wei, order=order, status=Order.Status.SUBMITTED)


def status(order) -> str:
    order.refresh_from_db()
    return order.status


def test_small_order_manager_ship_pay_in_two_instalments(demo, shop):
    order = submit(demo, shop)  # 1,000
    instance = instance_for(order)
    assert inbox(demo.wang_fang) == [MANAGER]
    assert todo(demo.sun_hong) == [] and todo(demo.ma_chao) == []

    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    assert status(order) == Order.Status.APPROVED
    assert queue(demo.ma_chao) == [SHIP] and todo(demo.sun_hong) == []
    complete(demo.ma_chao, SHIP, {"carrier": "SF", "tracking_number": "SF123"})

    assert status(order) == Order.Status.SHIPPED
    assert StockLevel.objects.get(product=shop[1]).on_hand == 298
    assert queue(demo.sun_hong) == [PAYMENT]
    complete(demo.sun_hong, PAYMENT, {"amount": 400, "paid_on": "2030-01-10", "method": "transfer"})

    assert status(order) == Order.Status.SHIPPED  # 600 outstanding: finance gets the step again
    assert queue(demo.sun_hong) == [PAYMENT]
    complete(demo.sun_hong, PAYMENT, {"amount": 600})

    instance.refresh_from_db()
    assert status(order) == Order.Status.PAID
    assert sum(p.amount for p in Payment.objects.filter(order=order)) == Decimal(1000)
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert completed_steps(instance) == ["manager_approval", "ship", "payment", "payment"]


def test_large_order_also_needs_finance(demo, shop):
    order = submit(demo, shop, quantity=250)  # 125,000: the DMN table adds finance
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    assert status(order) == Order.Status.SUBMITTED
    assert queue(demo.sun_hong) == [FINANCE]
    assert todo(demo.ma_chao) == []
    complete(demo.sun_hong, FINANCE, {"decision": "approve"})
    assert status(order) == Order.Status.APPROVED
    assert queue(demo.ma_chao) == [SHIP]


def test_heavy_discount_also_needs_finance_who_rejects(demo, shop):
    order = submit(demo, shop, discount=25)
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    complete(demo.sun_hong, FINANCE, {"decision": "reject", "comment": "Margin too thin"})

    assert status(order) == Order.Status.REJECTED
    assert notified(demo.zhang_wei, "task_escalated")  # the salesperson is told
    assert instance_for(order).status == ProcessInstance.Status.COMPLETED


def test_manager_rejects(demo, shop):
    order = submit(demo, shop)
    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "Price too low"})
    assert status(order) == Order.Status.REJECTED
    assert todo(demo.ma_chao) == [] and todo(demo.sun_hong) == []


def test_out_of_stock_is_rejected_without_approval(demo, shop):
    order = submit(demo, shop, quantity=301)
    assert status(order) == Order.Status.REJECTED
    assert todo(demo.wang_fang) == []
    assert StockLevel.objects.get(product=shop[1]).on_hand == 300


def test_waiting_approval_reminds_the_approver(demo, shop):
    submit(demo, shop)
    assert notified(demo.wang_fang, "task_overdue") == []

    fire_due_timers(timezone.now() + datetime.timedelta(days=1, minutes=1))

    assert len(notified(demo.wang_fang, "task_overdue")) == 1
    assert inbox(demo.wang_fang) == [MANAGER]  # still waiting for the decision


def test_bad_input_leaves_the_instance_unchanged(demo, shop):
    order = submit(demo, shop)
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    complete(demo.ma_chao, SHIP, {"tracking_number": "SF1"})
    task = open_task(demo.sun_hong, PAYMENT)
    events = InstanceEvent.objects.filter(instance=task.instance).count()

    with pytest.raises(ValidationFailed) as error:
        complete(demo.sun_hong, PAYMENT, {"amount": "lots"})
    assert "amount" in error.value.fields
    with pytest.raises(ValidationFailed):
        complete(demo.sun_hong, PAYMENT, {"amount": 10, "paid_on": "yesterday"})
    with pytest.raises(NotPermitted):
        complete_task(task.pk, user=demo.wang_fang, data={"amount": 1000})

    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY
    assert InstanceEvent.objects.filter(instance=task.instance).count() == events
    assert not Payment.objects.filter(order=order).exists()
    assert status(order) == Order.Status.SHIPPED
