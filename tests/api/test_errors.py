"""Every failure answers with one JSON shape: {"code", "message", "fields", "location"}."""

from __future__ import annotations

import pytest

from org.models import Department

pytestmark = pytest.mark.django_db

SHAPE = {"code", "message", "fields", "location"}


def test_field_errors_are_listed_per_field(demo, client_for):
    response = client_for(demo["admin"]).post("/api/v1/departments/", {"name": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == SHAPE and body["code"] == "validation_failed"
    assert set(body["fields"]) == {"code", "name"}
    assert all(isinstance(m, str) for ms in body["fields"].values() for m in ms)


def test_a_domain_rule_violation_is_a_400_with_the_field(demo, client_for):
    # given a department tree HQ > SALES; when HQ is moved under SALES (a cycle)
    hq, sales = Department.objects.get(code="HQ"), Department.objects.get(code="SALES")
    response = client_for(demo["admin"]).patch(
        f"/api/v1/departments/{hq.pk}/", {"parent": sales.pk}, format="json"
    )
    # then the service's ValidationFailed comes back located on the field, and nothing changed
    assert response.status_code == 400
    assert set(response.json()) == SHAPE and "parent" in response.json()["fields"]
    hq.refresh_from_db()
    assert hq.parent_id is None


def test_malformed_json_is_a_400(demo, client_for):
    response = client_for(demo["admin"]).generic(
        "POST", "/api/v1/departments/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


@pytest.mark.parametrize("path", ["/api/v1/departments/999999/", "/api/v1/departments/abc/"])
def test_unknown_object_is_a_404(demo, client_for, path):
    response = client_for(demo["admin"]).get(path)
    assert response.status_code == 404
    assert set(response.json()) == SHAPE and response.json()["code"] == "not_found"


def test_anonymous_is_401_and_portal_user_is_403(demo, client_for):
    anonymous = client_for(None).get("/api/v1/departments/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    portal = client_for(demo["portal"]).get("/api/v1/departments/")
    assert portal.status_code == 403 and set(portal.json()) == SHAPE


def test_wrong_method_is_a_405_in_the_same_shape(demo, client_for):
    response = client_for(demo["admin"]).put("/api/v1/me/", {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_schema_and_viewers_are_served(demo, client_for):
    client = client_for(demo["admin"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    doc = schema.json()
    assert doc["openapi"].startswith("3.")
    # every operation documents the error shape
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert {"400", "401", "403"} <= set(operation["responses"]), (method, path)
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 200


def test_an_id_filter_out_of_range_is_a_located_400_before_any_query(demo, client_for):
    from django.db import connection

    client = client_for(demo["admin"])
    for value in ("99999999999999999999999", "-1", "abc"):
        response = client.get("/api/v1/employees/", {"department": value})
        assert response.status_code == 400 and "department" in response.json()["fields"], value
    # the request's transaction is still usable (an overflow inside the database would break it)
    assert not connection.needs_rollback
    assert client.get("/api/v1/employees/", {"department": demo["admin"].pk}).status_code == 200


def test_a_task_id_beyond_the_column_range_is_a_404(demo, client_for):
    from django.db import connection

    client = client_for(demo["admin"])
    response = client.post("/api/v1/tasks/99999999999999999999999/complete/", {"data": {}}, format="json")
    assert response.status_code == 404
    assert not connection.needs_rollback


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/docs/?script=", "/api/redoc/"])
def test_schema_and_viewers_are_refused_to_anonymous_callers(demo, client_for, path):
    response = client_for(None).get(path)
    assert response.status_code in (401, 403)
    assert b"openapi" not in response.content.lower() and b"/api/v1/customers/" not in response.content


def test_schema_and_viewers_are_refused_to_portal_customers(demo, client_for):
    assert client_for(demo["portal"]).get("/api/schema/").status_code == 403


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_operator_can_publish_schema_and_viewers(demo, client_for, settings, path):
    settings.API_DOCS_PUBLIC = True
    assert client_for(None).get(path).status_code == 200
