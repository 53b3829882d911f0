"""Who gets in: API tokens stop working the moment they are revoked, and a customer's portal account
never reaches the staff API, not even with a token.

Cross-company access in the portal (every id-taking portal URL with another company's ids, lists,
answering another company's task) is the matrix in tests/portal/test_isolation.py; the staff API's
role matrix is tests/api/test_permission_matrix.py. This module adds the token side of both.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import token_create, token_revoke
from crm.models import Complaint
from tests.crm.factories import CustomerFactory
from tests.factories import EmployeeFactory
from tests.portal.conftest import world  # noqa: F401  (the portal's two-company fixture)
from tests.production.test_security_http import _all_paths

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_revoked_token_is_refused_on_the_very_next_call():
    zhang = EmployeeFactory(user__username="zhang", user__is_staff=True).user
    token, secret = token_create(user=zhang, name="ERP")
    caller = _bearer(secret)
    assert caller.get("/api/v1/me/").status_code == 200  # just used: last_used_at is fresh
    token_revoke(actor=zhang, token=token)
    for method, path in (("get", "/api/v1/me/"), ("get", "/api/v1/customers/"), ("post", "/api/v1/tokens/")):
        response = getattr(caller, method)(path, {"name": "again"} if method == "post" else None)
        assert response.status_code == 401, (path, response.status_code)
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert ApiToken.objects.filter(user=zhang).count() == 1  # the revoked token could not mint another


def test_a_token_of_a_deactivated_user_is_refused():
    zhang = EmployeeFactory(user__username="zhang", user__is_staff=True).user
    _token, secret = token_create(user=zhang, name="ERP")
    zhang.is_active = False
    zhang.save(update_fields=["is_active"])
    assert _bearer(secret).get("/api/v1/me/").status_code == 401


def test_a_token_cannot_be_revoked_by_someone_else(client):
    owner = EmployeeFactory(user__username="owner").user
    other = EmployeeFactory(user__username="other").user
    token, secret = token_create(user=owner, name="ERP")
    api = APIClient()
    api.force_authenticate(other)
    assert api.delete(f"/api/v1/tokens/{token.pk}/").status_code in (403, 404)
    assert _bearer(secret).get("/api/v1/me/").status_code == 200


def _api_paths() -> list[str]:
    return [p for p, _cb in _all_paths() if p.startswith("/api/v1/")]


@pytest.mark.parametrize("flagged_staff", [False, True], ids=["customer", "customer-flagged-staff"])
def test_a_portal_users_token_opens_no_staff_api_url(world, flagged_staff):  # noqa: F811
    """The wall is the portal account, not the staff flag: an admin ticking "staff status" on a
    customer's user by mistake must not open the staff API to a customer either."""
    # given a customer's portal account that somehow holds an API token (issued in the admin)
    if flagged_staff:
        world.alice.user.is_staff = True
        world.alice.user.save(update_fields=["is_staff"])
    _token, secret = token_create(user=world.alice.user, name="scraper")
    globex_complaint = Complaint.objects.create(
        customer=world.globex, subject="GLOBEX-SECRET", description="x", created_by=world.bob.user
    )
    caller = _bearer(secret)
    opened = {}
    for path in [*_api_paths(), f"/api/v1/complaints/{globex_complaint.pk}/"]:
        response = caller.get(path)
        if response.status_code not in (401, 403):
            opened[path] = response.status_code
        assert b"GLOBEX-SECRET" not in response.content
    assert not opened, opened
    # nor can it write
    before = Complaint.objects.count()
    response = caller.post(
        "/api/v1/complaints/", {"customer": world.globex.pk, "subject": "x", "description": "x"}
    )
    assert response.status_code in (401, 403)
    assert Complaint.objects.count() == before


def test_staff_tokens_still_work_beside_the_wall():
    CustomerFactory(name="Visible Co")
    admin = EmployeeFactory(user__username="boss", user__is_superuser=True, user__is_staff=True).user
    _token, secret = token_create(user=admin, name="ERP")
    response = _bearer(secret).get("/api/v1/customers/")
    assert response.status_code == 200
