"""Mass e-mail/SMS: recipients snapshotted, unsubscribe respected, throttled, progress shown."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core.errors import NotPermitted, ValidationFailed
from crm.models import FavouriteItem, FavouriteList, SavedQuery
from crm.selectors.reminders import favourite_list_recipients
from integrations.mailings import mailing_create, mailings_send_due, unsubscribe_url
from integrations.models import Mailing, MailingMessage, OptOut
from tests.crm.factories import ContactFactory, CustomerFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MAILER = [
    "integrations.add_mailing",
    "integrations.view_mailing",
    "crm.view_customer",
    "crm.view_contact",
    "crm.view_favouritelist",
]


def people(n):
    return [{"name": f"Person {i}", "address": f"p{i}@example.com"} for i in range(n)]


def send(user, recipients, channel="email", **kwargs):
    return mailing_create(
        actor=user,
        name="Spring offer",
        channel=channel,
        subject="Spring offer",
        body="20% off until April.",
        recipients=recipients,
        **kwargs,
    )


def test_only_allowed_users_may_send_and_bad_input_is_located():
    with pytest.raises(NotPermitted):
        send(UserFactory(), people(1))
    mailer = UserFactory(perms=MAILER)
    with pytest.raises(ValidationFailed) as error:
        mailing_create(actor=mailer, name="", channel="email", body="", recipients=[{"address": ""}])
    assert set(error.value.fields) == {"name", "body", "subject", "recipients"}
    assert not Mailing.objects.exists()


def test_emails_go_out_throttled_with_an_unsubscribe_link(settings, django_capture_on_commit_callbacks):
    # given a rate of 2 a minute and 5 addresses (one given twice, in other letter case)
    settings.MAILING_RATE_PER_MINUTE = 2
    mailer = UserFactory(perms=MAILER)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            mailing = send(mailer, [*people(5), {"name": "again", "address": "P0@Example.com"}])
        # when the first minute's share has gone: 2 sent, the sweep in the same minute sends none
        assert len(mail.outbox) == 2
        assert mailings_send_due() == 0
    for minute in (1, 2):
        with time_machine.travel(start + timedelta(minutes=minute, seconds=1), tick=False):
            mailings_send_due()
    # then all 5 (once each) went out, and the mailing is done
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{i}@example.com" for i in range(5)]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in message.body


def test_unsubscribing_by_the_link_skips_the_address_in_this_and_later_mailings(client, settings):
    settings.MAILING_RATE_PER_MINUTE = 100
    mailer = UserFactory(perms=MAILER)
    link = unsubscribe_url("email", "P1@example.com")
    path = link.split("localhost:8000", 1)[-1]
    # one-click POST, as a mail client does it, without a session or CSRF token
    assert client.get(path).status_code == 200
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert OptOut.objects.filter(channel="email", address="p1@example.com").exists()
    assert client.post(path.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 400
    mailing = send(mailer, people(3))
    mailings_send_due()
    statuses = dict(mailing.messages.values_list("address", "status"))
    assert statuses == {"p0@example.com": "sent", "p1@example.com": "skipped", "p2@example.com": "sent"}


def test_recipients_are_a_snapshot_of_a_favourites_list_the_sender_may_see():
    mailer = UserFactory(perms=MAILER)
    mine = CustomerFactory(owner=mailer, name="Mine", email="mine@example.com")
    theirs = CustomerFactory(owner=UserFactory(), name="Theirs", email="theirs@example.com")
    contact = ContactFactory(customer=mine, email="li@example.com")
    favourites = FavouriteList.objects.create(name="VIP", owner=mailer)
    for item in (dict(customer=mine), dict(customer=theirs), dict(contact=contact)):
        FavouriteItem.objects.create(favourite_list=favourites, **item)
    recipients = favourite_list_recipients(user=mailer, favourite_list=favourites)
    mailing = send(mailer, recipients, source="VIP")
    contact.email = "changed@example.com"
    contact.save()
    addresses = set(mailing.messages.values_list("address", flat=True))
    assert "theirs@example.com" not in addresses and "li@example.com" in addresses


def test_sms_mailing_through_the_gateway_adapter_and_failures_counted(fake_server, settings, client):
    settings.SMS_BACKEND = "integrations.sms.HttpSmsGatewayBackend"
    settings.SMS_GATEWAY_URL = fake_server.url + "/send"
    settings.MAILING_RATE_PER_MINUTE = 100
    fake_server.responses = [(200, {"id": "m1"}, 0), (400, {"error": "bad number"}, 0)]
    mailer = UserFactory(perms=MAILER)
    mailing = send(
        mailer, [{"name": "A", "address": "138 0013 8000"}, {"name": "B", "address": "+861"}], channel="sms"
    )
    mailings_send_due()
    assert json.loads(fake_server.requests[0]["body"])["to"] == "13800138000"
    counts = dict(mailing.messages.values_list("address", "status"))
    assert counts == {"13800138000": "sent", "+861": "failed"}
    # the progress page shows it to the sender, not to others
    client.force_login(mailer)
    page = client.get(f"/notifications/mailings/{mailing.pk}/progress/").content.decode()
    assert re.search(r'id="count-sent">1<', page) and re.search(r'id="count-failed">1<', page)
    client.force_login(UserFactory(perms=MAILER))
    assert client.get(f"/notifications/mailings/{mailing.pk}/").status_code == 404
    assert MailingMessage.objects.count() == 2


def test_the_new_mailing_page_sends_to_a_saved_query_the_sender_may_export(
    client, settings, django_capture_on_commit_callbacks
):
    # given a saved customer query (no filters) and customers of the sender and of someone else
    settings.MAILING_RATE_PER_MINUTE = 100
    mailer = UserFactory(perms=[*MAILER, "crm.export_customer", "crm.view_savedquery"])
    CustomerFactory(owner=mailer, name="Mine", email="mine@example.com")
    CustomerFactory(owner=UserFactory(), name="Theirs", email="theirs@example.com")
    query = SavedQuery.objects.create(
        name="All mine", entity="customer", params={"filters": {}}, owner=mailer
    )
    client.force_login(mailer)
    assert client.get("/mailings/new/").status_code == 200
    # when a located error first, then a good post
    bad = client.post(
        "/mailings/new/", {"source": f"query:{query.pk}", "channel": "email", "name": "x", "body": ""}
    )
    assert bad.status_code == 400 and "Write the text to send." in bad.content.decode()
    form = {"source": f"query:{query.pk}", "channel": "email", "name": "Offer", "subject": "Hi", "body": "Hi"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mailings/new/", form)
    # then only the customer the sender may export was mailed
    mailing = Mailing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notifications/mailings/{mailing.pk}/"
    assert [m.to for m in mail.outbox] == [["mine@example.com"]]
    assert client.get(response["Location"]).status_code == 200
    client.force_login(UserFactory(perms=["crm.view_customer"]))
    assert client.get("/mailings/new/").status_code == 403
