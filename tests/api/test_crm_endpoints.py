"""CRM through the API: row-level visibility, writes through the services with their audit rows,
custom fields, orders with lines, the pool, export and the throttled view audit."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm.models import Customer, CustomFieldDefinition, Order
from org.models import User
from tests.crm.factories import CustomerFactory, PoolFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_salesperson_sees_own_customers_manager_sees_team(demo, client_for):
    # given customers of zhang (sales east), liu (sales east) and yang (sales north)
    zhang, liu, yang = (
        demo["salesperson"],
        User.objects.get(username="liu.yang"),
        User.objects.get(username="yang.lei"),
    )
    mine, colleague, north = (CustomerFactory(owner=u) for u in (zhang, liu, yang))
    # then zhang lists only his own, and cannot open the others' cards
    assert _ids(client_for(zhang).get("/api/v1/customers/")) == {mine.pk}
    assert client_for(zhang).get(f"/api/v1/customers/{colleague.pk}/").status_code == 404
    assert client_for(zhang).patch(f"/api/v1/customers/{colleague.pk}/", {"phone": "1"}).status_code == 404
    # wang heads sales east: her tree, not the north team
    assert _ids(client_for(demo["sales_manager"]).get("/api/v1/customers/")) == {mine.pk, colleague.pk}
    # management sees all; a technician has no customer rights in the seed beyond the service dept
    assert _ids(client_for(demo["admin"]).get("/api/v1/customers/")) >= {mine.pk, colleague.pk, north.pk}


def test_create_update_delete_customer_with_custom_fields_and_audit(demo, client_for):
    CustomFieldDefinition.objects.create(entity="customer", key="vip_note", label="VIP note")
    wang = client_for(demo["sales_manager"])
    created = wang.post(
        "/api/v1/customers/",
        {"name": "北京测试科技有限公司", "phone": "010-1234567", "custom": {"vip_note": "x"}},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner"] == demo["sales_manager"].pk and body["custom"] == {"vip_note": "x"} and body["code"]
    assert (
        AuditEvent.objects.filter(
            action="create", object_type="crm.customer", object_id=str(body["id"])
        ).count()
        == 1
    )
    # a bad value is a located 400 from the service; nothing changes
    bad = wang.patch(f"/api/v1/customers/{body['id']}/", {"email": "not-an-email"})
    assert bad.status_code == 400 and "email" in bad.json()["fields"]
    changed = wang.patch(f"/api/v1/customers/{body['id']}/", {"short_name": "测试"})
    assert changed.status_code == 200 and changed.json()["short_name"] == "测试"
    change = AuditEvent.objects.filter(
        action="change", object_type="crm.customer", object_id=str(body["id"])
    ).get()
    assert change.changes["short_name"] == ["", "测试"] and change.actor == demo["sales_manager"]
    # a duplicate is a 409 unless allowed
    dup = wang.post("/api/v1/customers/", {"name": "北京测试科技有限公司", "phone": "010-1234567"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_customer"
    deleted = wang.delete(f"/api/v1/customers/{body['id']}/")
    assert deleted.status_code == 204
    assert not Customer.objects.filter(pk=body["id"]).exists()
    assert (
        AuditEvent.objects.filter(
            action="delete", object_type="crm.customer", object_id=str(body["id"])
        ).count()
        == 1
    )


def test_salesperson_cannot_delete_customers(demo, client_for):
    mine = CustomerFactory(owner=demo["salesperson"])
    response = client_for(demo["salesperson"]).delete(f"/api/v1/customers/{mine.pk}/")
    assert response.status_code == 403
    assert Customer.objects.filter(pk=mine.pk).exists()


def test_viewing_a_card_is_audited_once_per_hour(demo, client_for):
    mine = CustomerFactory(owner=demo["salesperson"])
    zhang = client_for(demo["salesperson"])
    for _ in range(3):
        assert zhang.get(f"/api/v1/customers/{mine.pk}/").status_code == 200
    views = AuditEvent.objects.filter(action="view", object_type="crm.customer", object_id=str(mine.pk))
    assert views.count() == 1 and views.get().actor == demo["salesperson"]
    # another user viewing the same card gets their own row
    client_for(demo["sales_manager"]).get(f"/api/v1/customers/{mine.pk}/")
    assert views.count() == 2


def test_export_needs_the_right_and_is_audited(demo, client_for):
    CustomerFactory(owner=demo["salesperson"], name="Export Co")
    response = client_for(demo["salesperson"]).get("/api/v1/customers/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "Export Co" in response.content.decode()
    event = AuditEvent.objects.get(action="export")
    assert event.object_type == "crm.customer" and event.extra["rows"] == 1
    # salespeople may not export orders (the seed grants customer and contact exports only)
    assert client_for(demo["salesperson"]).get("/api/v1/orders/export/").status_code == 403


def test_order_with_lines(demo, client_for):
    customer = CustomerFactory(owner=demo["salesperson"])
    product = ProductFactory(price=10)
    zhang = client_for(demo["salesperson"])
    created = zhang.post(
        "/api/v1/orders/",
        {
            "customer": customer.pk,
            "lines": [
                {"product": product.pk, "quantity": "3"},
                {"product": product.pk, "quantity": "1", "price": "5"},
            ],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert len(body["lines"]) == 2 and float(body["total_amount"]) == 35.0
    bad = zhang.post(
        "/api/v1/orders/", {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": "-1"}]}
    )
    assert bad.status_code == 400 and any(k.startswith("lines") for k in bad.json()["fields"])
    assert Order.objects.count() == 1
    # someone else's customer is not a valid reference
    other = CustomerFactory(owner=User.objects.get(username="yang.lei"))
    hidden = zhang.post(
        "/api/v1/orders/", {"customer": other.pk, "lines": [{"product": product.pk, "quantity": "1"}]}
    )
    assert hidden.status_code == 400 and "customer" in hidden.json()["fields"]


def test_pool_claim_and_release(demo, client_for):
    pool = PoolFactory(claim_limit=1)
    waiting = CustomerFactory(owner=None, pool=pool, owned_since=None)
    zhang = client_for(demo["salesperson"])
    assert _ids(zhang.get(f"/api/v1/customer-pools/{pool.pk}/customers/")) == {waiting.pk}
    claimed = zhang.post(f"/api/v1/customer-pools/{pool.pk}/claim/", {"customer": waiting.pk})
    assert claimed.status_code == 200 and claimed.json()["owner"] == demo["salesperson"].pk
    again = client_for(User.objects.get(username="liu.yang")).post(
        f"/api/v1/customer-pools/{pool.pk}/claim/", {"customer": waiting.pk}
    )
    assert again.status_code == 409
    released = zhang.post(f"/api/v1/customers/{waiting.pk}/release/", {"reason": "no budget"})
    assert released.status_code == 200 and released.json()["owner"] is None


def test_a_card_shared_read_only_is_visible_but_not_writable(demo, client_for):
    # given yang's customer shared read-only with zhang (through the API, by its owner)
    yang = User.objects.get(username="yang.lei")
    card = CustomerFactory(owner=yang)
    shared = client_for(yang).post(f"/api/v1/customers/{card.pk}/share/", {"user": demo["salesperson"].pk})
    assert shared.status_code == 200, shared.content
    zhang = client_for(demo["salesperson"])
    # then zhang sees it, but a change is refused at the object level (403, not 404)
    assert zhang.get(f"/api/v1/customers/{card.pk}/").status_code == 200
    refused = zhang.patch(f"/api/v1/customers/{card.pk}/", {"short_name": "mine now"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    card.refresh_from_db()
    assert card.short_name == ""
    # an edit share lets him change it
    client_for(yang).post(
        f"/api/v1/customers/{card.pk}/share/", {"user": demo["salesperson"].pk, "level": "edit"}
    )
    assert zhang.patch(f"/api/v1/customers/{card.pk}/", {"short_name": "edited"}).status_code == 200
    assert AuditEvent.objects.filter(action="permission", object_id=str(card.pk)).count() == 2


def test_stock_in_out_transfer_through_the_ledger(demo, client_for):
    from tests.crm.factories import WarehouseFactory

    product, main, branch = ProductFactory(), WarehouseFactory(), WarehouseFactory()
    wang = client_for(demo["sales_manager"])
    booked = wang.post(
        "/api/v1/stock-moves/", {"kind": "in", "product": product.pk, "warehouse": main.pk, "quantity": "10"}
    )
    assert booked.status_code == 201, booked.content
    moved = wang.post(
        "/api/v1/stock-moves/",
        {
            "kind": "transfer",
            "product": product.pk,
            "warehouse": main.pk,
            "target_warehouse": branch.pk,
            "quantity": "4",
        },
    )
    assert moved.status_code == 201 and len(moved.json()["moves"]) == 2
    too_much = wang.post(
        "/api/v1/stock-moves/",
        {"kind": "out", "product": product.pk, "warehouse": branch.pk, "quantity": "5"},
    )
    assert too_much.status_code in (400, 409) and too_much.json()["message"]
    assert AuditEvent.objects.filter(action="create", object_type="crm.stockmove").count() == 3
    assert (
        client_for(demo["technician"])
        .post(
            "/api/v1/stock-moves/",
            {"kind": "in", "product": product.pk, "warehouse": main.pk, "quantity": "1"},
        )
        .status_code
        == 403
    )


def test_level_change_request(demo, client_for):
    from tests.crm.factories import CustomerLevelFactory

    gold = CustomerLevelFactory(code="GOLD")
    card = CustomerFactory(owner=demo["salesperson"])
    zhang = client_for(demo["salesperson"])
    assert gold.pk in {level["id"] for level in zhang.get("/api/v1/customer-levels/").json()["results"]}
    asked = zhang.post(
        f"/api/v1/customers/{card.pk}/level-change/", {"to_level": gold.pk, "reason": "big orders"}
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["to_level"] == gold.pk and asked.json()["status"] == "pending"
    again = zhang.post(f"/api/v1/customers/{card.pk}/level-change/", {"to_level": gold.pk})
    assert again.status_code == 409
