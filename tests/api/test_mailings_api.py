"""Mass e-mail/SMS through the API: recipients from the sender's favourites list or saved
customer query (only records they may see), located errors, progress, and row scope."""

from __future__ import annotations

import pytest
from django.core import mail

from crm.models import FavouriteItem, FavouriteList, SavedQuery
from integrations.models import Mailing
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _list_of(user, *emails):
    favourites = FavouriteList.objects.create(name="Key accounts", owner=user)
    for email in emails:
        FavouriteItem.objects.create(
            favourite_list=favourites, customer=CustomerFactory(owner=user, email=email)
        )
    return favourites


def _body(source, **extra):
    return {
        "name": "Spring offer",
        "channel": "email",
        "subject": "Spring offer",
        "body": "20% off until April.",
        "source": source,
        **extra,
    }


def test_a_salesperson_mails_their_list_and_follows_the_progress(
    demo, client_for, settings, django_capture_on_commit_callbacks
):
    settings.MAILING_RATE_PER_MINUTE = 100
    zhang = client_for(demo["salesperson"])
    favourites = _list_of(demo["salesperson"], "a@example.com", "b@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        created = zhang.post("/api/v1/mailings/", _body(f"list:{favourites.pk}"), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["source"] == "Key accounts" and body["progress"]["total"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]
    progress = zhang.get(f"/api/v1/mailings/{body['id']}/").json()["progress"]
    assert progress == {"total": 2, "queued": 0, "sent": 2, "failed": 0, "skipped": 0}


def test_a_saved_query_mails_only_the_customers_the_sender_may_export(demo, client_for):
    zhang = demo["salesperson"]
    CustomerFactory(owner=zhang, name="Mine", email="mine@example.com")
    CustomerFactory(owner=demo["sales_manager"], name="Not mine", email="other@example.com")
    query = SavedQuery.objects.create(name="All", entity="customer", params={}, owner=zhang, created_by=zhang)
    created = client_for(zhang).post("/api/v1/mailings/", _body(f"query:{query.pk}"), format="json")
    assert created.status_code == 201, created.content
    mailing = Mailing.objects.get(pk=created.json()["id"])
    assert list(mailing.messages.values_list("address", flat=True)) == ["mine@example.com"]


def test_bad_input_is_located_and_nothing_is_sent(demo, client_for):
    zhang = client_for(demo["salesperson"])
    others = _list_of(demo["sales_manager"], "x@example.com")
    foreign = zhang.post("/api/v1/mailings/", _body(f"list:{others.pk}"), format="json")
    assert foreign.status_code == 400 and "source" in foreign.json()["fields"]
    malformed = zhang.post("/api/v1/mailings/", _body("everyone"), format="json")
    assert malformed.status_code == 400 and "source" in malformed.json()["fields"]
    mine = _list_of(demo["salesperson"], "a@example.com")
    no_subject = zhang.post("/api/v1/mailings/", _body(f"list:{mine.pk}", subject=""), format="json")
    assert no_subject.status_code == 400 and "subject" in no_subject.json()["fields"]
    assert not Mailing.objects.exists()


def test_a_colleague_does_not_see_my_mailing(demo, client_for):
    from org.models import User

    zhang = client_for(demo["salesperson"])
    favourites = _list_of(demo["salesperson"], "a@example.com")
    mailing_id = zhang.post("/api/v1/mailings/", _body(f"list:{favourites.pk}"), format="json").json()["id"]
    liu = client_for(User.objects.get(username="liu.yang"))
    assert liu.get(f"/api/v1/mailings/{mailing_id}/").status_code == 404
    assert liu.get("/api/v1/mailings/").json()["results"] == []
    assert client_for(demo["sales_manager"]).get(f"/api/v1/mailings/{mailing_id}/").status_code == 200
