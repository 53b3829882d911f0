"""Administration > Integrations in a real browser: IT subscribes the company's ERP to new
customers, the test event and then a real one arrive signed at the receiver (a local HTTP server),
and the delivery log says so."""

import hashlib
import hmac
import json

import pytest
from playwright.sync_api import expect

from tests.integrations.conftest import FakeServer

from .conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def erp():
    """The ERP's webhook receiver: a real HTTP server on 127.0.0.1 recording what arrives."""
    server = FakeServer()
    yield server
    server.close()


def test_it_subscribes_the_erp_and_a_new_customer_is_delivered_signed(
    demo_org, live_server, page, sign_in, settings, erp
):
    from crm.services.customers import customer_create
    from org.models import User

    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    # given IT (林峰 Lin Feng) on a new subscription
    sign_in(page, "lin.feng", next_path="/manage/integrations/webhooks/new/")
    page.locator("#id_name").fill("ERP 金蝶")
    page.locator("#id_url").fill(erp.url + "/baton")
    page.get_by_label("customer.created").check()
    page.locator("#id_secret").fill("erp-shared-secret")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    # when he sends a test event
    page.get_by_role("button", name="Send a test event").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("Delivered: the receiver answered 200")
    # and a salesperson then creates a customer
    customer = customer_create(
        actor=User.objects.get(username="zhang.wei"), name="华东精密 Huadong Precision"
    )
    # then the receiver got both, each signed with the secret, the second naming the new card
    assert [r["headers"]["X-Baton-Event"] for r in erp.requests] == [
        "webhook.test",
        "customer.created",
    ]
    for request in erp.requests:
        headers, body = request["headers"], request["body"]
        signed = headers["X-Baton-Timestamp"].encode() + b"." + body
        expected = hmac.new(b"erp-shared-secret", signed, hashlib.sha256).hexdigest()
        assert headers["X-Baton-Signature"] == f"sha256={expected}"
    assert json.loads(erp.requests[1]["body"])["data"]["object"]["id"] == customer.pk
    # and the delivery log shows the customer event delivered
    page.reload()
    expect(page.locator("main")).to_contain_text("customer.created")
    expect(page.locator("main")).not_to_contain_text("erp-shared-secret")
    screenshot(page, "admin-webhook-delivered")
