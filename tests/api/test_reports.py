"""Reports through the API: the catalogue the caller may see, each report's figures scoped to the
records the caller may see, located filter errors, and the audited Excel export."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from crm.models import Opportunity
from org.models import User
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _deal(owner, amount):
    return Opportunity.objects.create(
        customer=CustomerFactory(owner=owner), name="Deal", owner=owner, amount=amount
    )


def test_catalogue_follows_the_view_rights(demo, client_for):
    zhang = client_for(demo["salesperson"]).get("/api/v1/reports/").json()
    entries = {entry["slug"]: entry for entry in zhang}
    assert "funnel" in entries and entries["funnel"]["can_export"] is False
    dispatcher = {entry["slug"] for entry in client_for(demo["dispatcher"]).get("/api/v1/reports/").json()}
    assert "funnel" not in dispatcher and "service" in dispatcher


def test_a_report_counts_only_what_the_caller_may_see(demo, client_for):
    _deal(demo["salesperson"], 100)
    _deal(User.objects.get(username="liu.yang"), 900)
    mine = client_for(demo["salesperson"]).get("/api/v1/reports/funnel/").json()
    summary = {row["label"]: row["value"] for row in mine["summary"]}
    assert summary["Opportunities"] == 1
    team = client_for(demo["sales_manager"]).get("/api/v1/reports/funnel/").json()
    assert {row["label"]: row["value"] for row in team["summary"]}["Opportunities"] == 2
    assert team["tables"][0]["columns"][0] == {"key": "label", "header": "Stage"}


def test_report_refusals_and_junk_filters(demo, client_for):
    zhang = client_for(demo["salesperson"])
    bad_date = zhang.get("/api/v1/reports/sales/", {"date_from": "yesterday"})
    assert bad_date.status_code == 400 and "date_from" in bad_date.json()["fields"]
    backwards = zhang.get("/api/v1/reports/sales/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert backwards.status_code == 400 and "date_to" in backwards.json()["fields"]
    assert zhang.get("/api/v1/reports/weather/").status_code == 404
    assert client_for(demo["dispatcher"]).get("/api/v1/reports/funnel/").status_code == 403
    assert client_for(None).get("/api/v1/reports/").status_code == 401


def test_export_needs_the_export_right_and_is_audited(demo, client_for):
    _deal(demo["sales_manager"], 300)
    assert client_for(demo["salesperson"]).get("/api/v1/reports/funnel/export/").status_code == 403
    response = client_for(demo["sales_manager"]).get(
        "/api/v1/reports/funnel/export/", {"date_from": "2026-01-01"}
    )
    assert response.status_code == 200 and response.content.startswith(b"PK")
    event = AuditEvent.objects.get(action="export", actor=demo["sales_manager"])
    assert event.extra["filters"]["report"] == "funnel"
