"""Processes own their business object and the fields they drive (issue 19, defects 1 and 2):
connectors act on the instance's stored record whatever the process data names, and an order's
status moves only through its approval process while that runs."""

import contextlib
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from core.errors import ValidationFailed
from crm import connectors
from crm.models import Opportunity, Order, Payment, StockLevel, StockReservation
from crm.services.commerce import order_create, order_set_status
from engine.connectors import set_step_actor, set_step_instance
from engine.models import ProcessInstance
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import complete, forged, instance_for

POTENTIAL = "Potential 潜在客户"
MANAGER = "Sales manager approval 销售经理审批"


def test_a_stage_task_completed_with_data_naming_a_colleagues_deal_closes_only_ones_own(demo, two_deals):
    # given my stage task and a colleague's opportunity I cannot see
    _mine, theirs = two_deals
    assert not Opportunity.objects.visible_to(demo.zhang_wei).filter(pk=theirs.pk).exists()
    # when I complete my task as lost with data naming the colleague's opportunity
    with contextlib.suppress(ValidationFailed):  # the engine may refuse the forged field outright
        complete(demo.zhang_wei, POTENTIAL, {"outcome": "lost", "lost_reason": "gone", **forged(theirs)})
    # then the colleague's opportunity is untouched
    theirs.refresh_from_db()
    assert (theirs.status, theirs.stage_id) == (Opportunity.Status.OPEN, "potential")
    assert not AuditEvent.objects.filter(object_type="crm.opportunity", object_id=str(theirs.pk)).exclude(
        action="create"
    )


def test_connectors_act_on_the_instances_own_record_whatever_the_data_names(demo, two_deals):
    # given a step of my stage process whose data was forged to name the colleague's deal
    mine, theirs = two_deals
    set_step_instance(instance_for(mine))
    set_step_actor(demo.zhang_wei)
    try:
        # when its connectors run
        connectors.set_opportunity_stage({"stage": "lead"}, forged(theirs))
        connectors.close_opportunity({"won": "no"}, {**forged(theirs), "lost_reason": "gone"})
    finally:
        set_step_instance(None)
        set_step_actor(None)
    # then they moved my deal, in the process's name, and left theirs alone
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.stage_id, mine.status) == ("lead", Opportunity.Status.LOST)
    assert (theirs.stage_id, theirs.status) == ("potential", Opportunity.Status.OPEN)
    row = AuditEvent.objects.filter(object_type="crm.opportunity", object_id=str(mine.pk)).latest("id")
    assert row.actor == demo.zhang_wei
    assert row.actor_label.endswith("· zhang.wei") and row.extra["process"] == "opportunity_stages"
    assert row.extra["process_instance"] == instance_for(mine).pk


@pytest.fixture
def submitted(demo, deploy):
    deploy("order_approval")
    product = ProductFactory(code="PUMP-9", price=500)
    StockLevel.objects.create(product=product, warehouse=WarehouseFactory(), on_hand=10)
    order = order_create(
        actor=demo.zhang_wei,
        customer=CustomerFactory(owner=demo.zhang_wei),
        lines=[{"product": product, "quantity": 2, "price": 500}],
    )
    return order_set_status(actor=demo.zhang_wei, order=order, status=Order.Status.SUBMITTED), product


def test_the_api_refuses_an_order_status_while_its_approval_waits_and_stock_is_reserved_once(demo, submitted):
    # given my order waiting for the sales manager's approval
    order, product = submitted
    api = APIClient()
    api.force_authenticate(demo.zhang_wei)
    # when I set it approved, shipped, paid myself
    answers = [
        api.post(f"/api/v1/orders/{order.pk}/status/", {"status": status}, format="json")
        for status in ("approved", "shipped", "paid")
    ]
    # then each is refused with 409 naming the process and its open task, and nothing moved
    assert [a.status_code for a in answers] == [409, 409, 409]
    message = answers[0].json()["message"]
    assert order.code in message and "Order approval" in message and MANAGER in message
    assert answers[0].json()["code"] == "owned_by_process"
    order.refresh_from_db()
    assert order.status == Order.Status.SUBMITTED
    assert not StockReservation.objects.filter(order=order).exists()
    # when the manager approves
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    # then the order is approved, its stock reserved once, in the process's name
    order.refresh_from_db()
    assert order.status == Order.Status.APPROVED
    assert StockLevel.objects.get(product=product).reserved == Decimal(2)
    assert StockReservation.objects.filter(order=order).count() == 1
    row = AuditEvent.objects.filter(object_type="crm.order", object_id=str(order.pk)).latest("id")
    assert row.changes == {"status": ["submitted", "approved"]} and row.actor == demo.wang_fang
    assert row.extra["process"] == "order_approval"


def test_a_process_owned_status_moves_again_by_hand_once_the_process_is_over(demo, submitted):
    # given an order whose approval process was rejected (the process ended)
    order, _product = submitted
    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "no"})
    order.refresh_from_db()
    assert order.status == Order.Status.REJECTED
    assert instance_for(order).status != ProcessInstance.Status.RUNNING
    # when the salesperson takes it back to draft, then it moves
    assert order_set_status(actor=demo.zhang_wei, order=order, status=Order.Status.DRAFT).status == "draft"


def test_shipping_and_payments_of_the_process_go_through_the_stock_and_payment_services(demo, submitted):
    # given an approved order
    order, product = submitted
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    # when the warehouse ships it and finance records the whole payment
    complete(demo.ma_chao, "Ship the order 发货", {"carrier": "SF", "tracking_number": "SF1"})
    complete(demo.sun_hong, "Record a payment 登记收款", {"amount": 1000, "paid_on": "2030-01-10"})
    # then the ledger, the payment and the status each have the services' audit row, in the
    # process's name with the user who drove the step
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert StockLevel.objects.get(product=product).on_hand == 8
    payment = Payment.objects.get(order=order)
    row = AuditEvent.objects.get(action="create", object_type="crm.payment", object_id=str(payment.pk))
    assert (row.actor, row.extra["process"]) == (demo.sun_hong, "order_approval")
    assert row.actor_label.endswith("· sun.hong") and payment.created_by == demo.sun_hong
    statuses = AuditEvent.objects.filter(object_type="crm.order", object_id=str(order.pk), action="change")
    assert [
        (r.changes["status"], r.actor.username, r.extra.get("process")) for r in statuses.order_by("id")
    ] == [
        (["draft", "submitted"], "zhang.wei", None),
        (["submitted", "approved"], "wang.fang", "order_approval"),
        (["approved", "shipped"], "ma.chao", "order_approval"),
        (["shipped", "paid"], "sun.hong", "order_approval"),
    ]
