"""What core.memo remembers across requests (a caller's permissions, groups, row scope, staff
status, the webhook subscriptions) costs no query on the next request, and any change to it is
seen by the very next request: a revoked grant, a removed membership, a deactivated employee,
a portal account, a new webhook subscription."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import token_create
from crm.models import Customer
from integrations.models import WebhookDelivery
from integrations.webhooks import webhook_subscribe
from org.models import Employee
from portal.models import PortalAccount
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='memo')[1]}")
    return client


def _get(client, path="/api/v1/customers/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response, [q["sql"] for q in queries.captured_queries]


def test_the_second_request_reads_no_permissions_or_groups(demo):
    client = _token_client(demo["salesperson"])
    first, first_sql = _get(client)
    second, second_sql = _get(client)
    assert first.status_code == second.status_code == 200
    org_reads = [sql for sql in second_sql if "auth_permission" in sql or "org_groupprofile" in sql]
    assert org_reads == []
    assert len(second_sql) < len(first_sql) - 3


def test_a_revoked_grant_is_refused_on_the_next_request(demo):
    salesperson = demo["salesperson"]
    client = _token_client(salesperson)
    assert _get(client)[0].status_code == 200
    view = Permission.objects.get(codename="view_customer")
    for group in Group.objects.filter(permissions=view):
        group.permissions.remove(view)
    assert _get(client)[0].status_code == 403


def test_a_membership_removed_and_given_back_is_seen_at_once(demo):
    salesperson = demo["salesperson"]
    client = _token_client(salesperson)
    groups = list(salesperson.groups.all())
    assert _get(client)[0].status_code == 200
    salesperson.groups.clear()
    assert _get(client)[0].status_code == 403
    salesperson.groups.add(*groups)
    assert _get(client)[0].status_code == 200


def test_a_wider_row_scope_shows_more_rows_on_the_next_request(demo):
    salesperson = demo["salesperson"]
    client = _token_client(salesperson)
    CustomerFactory(owner=demo["sales_manager"], name="Not yours Ltd")
    names = {row["name"] for row in _get(client)[0].json()["results"]}
    assert "Not yours Ltd" not in names
    profile = salesperson.groups.first().profile
    profile.row_scope = "all"
    profile.save()
    names = {row["name"] for row in _get(client)[0].json()["results"]}
    assert "Not yours Ltd" in names
    assert Customer.objects.filter(name="Not yours Ltd").exists()


def test_a_deactivated_employee_loses_the_staff_api_on_the_next_request(demo):
    client = _token_client(demo["salesperson"])
    assert _get(client, "/api/v1/me/")[0].status_code == 200
    Employee.objects.filter(user=demo["salesperson"]).update(active=False)  # behind Django's back
    Employee.objects.get(user=demo["salesperson"]).save()  # ... and the save that records it
    assert _get(client, "/api/v1/me/")[0].status_code == 403


def test_a_portal_account_closes_the_staff_api_on_the_next_request(demo):
    client = _token_client(demo["salesperson"])
    assert _get(client, "/api/v1/me/")[0].status_code == 200
    PortalAccount.objects.create(user=demo["salesperson"], customer=CustomerFactory())
    assert _get(client, "/api/v1/me/")[0].status_code == 401


def test_without_the_shared_cache_nothing_is_kept_between_requests(demo, settings):
    settings.ORG_CACHE_SECONDS = 0
    client = _token_client(demo["salesperson"])
    _get(client)  # (marks the token used)
    first_sql = _get(client)[1]
    second_sql = _get(client)[1]
    assert len(second_sql) == len(first_sql)
    assert any("org_groupprofile" in sql for sql in second_sql)


def test_a_new_webhook_subscription_gets_the_next_event(
    demo, review_process, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    client = _token_client(demo["sales_manager"])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/v1/process-instances/", {"key": "api_review"}, format="json")
    assert started.status_code == 201
    webhook_subscribe(actor=None, name="erp", url="http://127.0.0.1:9/hook", events=["instance.started"])
    with django_capture_on_commit_callbacks(execute=True):  # (its delivery fails: nobody listens)
        again = client.post("/api/v1/process-instances/", {"key": "api_review"}, format="json")
    assert again.status_code == 201
    deliveries = WebhookDelivery.objects.filter(event="instance.started")
    assert [d.payload["instance"] for d in deliveries] == [again.json()["id"]]


def test_a_newly_deployed_version_is_started_by_the_next_request(demo, review_process):
    from engine import services
    from tests.api.conftest import bpmn_files

    client = _token_client(demo["sales_manager"])
    first = client.post("/api/v1/process-instances/", {"key": "api_review"}, format="json").json()
    body = bpmn_files("api_review.bpmn")["api_review.bpmn"].replace(
        b'name="API review"', b'name="API review 2"'
    )
    services.definition_deploy(files={"api_review.bpmn": body}, deployed_by=demo["admin"])
    second = client.post("/api/v1/process-instances/", {"key": "api_review"}, format="json").json()
    assert (first["definition_version"], second["definition_version"]) == (1, 2)


def test_a_queue_whose_only_member_was_switched_off_is_an_incident_at_the_next_start(demo, review_process):
    from engine.models import Incident, ProcessInstance
    from org.models import User

    # the review is offered to "sales"; zhang.wei is directly in it (the answer remembered first)
    demo["salesperson"].groups.add(Group.objects.get(name="sales"))
    client = _token_client(demo["admin"])
    assert client.post("/api/v1/process-instances/", {"key": "api_review"}, format="json").status_code == 201
    assert not Incident.objects.exists()
    # switch off everybody in it and in the groups nested below it
    User.objects.filter(groups__name__startswith="sales").update(is_active=False)  # behind Django's back
    for user in User.objects.filter(groups__name__startswith="sales"):
        user.save(update_fields=["is_active"])  # ... and the saves that record it
    started = client.post("/api/v1/process-instances/", {"key": "api_review"}, format="json")
    assert started.status_code == 201
    instance = ProcessInstance.objects.get(pk=started.json()["id"])
    assert instance.incidents.filter(kind=Incident.Kind.NO_OWNER).exists()


def test_a_token_is_read_once_and_its_revocation_is_refused_on_the_next_request(demo):
    from api.models import ApiToken
    from api.services import token_revoke

    salesperson = demo["salesperson"]
    client = _token_client(salesperson)
    assert _get(client)[0].status_code == 200
    response, sql = _get(client)
    assert response.status_code == 200
    assert [q for q in sql if "api_apitoken" in q] == []  # remembered: neither read nor marked used
    token_revoke(actor=salesperson, token=ApiToken.objects.get(user=salesperson, name="memo"))
    assert _get(client)[0].status_code == 401


def test_a_token_of_a_user_switched_off_is_refused_on_the_next_request(demo):
    salesperson = demo["salesperson"]
    client = _token_client(salesperson)
    assert _get(client)[0].status_code == 200
    salesperson.is_active = False
    salesperson.save()
    assert _get(client)[0].status_code == 401
    salesperson.is_active = True
    salesperson.save(update_fields=["is_active"])
    assert _get(client)[0].status_code == 200


def test_a_remembered_token_is_still_marked_used_once_a_minute(demo):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from api.models import ApiToken

    client = _token_client(demo["salesperson"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert _get(client)[0].status_code == 200
    token = ApiToken.objects.get(user=demo["salesperson"], name="memo")
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        _get(client)
    token.refresh_from_db()
    assert token.last_used_at == start
    for seconds in (61, 62):
        with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
            _get(client)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)
