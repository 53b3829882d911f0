"""Budgets and stock availability through the API: budgets with lines, adjustments with a reason
and the completion report; stock levels with what is reserved for approved orders."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from crm.models import Budget, BudgetAdjustment, Order, OrderLine, StockLevel, StockReservation
from org.models import User
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def _sales_budget(client, user, planned="100000.00"):
    return client.post(
        "/api/v1/budgets/",
        {
            "name": "2026 年销售目标",
            "kind": "sales",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "lines": [{"salesperson": user.pk, "planned": planned}],
        },
    )


def test_budget_create_adjust_and_report(demo, client_for):
    manager, zhang = demo["sales_manager"], demo["salesperson"]
    wang = client_for(manager)
    created = _sales_budget(wang, zhang)
    assert created.status_code == 201, created.content
    budget = created.json()
    line = budget["lines"][0]
    assert line["salesperson"] == zhang.pk and line["planned"] == "100000.00"
    assert AuditEvent.objects.filter(
        action="create", object_type="crm.budget", object_id=str(budget["id"])
    ).exists()
    # an approved order of zhang's in the period counts towards his target
    order = Order.objects.create(
        customer=CustomerFactory(owner=zhang),
        code="SOBUDGET01",
        owner=zhang,
        ordered_on=datetime.date(2026, 3, 1),
        status="approved",
        total_amount=Decimal("25000.00"),
    )
    assert order.pk
    adjusted = wang.post(
        f"/api/v1/budgets/{budget['id']}/adjust/",
        {"line": line["id"], "planned": "50000.00", "reason": "新区域"},
    )
    assert adjusted.status_code == 201, adjusted.content
    assert (adjusted.json()["old_amount"], adjusted.json()["new_amount"]) == ("100000.00", "50000.00")
    report = wang.get(f"/api/v1/budgets/{budget['id']}/report/").json()
    assert report["planned"] == "50000.00" and report["actual"] == "25000.00"
    assert report["rows"][0]["percent"] == "50.0" and report["rows"][0]["remaining"] == "25000.00"


def test_budget_junk_is_located_and_saves_nothing(demo, client_for):
    wang = client_for(demo["sales_manager"])
    base = {"name": "x", "kind": "sales", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}
    cases = [
        ({**base, "lines": []}, "lines"),
        ({**base, "lines": [{"salesperson": demo["salesperson"].pk, "planned": "-1"}]}, "lines.0.planned"),
        ({**base, "lines": [{"planned": "10"}]}, "lines.1.salesperson"),
        ({**base, "kind": "dreams", "lines": [{"planned": "10"}]}, "kind"),
        (
            {
                **base,
                "ends_on": "2025-01-01",
                "lines": [{"salesperson": demo["salesperson"].pk, "planned": "1"}],
            },
            "ends_on",
        ),
    ]
    for body, field in cases:
        response = wang.post("/api/v1/budgets/", body)
        assert response.status_code == 400 and field in response.json()["fields"], (field, response.content)
    assert not Budget.objects.exists()


def test_budget_adjust_refusals(demo, client_for):
    manager = demo["sales_manager"]
    wang = client_for(manager)
    budget = _sales_budget(wang, demo["salesperson"]).json()
    other = _sales_budget(wang, demo["salesperson"]).json()
    url = f"/api/v1/budgets/{budget['id']}/adjust/"
    foreign_line = wang.post(url, {"line": other["lines"][0]["id"], "planned": "1.00", "reason": "x"})
    assert foreign_line.status_code == 400 and "line" in foreign_line.json()["fields"]
    same = wang.post(url, {"line": budget["lines"][0]["id"], "planned": "100000.00", "reason": "x"})
    assert same.status_code == 400 and "planned" in same.json()["fields"]
    no_reason = wang.post(url, {"line": budget["lines"][0]["id"], "planned": "1.00"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    # another salesperson's budget is invisible; a dispatcher has no budget rights
    liu = User.objects.get(username="liu.yang")
    assert client_for(liu).get(f"/api/v1/budgets/{budget['id']}/report/").status_code == 404
    assert client_for(demo["dispatcher"]).get("/api/v1/budgets/").status_code == 403
    assert not BudgetAdjustment.objects.exists()


def test_approving_an_order_reserves_stock_and_availability_shows_it(demo, client_for):
    admin = client_for(demo["admin"])
    product, warehouse = ProductFactory(), WarehouseFactory()
    StockLevel.objects.create(product=product, warehouse=warehouse, on_hand=10)
    zhang = demo["salesperson"]
    order = Order.objects.create(
        customer=CustomerFactory(owner=zhang),
        code="SORESERVE1",
        owner=zhang,
        status="submitted",
        ordered_on=datetime.date(2026, 11, 2),
    )
    OrderLine.objects.create(order=order, product=product, unit="pc", quantity=4, price=1, amount=4)
    approved = admin.post(f"/api/v1/orders/{order.pk}/status/", {"status": "approved"})
    assert approved.status_code == 200, approved.content
    level = admin.get("/api/v1/stock-levels/", {"product": product.pk}).json()["results"][0]
    assert (level["on_hand"], level["reserved"], level["available"]) == ("10.000", "4.000", "6.000")
    reservations = client_for(zhang).get("/api/v1/stock-reservations/", {"order": order.pk}).json()
    assert [(r["product"], r["quantity"], r["status"]) for r in reservations["results"]] == [
        (product.pk, "4.000", "active")
    ]
    # another salesperson does not see zhang's order's reservations; a dispatcher no stock at all
    liu = User.objects.get(username="liu.yang")
    assert client_for(liu).get("/api/v1/stock-reservations/", {"order": order.pk}).json()["count"] == 0
    reservation = StockReservation.objects.get(order=order)
    assert client_for(liu).get(f"/api/v1/stock-reservations/{reservation.pk}/").status_code == 404
    assert client_for(demo["dispatcher"]).get("/api/v1/stock-levels/").status_code == 403
    # junk filter values are a located 400
    junk = admin.get("/api/v1/stock-levels/", {"product": "abc"})
    assert junk.status_code == 400 and "product" in junk.json()["fields"]
