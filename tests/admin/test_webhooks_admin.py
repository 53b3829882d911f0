"""Administration > Integrations: the signing secret is write-only, deliveries to a real local
receiver are logged with status, code and duration, a failed one is retried from the log, and a
test event shows whether the receiver answers."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import webhook_retry, webhook_send_test
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_admin(client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    user = UserFactory(username="it.admin", perms=["integrations.manage_webhooks"])
    client.force_login(user)
    return user


def test_the_secret_is_never_shown_again_and_an_empty_field_keeps_it(client, it_admin, fake_server):
    # when IT creates a subscription with a secret
    response = client.post(
        reverse("manage:webhook_new"),
        {
            "name": "ERP",
            "url": fake_server.url + "/hook",
            "events": ["task.completed"],
            "secret": "top-s3cret-value",
        },
    )
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302 and subscription.secret == "top-s3cret-value"
    # then no page and no audit row shows it
    for url in (
        reverse("manage:webhook", args=[subscription.pk]),
        reverse("manage:webhook_edit", args=[subscription.pk]),
    ):
        assert "top-s3cret-value" not in client.get(url).content.decode()
    assert "top-s3cret-value" not in str(list(AuditEvent.objects.values_list("changes", "extra")))
    # and saving the form with the secret left empty keeps it; typing one replaces it
    edit = {"name": "ERP 2", "url": fake_server.url + "/hook", "events": ["task.completed"], "secret": ""}
    client.post(reverse("manage:webhook_edit", args=[subscription.pk]), edit)
    subscription.refresh_from_db()
    assert (subscription.name, subscription.secret) == ("ERP 2", "top-s3cret-value")
    client.post(reverse("manage:webhook_edit", args=[subscription.pk]), {**edit, "secret": "new-one"})
    subscription.refresh_from_db()
    assert subscription.secret == "new-one"
    assert AuditEvent.objects.filter(extra__secret_replaced=True).count() == 1


def test_a_url_off_the_allow_list_is_refused_on_the_url_field(client, it_admin):
    response = client.post(
        reverse("manage:webhook_new"),
        {"name": "x", "url": "http://10.0.0.8/steal", "events": ["task.created"]},
    )
    assert response.status_code == 400
    assert 'data-field="url"' in response.content.decode() and "allow-list" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_failed_delivery_is_retried_from_the_log_and_a_test_event_reaches_the_receiver(
    it_admin, fake_server
):
    subscription = WebhookSubscription.objects.create(
        name="ERP", url=fake_server.url + "/hook", secret="s", events=["*"]
    )
    # given the receiver is down for the test event
    fake_server.responses = [(503, {}, 0)]
    first = webhook_send_test(actor=it_admin, subscription=subscription)
    assert (first.status, first.response_status) == (WebhookDelivery.Status.RETRYING, 503)
    assert first.duration_ms is not None
    # when IT presses "retry" once it is back
    again = webhook_retry(actor=it_admin, delivery=first)
    # then it arrives, with the same event id (the receiver can drop a duplicate)
    assert (again.status, again.response_status, again.attempts) == (WebhookDelivery.Status.DELIVERED, 200, 2)
    ids = {r["headers"]["X-Baton-Delivery"] for r in fake_server.requests}
    assert len(fake_server.requests) == 2 and ids == {first.event_id}
    assert AuditEvent.objects.filter(extra__retry_delivery=first.pk, actor=it_admin).exists()


def test_the_log_page_shows_status_code_and_duration(client, it_admin, fake_server):
    subscription = WebhookSubscription.objects.create(
        name="ERP", url=fake_server.url + "/h", secret="s", events=["*"]
    )
    response = client.post(
        reverse("manage:webhook_action", args=[subscription.pk]), {"action": "test"}, follow=True
    )
    html = response.content.decode()
    assert "Delivered: the receiver answered 200" in html
    assert "webhook.test" in html and " ms" in html


def test_it_issues_a_token_for_an_integration_account_shown_once_and_revokes_it(client, it_admin):
    from api.models import ApiToken
    from tests.factories import EmployeeFactory

    # given a technical account (no employee record) and a colleague
    client.post(
        reverse("api_tokens"), {"action": "account", "username": "bi.tool", "display_name": "BI 报表"}
    )
    colleague = EmployeeFactory().user
    account = ApiToken._meta.get_field("user").related_model.objects.get(username="bi.tool")
    # when IT issues a token for the account
    response = client.post(
        reverse("api_tokens"), {"action": "issue", "user": account.pk, "name": "BI nightly"}
    )
    secret = response.context["secret"]
    # then the secret is on that answer only, and it signs in to the API
    assert secret and secret in response.content.decode()
    assert secret not in client.get(reverse("api_tokens")).content.decode()
    api = Client()
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
    # and a token for a colleague (an employee) is refused on the account field
    refused = client.post(reverse("api_tokens"), {"action": "issue", "user": colleague.pk, "name": "x"})
    assert refused.status_code == 400 and "integration accounts only" in refused.content.decode()
    assert not ApiToken.objects.filter(user=colleague).exists()
    # when it is revoked, the API refuses it
    token = ApiToken.objects.get(user=account)
    client.post(reverse("api_tokens"), {"action": "revoke", "token": token.pk})
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 401
    assert AuditEvent.objects.filter(object_type="api.apitoken", actor=it_admin).count() == 2


def test_the_token_page_is_403_without_the_integrations_permission(client):
    client.force_login(UserFactory(perms=["org.manage_org"]))
    assert client.get(reverse("api_tokens")).status_code == 403
