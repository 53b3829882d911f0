"""The manager approving an order sees the order on the task page (issue 20, the order part of its
first item): the customer, each line with its price, discount and the stock free for it, the
total, and what the customer already owes."""

import re

import pytest
from django.test import Client

from crm.models import Order, StockLevel
from crm.services.commerce import order_create, order_set_status
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import open_task

MANAGER = "Sales manager approval 销售经理审批"


@pytest.fixture
def submitted(demo, deploy):
    deploy("order_approval")
    pump = ProductFactory(code="PUMP-1", name="Centrifugal pump 离心泵", price=1500)
    valve = ProductFactory(code="VALVE-2", name="Gate valve 闸阀", price=200)
    warehouse = WarehouseFactory()
    StockLevel.objects.create(product=pump, warehouse=warehouse, on_hand=12)
    StockLevel.objects.create(product=valve, warehouse=warehouse, on_hand=8)
    customer = CustomerFactory(owner=demo.zhang_wei, name="上海明远机械有限公司")
    order = order_create(
        actor=demo.zhang_wei,
        customer=customer,
        lines=[
            {"product": pump, "quantity": 10, "price": 1500, "discount_percent": 10},
            {"product": valve, "quantity": 5, "price": 200},
        ],
    )
    return order_set_status(actor=demo.zhang_wei, order=order, status=Order.Status.SUBMITTED)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.django_db
def test_the_approver_sees_the_order_she_decides_on(demo, submitted):
    # given the order waiting for wang.fang, its 10 pumps and 5 valves reserved by the stock check
    task = open_task(demo.wang_fang, MANAGER)
    browser = Client()
    browser.force_login(demo.wang_fang)

    # when she opens the approval task
    page = browser.get(f"/tasks/{task.pk}/")

    # then she sees the customer, both lines with their amounts, the discount, total and stock
    assert page.status_code == 200
    text = _text(page)
    assert "上海明远机械有限公司" in text
    assert "Centrifugal pump 离心泵" in text and "Gate valve 闸阀" in text
    assert "¥14,500.00" in text  # 10 pumps at 1,500 less 10 %, and 5 valves at 200
    assert "¥1,500.00" in text  # the discount against the list price
    assert "¥13,500.00" in text  # the pump line
    html = page.content.decode()
    # the stock there for each line: what is free plus what this order already holds
    in_stock = re.findall(r'data-label="In stock"[^>]*>\s*([\d.,]+)', html)
    assert in_stock == ["12", "8"] and 'data-short="true"' not in html
    assert f'href="/orders/{submitted.pk}/"' in html


@pytest.mark.django_db
def test_someone_who_may_not_see_the_order_gets_no_summary_of_it(demo, submitted, settings):
    # a colleague in another team, who can see the task as an administrator of tasks would not
    from crm.selectors.orders import order_summary

    assert order_summary(user=demo.chen_jing, pk=submitted.pk) is None
    assert order_summary(user=demo.wang_fang, pk=submitted.pk).order == submitted
