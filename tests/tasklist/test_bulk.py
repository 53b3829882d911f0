"""Bulk actions from the inbox: claim several from the queue, approve several decisions at once."""

import pytest
from django.urls import reverse

from engine import services
from engine.models import HumanTask

from .conftest import approve, start_discount

pytestmark = pytest.mark.django_db


def test_claiming_several_tasks_from_the_queue(client, team):
    orders = [approve(start_discount(team.alice), team.boss) for _ in range(3)]
    client.force_login(team.bob)
    page = client.get(reverse("tasklist:inbox"), {"view": "queue"}).content.decode()
    assert 'value="claim"' in page and 'form="bulk-form"' in page
    response = client.post(
        reverse("tasklist:bulk"),
        {"action": "claim", "task": [orders[0].pk, orders[2].pk], "next": "/tasks/?view=queue"},
        follow=True,
    )
    assert "2 tasks done." in response.content.decode()
    assert set(HumanTask.objects.filter(assignee=team.bob).values_list("pk", flat=True)) == {
        orders[0].pk,
        orders[2].pk,
    }


def test_approving_several_decisions_at_once(client, team):
    reviews = [start_discount(team.alice) for _ in range(3)]
    HumanTask.objects.filter(pk=reviews[0].pk).update(business_object_label="Order SO000123")
    reviews[0].refresh_from_db()
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:inbox")).content.decode()
    assert 'value="approve"' in page
    # first the list of what would be approved, nothing done yet
    asked = client.post(reverse("tasklist:bulk"), {"action": "approve", "task": [r.pk for r in reviews[:2]]})
    text = asked.content.decode()
    assert asked.status_code == 200 and "Approve the selected tasks?" in text and "Approve 2 tasks" in text
    listed = text.split('id="bulk-approve-list"')[1].split("</ul>")[0]
    assert listed.count("<li>") == 2 and "Order SO000123" in listed
    assert {HumanTask.objects.get(pk=r.pk).status for r in reviews} == {"ready"}
    # then confirmed
    client.post(
        reverse("tasklist:bulk"),
        {"action": "approve", "confirmed": "yes", "task": [r.pk for r in reviews[:2]]},
    )
    statuses = {r.pk: HumanTask.objects.get(pk=r.pk).status for r in reviews}
    assert statuses == {reviews[0].pk: "completed", reviews[1].pk: "completed", reviews[2].pk: "ready"}


def test_a_task_whose_form_needs_answers_is_not_approved_in_bulk(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.bob)
    client.post(reverse("tasklist:task_claim", args=[order.pk]))
    response = client.post(reverse("tasklist:bulk"), {"action": "approve", "task": [order.pk]}, follow=True)
    assert "needs more than a decision" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "ready"


def test_bulk_skips_what_is_not_yours_and_reports_it(client, team):
    review = start_discount(team.alice)
    client.force_login(team.carol)
    asked = client.post(reverse("tasklist:bulk"), {"action": "approve", "task": [review.pk]})
    assert "1 selected task is not yours to see." in asked.content.decode()
    response = client.post(
        reverse("tasklist:bulk"), {"action": "approve", "confirmed": "yes", "task": [review.pk]}, follow=True
    )
    assert "1 selected task is not yours to see." in response.content.decode()
    review.refresh_from_db()
    assert review.status == "ready"
    nothing = client.post(reverse("tasklist:bulk"), {"action": "explode", "task": [review.pk]}, follow=True)
    assert "Select at least one task and an action." in nothing.content.decode()


def test_delegating_several_tasks_at_once(client, team):
    reviews = [start_discount(team.alice) for _ in range(2)]
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:inbox")).content.decode()
    assert 'value="delegate"' in page and 'list="bulk-colleagues"' in page
    assert '<option value="Bob Zhao">' in page and ">bob<" not in page  # suggested by name
    # picked from the suggestions, typed in part, or by user name: each finds Bob
    for typed in ("Bob Zhao", "bob z", "bob"):
        client.post(
            reverse("tasklist:bulk"),
            {"action": "delegate", "to_user": typed, "task": [r.pk for r in reviews]},
        )
        assert {HumanTask.objects.get(pk=r.pk).assignee for r in reviews} == {team.bob}, typed
        for review in reviews:
            services.delegate(review.pk, user=team.bob, to_user=team.boss)
    response = client.post(
        reverse("tasklist:bulk"),
        {"action": "delegate", "to_user": "ghost", "task": [reviews[0].pk]},
        follow=True,
    )
    assert "There is no active user called “ghost”." in response.content.decode()


def test_a_form_that_declares_itself_not_bulk_approvable_is_named_and_left(client, team):
    # given two decisions, one whose form says "x-bulk": false
    careful, plain = start_discount(team.alice), start_discount(team.alice)
    careful.form_schema = {**careful.form_schema, "x-bulk": False}
    careful.save(update_fields=["form_schema"])
    client.force_login(team.boss)
    # when both are approved in bulk
    asked = client.post(reverse("tasklist:bulk"), {"action": "approve", "task": [careful.pk, plain.pk]})
    # then the confirmation offers only the plain one and names the careful one with why
    text = asked.content.decode()
    assert "Approve 1 task" in text
    refused = text.split('id="bulk-refused-list"')[1].split("</ul>")[0]
    assert careful.name in refused and "must be opened and decided on its own page" in refused
    # and forcing it through the confirmed post still refuses it, naming it
    response = client.post(
        reverse("tasklist:bulk"),
        {"action": "approve", "confirmed": "yes", "task": [careful.pk, plain.pk]},
        follow=True,
    )
    assert "must be opened and decided on its own page" in response.content.decode()
    assert HumanTask.objects.get(pk=careful.pk).status == "ready"
    assert HumanTask.objects.get(pk=plain.pk).status == "completed"
