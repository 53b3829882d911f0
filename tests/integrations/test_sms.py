"""The HTTP SMS-gateway adapter against a local fake gateway, and delivery retries."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.models import Delivery
from integrations.services import notify, retry_due_deliveries
from integrations.sms import HttpSmsGatewayBackend, SmsError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_message_is_posted_with_the_key_and_the_gateway_id_kept(fake_server):
    fake_server.default = (200, {"id": "msg-77"}, 0)
    backend = HttpSmsGatewayBackend(url=fake_server.url + "/send", api_key="k3y", sender="ACME")
    assert backend.send(to="+8613800138000", text="你好") == "msg-77"
    request = fake_server.requests[0]
    assert request["headers"]["Authorization"] == "Bearer k3y"
    assert json.loads(request["body"]) == {"to": "+8613800138000", "text": "你好", "sender": "ACME"}


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (400, False), (401, False)])
def test_gateway_errors_say_whether_to_retry(fake_server, status, retryable):
    fake_server.default = (status, {"error": "nope"}, 0)
    with pytest.raises(SmsError) as error:
        HttpSmsGatewayBackend(url=fake_server.url, api_key="k").send(to="1", text="x")
    assert error.value.retryable is retryable
    assert str(status) in str(error.value)


def test_a_gateway_that_times_out_is_a_retryable_error(fake_server):
    fake_server.default = (200, {"id": "late"}, 1.5)
    with pytest.raises(SmsError) as error:
        HttpSmsGatewayBackend(url=fake_server.url, api_key="k", timeout=0.3).send(to="1", text="x")
    assert error.value.retryable and "did not answer" in str(error.value)


def test_an_unreachable_gateway_is_retried_with_backoff_until_it_answers(
    fake_server, settings, django_capture_on_commit_callbacks
):
    # given the HTTP gateway configured, failing twice, then accepting
    settings.SMS_BACKEND = "integrations.sms.HttpSmsGatewayBackend"
    settings.SMS_GATEWAY_URL = fake_server.url
    fake_server.responses = [(502, {}, 0), (502, {}, 0)]
    fake_server.default = (200, {"id": "ok-1"}, 0)
    zhang = UserFactory(phone="+8613800000000")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notify(
                recipients=[zhang],
                template="task_overdue",
                context={"task": "Approve", "process": "p", "subject": "", "due": "09:00"},
                channels=["sms"],
            )
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("queued", 1)
        assert retry_due_deliveries() == 0  # not before its backoff
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("queued", 2)
    with time_machine.travel(start + timedelta(seconds=61 + 121), tick=False):
        retry_due_deliveries()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.external_id) == ("sent", 3, "ok-1")
    assert json.loads(fake_server.requests[-1]["body"])["text"] == "Baton: Approve is overdue (due 09:00)"
