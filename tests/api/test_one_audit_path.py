"""One write path, one audit path (issue 19, defect 3): the same action through the web UI and
through the API leaves the same audit rows, written by the service (the API adds none of its own),
with the client's address from whichever door the request came through."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import FavouriteItem, FavouriteList
from crm.services.customers import contact_create
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _rows(after: int) -> list[tuple]:
    """What an auditor compares: action, kind of record, actor, the field diff (no ids, times)."""
    return sorted(
        (row.action, row.object_type, row.actor_id, repr(row.changes))
        for row in AuditEvent.objects.filter(id__gt=after).exclude(action="view")
    )


def _mark() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _web(user) -> Client:
    client = Client(REMOTE_ADDR="10.9.8.7")
    client.force_login(user)
    return client


def test_a_contact_edited_on_the_web_and_through_the_api_leaves_the_same_row(demo, client_for):
    # given two identical contacts of my customer
    zhang = demo["salesperson"]
    customer = CustomerFactory(owner=zhang)
    web_contact = contact_create(actor=zhang, customer=customer, name="李四", title="Buyer")
    api_contact = contact_create(actor=zhang, customer=customer, name="李四", title="Buyer")
    # when I change the title of one on its edit page and of the other through the API
    web = _web(zhang)
    mark = _mark()
    page = web.post(
        reverse("crm:contact_edit", args=[web_contact.pk]), {"name": "李四", "title": "Head of buying"}
    )
    assert page.status_code == 302
    web_rows = _rows(mark)
    mark = _mark()
    answer = client_for(zhang).patch(
        f"/api/v1/contacts/{api_contact.pk}/",
        {"title": "Head of buying"},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert answer.status_code == 200, answer.content
    # then each left one change row, the same
    assert (
        _rows(mark)
        == web_rows
        == [("change", "crm.contact", zhang.pk, repr({"title": ["Buyer", "Head of buying"]}))]
    )
    assert set(AuditEvent.objects.filter(action="change").values_list("ip", flat=True)) == {"10.9.8.7"}


def test_a_mailing_sent_on_the_web_and_through_the_api_leaves_the_same_rows(demo, client_for, settings):
    # given my favourites list
    settings.CELERY_TASK_ALWAYS_EAGER = False
    zhang = demo["salesperson"]
    favourites = FavouriteList.objects.create(name="Key accounts", owner=zhang)
    FavouriteItem.objects.create(
        favourite_list=favourites, customer=CustomerFactory(owner=zhang, email="a@x.cn")
    )
    form = {
        "name": "Offer",
        "channel": "email",
        "subject": "Offer",
        "body": "Hi",
        "source": f"list:{favourites.pk}",
    }
    # when I send it on the mailing page and again through the API
    web = _web(zhang)
    mark = _mark()
    assert web.post(reverse("tasklist:mailing_new"), form).status_code == 302
    web_rows = _rows(mark)
    mark = _mark()
    assert client_for(zhang).post("/api/v1/mailings/", form, format="json").status_code == 201
    # then both left the service's create row, the same
    assert _rows(mark) == web_rows == [("create", "integrations.mailing", zhang.pk, repr({}))]


def test_a_merge_on_the_web_and_through_the_api_leaves_the_same_rows(demo, client_for):
    # given two pairs of duplicate cards
    wang = demo["sales_manager"]
    pairs = [
        (CustomerFactory(owner=wang, name="保留公司", phone=""), CustomerFactory(owner=wang, name="合并公司"))
        for _ in range(2)
    ]
    # when one pair is merged on the merge screen and the other through the API
    web = _web(wang)
    mark = _mark()
    keep, remove = pairs[0]
    page = web.post(reverse("crm:customer_merge"), {"keep": keep.pk, "remove": remove.pk})
    assert page.status_code == 302
    web_rows = _rows(mark)
    mark = _mark()
    keep, remove = pairs[1]
    answer = client_for(wang).post(
        "/api/v1/customers/merge/", {"keep": keep.pk, "remove": remove.pk, "choices": {}}, format="json"
    )
    assert answer.status_code == 200, answer.content
    api_rows = _rows(mark)
    # then both left the kept card's change and the removed card's delete, with the same diffs
    # (but for the codes and ids of the cards themselves)
    assert [(a, t, u) for a, t, u, _c in api_rows] == [(a, t, u) for a, t, u, _c in web_rows]
    assert [a for a, *_ in web_rows] == ["change", "delete"]
