"""The audit log: every write through the API leaves exactly one audit row (tested generically
over every entity endpoint), and only administrators read the log."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tests.api.endpoints import ACTIONS, ENDPOINTS

pytestmark = pytest.mark.django_db


def _rows(action: str, model, pk) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=action, object_type=model._meta.label_lower, object_id=str(pk))
    )


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.create], ids=lambda e: e.name)
def test_every_create_writes_one_audit_row(demo, client_for, endpoint):
    admin = demo["admin"]
    response = client_for(admin).post(endpoint.path, endpoint.create(admin), format=endpoint.format)
    assert response.status_code == 201, response.content
    rows = _rows(endpoint.audit_action, endpoint.model, response.json()["id"])
    assert len(rows) == 1 and rows[0].actor == admin


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.change], ids=lambda e: e.name)
def test_every_change_writes_one_audit_row_with_the_changed_fields(demo, client_for, endpoint):
    admin = demo["admin"]
    record = endpoint.make(admin)
    response = client_for(admin).patch(f"{endpoint.path}{record.pk}/", endpoint.change, format="json")
    assert response.status_code == 200, response.content
    rows = _rows("change", endpoint.model, record.pk)
    assert len(rows) == 1 and rows[0].actor == admin
    assert set(endpoint.change) <= set(rows[0].changes), rows[0].changes


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.delete], ids=lambda e: e.name)
def test_every_delete_writes_one_audit_row(demo, client_for, endpoint):
    admin = demo["admin"]
    record = endpoint.make(admin)
    response = client_for(admin).delete(f"{endpoint.path}{record.pk}/")
    assert response.status_code == 204, response.content
    assert len(_rows("delete", endpoint.model, record.pk)) == 1


@pytest.mark.parametrize("action", [a for a in ACTIONS if a.writes], ids=lambda a: a.name)
def test_every_writing_action_leaves_an_audit_row(demo, client_for, action):
    admin = demo["admin"]
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = action.call(client_for(admin), admin)
    assert response.status_code == action.success, response.content
    assert AuditEvent.objects.filter(id__gt=before, actor=admin).exclude(action="view").exists()


def test_write_rows_carry_the_client_address_and_the_field_diff(demo, client_for):
    admin = client_for(demo["admin"])
    created = admin.post("/api/v1/departments/", {"code": "AUD", "name": "Audit"}, REMOTE_ADDR="10.1.2.3")
    admin.patch(f"/api/v1/departments/{created.json()['id']}/", {"name": "Audit 2"}, REMOTE_ADDR="10.1.2.3")
    change = AuditEvent.objects.get(action="change", object_type="org.department")
    assert change.ip == "10.1.2.3" and change.changes == {"name": ["Audit", "Audit 2"]}


def test_group_permission_changes_are_audited(demo, client_for):
    admin = client_for(demo["admin"])
    group = admin.post("/api/v1/groups/", {"name": "auditors", "permissions": ["crm.view_customer"]}).json()
    assert group["permissions"] == ["crm.view_customer"]
    admin.patch(f"/api/v1/groups/{group['id']}/", {"permissions": ["crm.view_customer", "crm.view_contact"]})
    rows = AuditEvent.objects.filter(action="permission", object_type="auth.group").order_by("id")
    assert [r.changes["permissions"][1] for r in rows] == [
        ["crm.view_customer"],
        ["crm.view_contact", "crm.view_customer"],
    ]
    unknown = admin.patch(f"/api/v1/groups/{group['id']}/", {"permissions": ["crm.fly_customer"]})
    assert unknown.status_code == 400 and "permissions" in unknown.json()["fields"]


def test_audit_log_is_for_administrators_and_filters(demo, client_for):
    client_for(demo["admin"]).post("/api/v1/departments/", {"code": "F1", "name": "Filter"})
    admin = client_for(demo["admin"])
    rows = admin.get("/api/v1/audit-events/", {"action": "create", "object_type": "org.department"}).json()
    assert rows["count"] == 1 and rows["results"][0]["object_label"] == "Filter"
    assert admin.get("/api/v1/audit-events/", {"ip": "not-an-ip"}).json()["count"] == 0
    assert client_for(demo["sales_manager"]).get("/api/v1/audit-events/").status_code == 403
    # the log cannot be changed through the API
    event_id = rows["results"][0]["id"]
    assert admin.delete(f"/api/v1/audit-events/{event_id}/").status_code == 405
    assert admin.patch(f"/api/v1/audit-events/{event_id}/", {}).status_code == 405
