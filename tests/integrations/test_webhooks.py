"""Webhooks against a local receiver: signed payloads, allow-list, retries, switching off."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.errors import ValidationFailed
from integrations.models import WebhookDelivery
from integrations.webhooks import publish, retry_due_webhooks, webhook_subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(fake_server, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    return webhook_subscribe(
        actor=None, name="ERP", url=fake_server.url + "/hook", events=["task.completed"], secret="s3cret"
    )


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(
    fake_server, subscription, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish("task.completed", {"task": 7, "name": "Approve"})
        publish("task.created", {"task": 8})  # not subscribed
    assert len(fake_server.requests) == 1
    request = fake_server.requests[0]
    headers, body = request["headers"], request["body"]
    expected = hmac.new(
        b"s3cret", headers["X-Baton-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Baton-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "task.completed" and payload["data"] == {"task": 7, "name": "Approve"}
    assert headers["X-Baton-Delivery"] == payload["id"]
    assert WebhookDelivery.objects.get().status == "delivered"


def test_urls_outside_the_allow_list_and_unknown_events_are_refused(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["erp.example.com"]
    with pytest.raises(ValidationFailed) as error:
        webhook_subscribe(actor=None, name="x", url="http://10.0.0.8/steal", events=["task.created"])
    assert "10.0.0.8 is not on the webhook allow-list" in error.value.message
    with pytest.raises(ValidationFailed) as error:
        webhook_subscribe(actor=None, name="x", url="https://erp.example.com/h", events=["task.exploded"])
    assert "task.exploded" in error.value.message


def test_a_receiver_down_for_an_hour_gets_every_event_once_it_is_back(
    fake_server, subscription, settings, django_capture_on_commit_callbacks
):
    fake_server.default = (503, {}, 0)
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        publish("task.completed", {"task": 1})
    # an hour of simulated time passes with the receiver down, beat sweeping every minute
    for minute in range(1, 61):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            retry_due_webhooks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and 3 <= delivery.attempts <= 8
    # the receiver comes back: the next due retry delivers it, once
    fake_server.default = (200, {}, 0)
    with time_machine.travel(start + timedelta(hours=7), tick=False):
        retry_due_webhooks()
        retry_due_webhooks()
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert (
        len([r for r in fake_server.requests if r["headers"]["X-Baton-Delivery"] == delivery.event_id])
        == delivery.attempts
    )
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.active


def test_a_subscription_failing_too_often_is_switched_off_with_the_reason(
    fake_server, subscription, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER = 3
    fake_server.default = (500, {}, 0)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            publish("task.completed", {"task": n})
    subscription.refresh_from_db()
    assert subscription.active is False
    assert "3 failed deliveries in a row" in subscription.disabled_reason
    with django_capture_on_commit_callbacks(execute=True):
        assert publish("task.completed", {"task": 9}) == []


def test_the_crm_events_a_subscription_offers_reach_the_receiver(
    fake_server, settings, django_capture_on_commit_callbacks
):
    # given an ERP subscribed to new customers and order moves (not to merges)
    from crm.services.customers import customer_create
    from tests.factories import UserFactory

    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    webhook_subscribe(
        actor=None,
        name="ERP",
        url=fake_server.url + "/hook",
        events=["customer.created", "order.status_changed"],
        secret="s3cret",
    )
    clerk = UserFactory(username="erp.clerk", perms=["crm.add_customer", "crm.view_customer"])
    # when a salesperson creates a customer
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(actor=clerk, name="恒通机械 Hengtong")
    # then the receiver gets one signed "customer.created" naming the card
    assert [r["headers"]["X-Baton-Event"] for r in fake_server.requests] == ["customer.created"]
    payload = json.loads(fake_server.requests[0]["body"])
    assert payload["data"]["object"] == {"type": "crm.customer", "id": customer.pk, "label": str(customer)}
    assert payload["data"]["code"] == customer.code
    assert WebhookDelivery.objects.get(event="customer.created").status == "delivered"
