"""Drafts in the designer: an upload is a draft nobody starts; a test run replays it in memory
(who would get each task, the gateways' choices, the path) and stores nothing; the form editor
saves a task's JSON form as a new draft, with located errors for bad rows."""

import json

import pytest
from django.urls import reverse

from engine.models import DefinitionVersion, HumanTask, InstanceEvent, ProcessInstance

from .test_designer import CHANGED, GOOD, designer, upload  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_an_upload_is_a_draft_until_activated(client, team, designer):  # noqa: F811
    # given v1 is active (the team fixture deployed it)
    client.force_login(designer)
    # when a designer uploads a changed diagram
    response = upload(client, CHANGED, follow=True)
    # then it is saved as draft v2, and new instances still start on v1
    assert "draft version 2" in response.content.decode()
    assert 2 in response.context["drafts"]
    assert DefinitionVersion.objects.get(key="tl_discount", active=True).version == 1
    # and activating the draft makes it the version new starts use
    client.post(reverse("designer:activate", args=["tl_discount", 2]))
    assert DefinitionVersion.objects.get(key="tl_discount", active=True).version == 2


def test_a_test_run_shows_who_gets_each_task_and_the_path_and_stores_nothing(client, team, designer):  # noqa: F811
    from tests.factories import EmployeeFactory

    EmployeeFactory(user=designer, department=team.boss.employee.department)
    client.force_login(designer)
    upload(client, CHANGED)
    url = reverse("designer:test_run", args=["tl_discount", 2])
    events = InstanceEvent.objects.count()

    # when the designer starts a test run of the draft
    page = client.post(url, {"action": "start"})
    run = page.context["run"]
    # then it waits at the approval, which would go to her department head, by name
    assert run["task"].element_id == "review"
    assert run["owners"]["assignee"] == "Boss Wang"
    state = page.context["state"]

    # when she approves without... no: sends a wrong choice, it is refused on the field
    bad = client.post(url, {"action": "complete", "state": state, "decision": "maybe"})
    assert bad.status_code == 400 and bad.context["task_form"].decision.errors
    # and with "approve" the run goes on to the sales queue's task
    page = client.post(url, {"action": "complete", "state": state, "decision": "approve"})
    run = page.context["run"]
    assert run["task"].element_id == "fulfil" and run["owners"]["groups"] == ["sales"]
    assert {"gateway": "Approved?", "taken": ["Prepare and ship the order"]} in run["decisions"]
    page = client.post(url, {"action": "complete", "state": page.context["state"], "quantity": "3"})
    run = page.context["run"]
    assert run["finished"] and [s["id"] for s in run["path"]][-2:] == ["fulfil", "end_done"]
    assert set(page.context["marks"]["done"]) >= {"review", "decide", "fulfil"}

    # and nothing of it was stored: no instance, task or history row
    assert not ProcessInstance.objects.exists() and not HumanTask.objects.exists()
    assert InstanceEvent.objects.count() == events


def test_the_form_editor_saves_a_json_form_as_a_draft_and_locates_bad_rows(client, team, designer):  # noqa: F811
    client.force_login(designer)
    url = reverse("designer:form", args=["tl_discount", 1, "fulfil"])
    # given the task renders its converted Camunda fields
    page = client.get(url)
    assert [r["name"] for r in page.context["rows"] if r["name"]] == [
        "quantity",
        "delivery",
        "express",
        "channel",
        "note",
    ]
    rows = {
        "rows": "3",
        "title": "Ship it",
        "f0-name": "quantity",
        "f0-label": "Quantity",
        "f0-type": "integer",
        "required": ["0", "1"],
        "f1-name": "carrier",
        "f1-label": "Carrier",
        "f1-type": "select",
        "f1-options": "",
        "f2-name": "initiator",
        "f2-label": "Who",
        "f2-type": "user",
    }
    # when a select has no choices and a field takes a name the process keeps, nothing is saved
    bad = client.post(url, {**rows, "action": "save"})
    assert bad.status_code == 400
    by_row = {r["name"]: r["errors"] for r in bad.context["rows"]}
    assert "options" in by_row["carrier"] and "name" in by_row["initiator"]
    assert not DefinitionVersion.objects.filter(key="tl_discount", version=2).exists()
    # and the live preview draws the fields the way the task page does
    preview = client.post(
        reverse("designer:form_preview", args=["tl_discount", 1, "fulfil"]),
        {**rows, "f1-options": "sf = SF Express\nems = EMS", "f2-name": "handler"},
    )
    assert [f.widget for f in preview.context["preview"].fields] == ["integer", "radio", "picker"]

    # when corrected and saved
    client.post(
        url, {**rows, "f1-options": "sf = SF Express\nems = EMS", "f2-name": "handler", "action": "save"}
    )
    # then draft v2 binds the task to its JSON form, which the task will render
    v2 = DefinitionVersion.objects.get(key="tl_discount", version=2)
    assert not v2.active
    schema = json.loads(v2.files["tl_discount.fulfil.json"])
    assert schema["required"] == ["quantity", "carrier"]
    assert schema["properties"]["carrier"]["oneOf"][0] == {"const": "sf", "title": "SF Express"}
    form = v2.metadata["user_tasks"]["fulfil"]["form"]
    assert form["source"] == "file" and form["schema"]["title"] == "Ship it"
    # and the start event, which asks nothing yet, can be given a form the same way
    start = client.get(reverse("designer:form", args=["tl_discount", 2, "start"]))
    assert start.status_code == 200 and start.context["source"] == "none"
    page = client.get(reverse("designer:process", args=["tl_discount"]) + "?version=2")
    fulfil = next(f for f in page.context["task_forms"] if f["id"] == "fulfil")
    assert fulfil["source"] == "file" and fulfil["file"] == "tl_discount.fulfil.json"


def test_a_new_decision_table_is_added_as_a_draft_and_opens_in_the_editor(client, team, designer):  # noqa: F811
    client.force_login(designer)
    url = reverse("designer:decisions", args=["tl_discount", 1])
    assert "This version has no DMN decision table yet." in client.get(url).content.decode()
    table = {
        "action": "create",
        "decision_id": "discount level",
        "input_expression": "",
        "output_name": "level",
    }
    # when the id is not an identifier and the input reads nothing, the errors sit on the fields
    bad = client.post(url, table)
    errors = {f["name"]: f["errors"] for f in bad.context["new_fields"]}
    assert bad.status_code == 400 and errors["decision_id"] and errors["input_expression"]
    assert not DefinitionVersion.objects.filter(key="tl_discount", version=2).exists()
    # when corrected, draft v2 holds the new table, which the editor opens
    page = client.post(
        url, {**table, "decision_id": "discount_level", "input_expression": "amount"}, follow=True
    )
    assert "discount_level.dmn" in DefinitionVersion.objects.get(key="tl_discount", version=2).files
    assert page.context["table"].decision_id == "discount_level"
    assert [c["expression"] for c in page.context["table"].inputs] == ["amount"]
