"""The task page: the form from the JSON Schema, server-side errors per field, approve / reject
with a comment, the double completion, history, comments, delegation and who may see a task."""

import re

import pytest
from django.urls import reverse

from engine import services
from engine.models import HumanTask, InstanceEvent, ProcessInstance

from .conftest import approve, start_discount

pytestmark = pytest.mark.django_db


def field_errors(response) -> dict[str, list[str]]:
    page = response.content.decode()
    found = re.findall(r'<ul class="field-errors" id="field-([\w-]+)-errors">(.*?)</ul>', page, re.S)
    return {name: re.findall(r"<li>(.*?)</li>", items) for name, items in found}


def test_the_review_page_shows_the_decision_buttons_details_and_history(client, team):
    review = start_discount(team.alice, customer="Acme")
    client.force_login(team.boss)
    response = client.get(reverse("tasklist:task", args=[review.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Approve the discount</h1>" in page
    assert 'name="decision" value="approve"' in page and 'name="decision" value="reject"' in page
    assert '<textarea id="field-comment" name="comment"' in page
    assert "Discount approval" in page  # the process
    assert "Alice Li" in page  # started by
    assert "Task created" in page  # history


def test_approving_with_a_comment_completes_the_task_and_records_the_decision(client, team):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    response = client.post(
        reverse("tasklist:task_complete", args=[review.pk]), {"decision": "approve", "comment": "Fine by me"}
    )
    assert response.status_code == 302 and response.url == reverse("tasklist:inbox")
    review.refresh_from_db()
    assert review.status == HumanTask.Status.COMPLETED and review.completed_by == team.boss
    event = InstanceEvent.objects.get(human_task=review, kind=InstanceEvent.Kind.TASK_COMPLETED)
    assert event.data["data"] == {"decision": "approve", "comment": "Fine by me"}
    assert HumanTask.objects.get(instance=review.instance, status="ready").name == "Prepare the order"
    assert "Approved: “Approve the discount”." in client.get(reverse("tasklist:inbox")).content.decode()


def test_rejecting_ends_the_process(client, team):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    client.post(
        reverse("tasklist:task_complete", args=[review.pk]), {"decision": "reject", "comment": "Too much"}
    )
    review.instance.refresh_from_db()
    assert review.instance.status == ProcessInstance.Status.COMPLETED
    assert "end_rejected" in review.instance.completed_elements


def test_a_missing_decision_is_reported_on_the_field_and_changes_nothing(client, team):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    response = client.post(reverse("tasklist:task_complete", args=[review.pk]), {"comment": "thinking"})
    assert response.status_code == 400
    assert field_errors(response) == {"decision": ["This field is required."]}
    assert "thinking</textarea>" in response.content.decode()  # what was typed is kept
    review.refresh_from_db()
    assert review.status == HumanTask.Status.READY


def test_wrong_types_are_reported_per_field_and_typed_values_are_kept(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.bob)
    page = client.get(reverse("tasklist:task", args=[order.pk])).content.decode()
    assert 'id="field-quantity"' in page and 'inputmode="numeric"' in page
    assert 'type="date"' in page and 'type="checkbox"' in page
    assert "<select" in page  # four channels: a drop-down
    response = client.post(
        reverse("tasklist:task_complete", args=[order.pk]),
        {"quantity": "many", "delivery": "next week", "channel": "courier"},
    )
    assert response.status_code == 400
    errors = field_errors(response)
    assert set(errors) == {"quantity", "delivery"}
    assert 'value="many"' in response.content.decode()
    assert 'value="courier" selected' in response.content.decode()
    order.refresh_from_db()
    assert order.status == HumanTask.Status.READY


def test_a_valid_form_completes_with_typed_data(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.bob)
    response = client.post(
        reverse("tasklist:task_complete", args=[order.pk]),
        {
            "quantity": "12",
            "delivery": "2026-12-01",
            "express": "true",
            "channel": "post",
            "note": "ring twice",
        },
    )
    assert response.status_code == 302
    event = InstanceEvent.objects.get(human_task=order, kind=InstanceEvent.Kind.TASK_COMPLETED)
    assert event.data["data"] == {
        "quantity": 12,
        "delivery": "2026-12-01",
        "express": True,
        "channel": "post",
        "note": "ring twice",
    }


def test_a_second_completion_says_who_completed_it_and_changes_nothing(client, team):
    # given the boss has the review open in two tabs and approves in the first
    review = start_discount(team.alice)
    client.force_login(team.boss)
    client.post(reverse("tasklist:task_complete", args=[review.pk]), {"decision": "approve"})
    events_before = InstanceEvent.objects.filter(instance=review.instance).count()
    # when he rejects in the second tab
    response = client.post(reverse("tasklist:task_complete", args=[review.pk]), {"decision": "reject"})
    # then he is told who completed it and when, and nothing changed
    assert response.status_code == 409
    problem = re.search(r'id="task-problem">([^<]*)<', response.content.decode()).group(1)
    assert f"already completed by {team.boss} (" in problem  # the person's name, then when
    assert InstanceEvent.objects.filter(instance=review.instance).count() == events_before
    assert HumanTask.objects.get(instance=review.instance, status="ready").name == "Prepare the order"
    review.refresh_from_db()
    assert review.status == HumanTask.Status.COMPLETED


def test_a_task_assigned_to_someone_else_shows_no_form(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.alice)
    client.post(reverse("tasklist:task_claim", args=[order.pk]))
    client.force_login(team.bob)
    page = client.get(reverse("tasklist:task", args=[order.pk])).content.decode()
    assert "This task is assigned to Alice Li." in page
    assert 'id="task-form"' not in page
    response = client.post(reverse("tasklist:task_complete", args=[order.pk]), {"quantity": "1"})
    assert response.status_code == 403


def test_people_outside_the_task_get_a_404(client, team):
    review = start_discount(team.alice)
    client.force_login(team.carol)
    assert client.get(reverse("tasklist:task", args=[review.pk])).status_code == 404
    assert (
        client.post(reverse("tasklist:task_complete", args=[review.pk]), {"decision": "approve"}).status_code
        == 404
    )
    assert client.get(reverse("tasklist:task", args=[999999])).status_code == 404


def test_the_initiator_can_follow_the_task_without_working_on_it(client, team):
    review = start_discount(team.alice)
    client.force_login(team.alice)
    page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert "This task is assigned to Boss Wang." in page


def test_comments_are_added_with_htmx_and_appear_in_the_history(client, team):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    response = client.post(
        reverse("tasklist:task_comment", args=[review.pk]),
        {"text": "Call the customer first"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert (
        fragment.startswith('<section class="card" id="comments"') and "Call the customer first" in fragment
    )
    empty = client.post(
        reverse("tasklist:task_comment", args=[review.pk]), {"text": "  "}, HTTP_HX_REQUEST="true"
    )
    assert "A comment cannot be empty." in empty.content.decode()
    page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert page.count("Call the customer first") == 2  # comments card and history


def test_delegating_hands_the_task_over(client, team):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert '<option value="alice">Alice Li' in page  # colleagues are offered by name
    assert "(user name)" not in page
    # the hand-over's search finds a colleague by name
    found = client.get(
        reverse("tasklist:task_picker", args=[review.pk]),
        {"form": "handover", "field": "to_user", "q": "Alice"},
    )
    assert [(r["value"], r["label"]) for r in found.json()["results"]] == [("alice", "Alice Li")]
    client.post(reverse("tasklist:task_delegate", args=[review.pk]), {"to_user": "bob"})
    review.refresh_from_db()
    assert review.assignee == team.bob
    response = client.post(
        reverse("tasklist:task_delegate", args=[review.pk]), {"to_user": "nobody"}, follow=True
    )
    assert "There is no active user called “nobody”." in response.content.decode()


def test_the_task_page_is_translated(client, team):
    review = start_discount(team.alice)
    team.boss.language = "zh-hans"
    team.boss.save()
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert "批准" in page and "驳回" in page and "历史记录" in page


FORM_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_order" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="tl_field_order" name="Field order" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:userTask id="fill" name="Fill in" camunda:assignee="${initiator}"
      camunda:formKey="tl_field_order.fill.json" />
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""
# The designer's order; PostgreSQL's jsonb would hand the keys back shortest first.
FORM_JSON = """{"type": "object", "properties": {
  "customer_reference": {"type": "string", "title": "Customer reference"},
  "quantity": {"type": "integer", "title": "Quantity"},
  "note": {"type": "string", "title": "Note"}}}"""


def field_order(html: str) -> list[str]:
    return re.findall(r'<(?:input|textarea|select)[^>]*\bid="field-([a-z_]+)"', html)


def test_form_fields_keep_the_designers_order(client, team):
    from processes.services import definition_deploy

    definition_deploy(files={"order.bpmn": FORM_BPMN, "tl_field_order.fill.json": FORM_JSON})
    instance = services.start_process("tl_field_order", started_by=team.alice)
    task = HumanTask.objects.get(instance=instance)
    client.force_login(team.alice)
    html = client.get(reverse("tasklist:task", args=[task.pk])).content.decode()
    assert field_order(html) == ["customer_reference", "quantity", "note"]


def test_camunda_form_fields_keep_the_designers_order(client, team):
    prepare = approve(start_discount(team.alice), team.boss)
    client.force_login(team.bob)
    html = client.get(reverse("tasklist:task", args=[prepare.pk])).content.decode()
    assert [n for n in field_order(html) if not n.startswith("channel")] == [
        "quantity",
        "delivery",
        "express",
        "note",
    ]
    assert html.index('id="field-express"') < html.index("field-channel") < html.index('id="field-note"')
