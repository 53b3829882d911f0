"""Token authentication for integrations: hashed at rest, revocable, last use recorded, throttled."""

from __future__ import annotations

import hashlib

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from api.models import ApiToken
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _issue(client_for, user, name="ERP sync") -> dict:
    response = client_for(user).post("/api/v1/tokens/", {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_token_secret_is_shown_once_and_stored_hashed(demo, client_for):
    # given / when a salesperson creates a token
    body = _issue(client_for, demo["salesperson"])
    # then the answer carries the secret, the database only its SHA-256
    token = ApiToken.objects.get(pk=body["id"])
    assert body["secret"].startswith(token.prefix)
    assert token.key_hash == hashlib.sha256(body["secret"].encode()).hexdigest()
    assert body["secret"] not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    listed = client_for(demo["salesperson"]).get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["ERP sync"] and "secret" not in listed[0]
    assert AuditEvent.objects.filter(
        action="create", object_type="api.apitoken", object_id=str(token.pk)
    ).exists()


def test_token_authenticates_and_records_last_use(demo, client_for):
    body = _issue(client_for, demo["salesperson"])
    assert ApiToken.objects.get(pk=body["id"]).last_used_at is None
    response = _bearer(body["secret"]).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "zhang.wei"
    assert ApiToken.objects.get(pk=body["id"]).last_used_at is not None


def test_revoked_or_unknown_token_is_refused(demo, client_for):
    body = _issue(client_for, demo["salesperson"])
    owner = client_for(demo["salesperson"])
    assert owner.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    response = _bearer(body["secret"]).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert "Bearer" in response["WWW-Authenticate"]
    assert _bearer("bt_not-a-token").get("/api/v1/me/").status_code == 401
    # the revoked token stays listed, marked inactive
    listed = owner.get("/api/v1/tokens/").json()["results"]
    assert listed[0]["active"] is False and listed[0]["revoked_at"]


def test_users_see_and_revoke_only_their_own_tokens(demo, client_for):
    body = _issue(client_for, demo["salesperson"])
    other = client_for(demo["sales_manager"])
    assert other.get("/api/v1/tokens/").json()["results"] == []
    assert other.delete(f"/api/v1/tokens/{body['id']}/").status_code == 404
    assert ApiToken.objects.get(pk=body["id"]).revoked_at is None


@pytest.fixture(params=["local memory", pytest.param("redis", marks=pytest.mark.redis)])
def rate_cache(request, settings):
    """The throttle's counters in the test cache, or in the shared Redis cache as deployed."""
    if request.param == "redis":
        import uuid

        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": settings.TEST_REDIS_URL,
                "KEY_PREFIX": f"test-throttle-{uuid.uuid4().hex}",
            }
        }
    return request.param


def test_token_requests_are_throttled_per_token(demo, client_for, rate_cache):
    first = _issue(client_for, demo["salesperson"], "one")
    second = _issue(client_for, demo["salesperson"], "two")
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/minute"}
    with override_settings(REST_FRAMEWORK={**_rest_settings(), "DEFAULT_THROTTLE_RATES": rates}):
        client = _bearer(first["secret"])
        statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        throttled = client.get("/api/v1/me/")
        assert throttled.json()["code"] == "throttled" and int(throttled["Retry-After"]) > 0
        # another token of the same user has its own budget
        assert _bearer(second["secret"]).get("/api/v1/me/").status_code == 200


def test_browser_session_needs_csrf_for_writes(demo):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(demo["salesperson"])
    assert client.get("/api/v1/me/").status_code == 200
    response = client.post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"


def _rest_settings() -> dict:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def test_a_token_cannot_issue_tokens(demo, client_for):
    # given a salesperson's integration token
    body = _issue(client_for, demo["salesperson"])
    # when it asks for another token
    response = _bearer(body["secret"]).post("/api/v1/tokens/", {"name": "spare key"}, format="json")
    # then it is refused, and nothing was issued: revoking the first token ends the integration's access
    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["ERP sync"]


def test_a_read_only_token_reads_but_cannot_write(demo, client_for):
    # given a read-only token of the sales manager, who may add customers
    response = client_for(demo["sales_manager"]).post(
        "/api/v1/tokens/", {"name": "BI dashboard", "read_only": True}, format="json"
    )
    assert response.status_code == 201 and response.json()["read_only"] is True
    reader = _bearer(response.json()["secret"])
    # then it reads
    assert reader.get("/api/v1/customers/").status_code == 200
    assert reader.get("/api/v1/me/").status_code == 200
    # and every write is refused before anything changes, its own revocation included
    before = AuditEvent.objects.count()
    refused = reader.post("/api/v1/customers/", {"name": "Read-only Ltd"}, format="json")
    assert refused.status_code == 403 and "read-only" in refused.json()["message"]
    assert reader.delete(f"/api/v1/tokens/{response.json()['id']}/").status_code == 403
    assert ApiToken.objects.get(pk=response.json()["id"]).revoked_at is None
    assert AuditEvent.objects.count() == before
    # while a full token of the same user writes
    writer = _bearer(_issue(client_for, demo["sales_manager"])["secret"])
    assert writer.post("/api/v1/customers/", {"name": "Read-write Ltd"}, format="json").status_code == 201
