"""Access through involvement (issue #20, item 2): whoever holds, held or is offered a task about a
record may view it and its customer's basics, in the staff UI and the API, read-only; an uninvolved
colleague still may not, and involvement never grants change or delete.

The people are the demo company's: the warehouse (ma.chao) and finance (sun.hong) have no CRM
rights at all; the service side (dispatchers xu.li and huang.qiang, technician zhou.jie) sees
complaints only of customers in their scope, never the sales customers they are about."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from crm.models import Complaint, Contact, Customer, Order, StockLevel
from crm.services.commerce import order_create, order_set_status
from crm.services.service import complaint_submit
from engine.models import ProcessInstance
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import complete, instance_for

SHIP = "Ship the order 发货"
PAYMENT = "Record a payment 登记收款"
TRIAGE = "Triage 分派"
INVESTIGATE = "Investigate and resolve 调查处理"
STAFF_RATING = "Record the customer's rating 代客户评价"


def page(user, url) -> int:
    client = Client()
    client.force_login(user)
    return client.get(url).status_code


def api(user, method, url, body=None) -> int:
    client = APIClient()
    client.force_authenticate(user)
    return getattr(client, method)(url, body, format="json").status_code


@pytest.fixture
def order(demo, deploy):
    deploy("order_approval")
    product = ProductFactory(code="PUMP-1", price=500)
    StockLevel.objects.create(product=product, warehouse=WarehouseFactory(), on_hand=300)
    customer = CustomerFactory(owner=demo.zhang_wei, name="Acme Pumps 阿克米泵业")
    order = order_create(
        actor=demo.zhang_wei,
        customer=customer,
        lines=[{"product": product, "quantity": 2, "price": 500, "discount_percent": 0}],
    )
    return order_set_status(actor=demo.zhang_wei, order=order, status=Order.Status.SUBMITTED)


@pytest.fixture
def complaint(demo, deploy):
    deploy("complaint")
    customer = CustomerFactory(owner=demo.zhang_wei, name="Beta Boilers 贝塔锅炉")
    return complaint_submit(actor=demo.zhang_wei, customer=customer, subject="Leaks 漏水", severity="high")


def test_the_warehouse_opens_the_order_it_ships_and_finance_the_one_it_books(demo, order):
    # given an approved order waiting in the warehouse's queue
    complete(demo.wang_fang, "Sales manager approval 销售经理审批", {"decision": "approve"})
    order_url, customer_url = f"/orders/{order.pk}/", f"/customers/{order.customer_id}/"

    # then the warehouse (offered the shipping task) opens the order and its customer's basics
    assert page(demo.ma_chao, order_url) == 200
    assert page(demo.ma_chao, customer_url) == 200
    assert api(demo.ma_chao, "get", f"/api/v1/orders/{order.pk}/") == 200
    assert api(demo.ma_chao, "get", f"/api/v1/customers/{order.customer_id}/") == 200
    # finance has no task yet: neither the order nor the customer
    assert page(demo.sun_hong, order_url) == 404
    assert api(demo.sun_hong, "get", f"/api/v1/orders/{order.pk}/") == 404

    # when the warehouse ships, finance is offered the payment
    complete(demo.ma_chao, SHIP, {"carrier": "SF", "tracking_number": "SF1"})
    assert page(demo.sun_hong, order_url) == 200
    assert api(demo.sun_hong, "get", f"/api/v1/orders/{order.pk}/") == 200
    # and the warehouse keeps its view of the order it shipped (held)
    assert page(demo.ma_chao, order_url) == 200

    # involvement is view only: no change, no delete, no list of every order
    assert api(demo.ma_chao, "patch", f"/api/v1/orders/{order.pk}/", {"notes": "x"}) == 403
    assert api(demo.ma_chao, "delete", f"/api/v1/orders/{order.pk}/") == 403
    assert api(demo.ma_chao, "get", "/api/v1/orders/") == 403
    assert not Order.objects.visible_to(demo.ma_chao, "change").exists()
    assert not Customer.objects.visible_to(demo.ma_chao, "change").exists()


def test_the_customer_card_seen_through_a_task_shows_its_basics_only(demo, order):
    complete(demo.wang_fang, "Sales manager approval 销售经理审批", {"decision": "approve"})
    client = Client()
    client.force_login(demo.ma_chao)
    response = client.get(f"/customers/{order.customer_id}/")
    html = response.content.decode()
    assert "Acme Pumps" in html and 'id="basics-only"' in html
    assert "Receivable" not in html and "?tab=history" not in html and "?tab=opportunities" not in html
    # the owner's card is the full card
    client.force_login(demo.zhang_wei)
    html = client.get(f"/customers/{order.customer_id}/").content.decode()
    assert 'id="basics-only"' not in html and "?tab=history" in html


def test_an_uninvolved_colleague_still_gets_404(demo, order, complaint):
    complete(demo.wang_fang, "Sales manager approval 销售经理审批", {"decision": "approve"})
    # wu.tao is a technician too, but no task of his is about this complaint or this order
    assert page(demo.wu_tao, f"/complaints/{complaint.pk}/") == 404
    assert page(demo.wu_tao, f"/customers/{complaint.customer_id}/") == 404
    assert page(demo.wu_tao, f"/orders/{order.pk}/") == 404
    assert api(demo.wu_tao, "get", f"/api/v1/complaints/{complaint.pk}/") == 404
    assert api(demo.wu_tao, "get", f"/api/v1/orders/{order.pk}/") == 404
    # zhu.lin (HR) neither: no CRM right, no task
    assert page(demo.zhu_lin, f"/orders/{order.pk}/") == 404
    assert page(demo.zhu_lin, f"/customers/{order.customer_id}/") == 404


def test_complaint_triager_handler_and_service_manager_open_the_complaint_and_customer(demo, complaint):
    complaint_url = f"/complaints/{complaint.pk}/"
    customer_url = f"/customers/{complaint.customer_id}/"
    # offered the triage: both dispatchers (the service manager is one of them)
    for person in (demo.xu_li, demo.huang_qiang):
        assert page(person, complaint_url) == 200, person
        assert page(person, customer_url) == 200, person
        assert api(person, "get", f"/api/v1/complaints/{complaint.pk}/") == 200
    # the technician has no task yet
    assert page(demo.zhou_jie, complaint_url) == 404

    complete(
        demo.xu_li,
        TRIAGE,
        {"category": "product", "department": "SERVICE", "handler": "zhou.jie", "severity": "high"},
    )
    # the handler holds the investigation: complaint, customer and its contacts open, read-only
    contact = Contact.objects.create(customer_id=complaint.customer_id, name="李娜 Li Na", phone="021-5555")
    assert page(demo.zhou_jie, complaint_url) == 200
    assert page(demo.zhou_jie, customer_url) == 200
    assert page(demo.zhou_jie, f"/contacts/{contact.pk}/") == 200
    assert page(demo.wu_tao, f"/contacts/{contact.pk}/") == 404
    assert api(demo.zhou_jie, "get", f"/api/v1/complaints/{complaint.pk}/") == 200
    assert api(demo.zhou_jie, "get", f"/api/v1/customers/{complaint.customer_id}/") == 200
    assert api(demo.zhou_jie, "patch", f"/api/v1/customers/{complaint.customer_id}/", {"phone": "1"}) == 403
    assert api(demo.zhou_jie, "delete", f"/api/v1/complaints/{complaint.pk}/") in (403, 405)
    # the service manager sees his team's complaint by his row scope (zhou.jie is in it)
    by_scope = Complaint.objects.visible_to(demo.huang_qiang, through_tasks=False)
    assert by_scope.filter(pk=complaint.pk).exists()
    assert page(demo.huang_qiang, complaint_url) == 200


def test_a_task_holder_keeps_view_after_the_instance_ended(demo, complaint):
    complete(
        demo.xu_li,
        TRIAGE,
        {"category": "product", "department": "SERVICE", "handler": "zhou.jie", "severity": "high"},
    )
    complete(demo.zhou_jie, INVESTIGATE, {"resolution": "Seal replaced"})
    complete(demo.xu_li, STAFF_RATING, {"rating": 5})
    assert instance_for(complaint).status == ProcessInstance.Status.COMPLETED
    # zhou.jie held a task; now nothing is open, yet he still opens the complaint
    assert page(demo.zhou_jie, f"/complaints/{complaint.pk}/") == 200
    assert api(demo.zhou_jie, "get", f"/api/v1/complaints/{complaint.pk}/") == 200
