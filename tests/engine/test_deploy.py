"""Deployment: idempotent versions, located findings, the routing metadata, DMN and call activities."""

import pytest

from engine import services
from engine.errors import DefinitionInvalid, DefinitionNotFound
from engine.models import DefinitionVersion, HumanTask, ProcessInstance
from tests.engine.conftest import bpmn

pytestmark = pytest.mark.django_db


def test_same_files_same_version_changed_files_next_version(deploy, org):
    first = deploy("approval.bpmn", deployed_by=org.boss)
    assert (first.key, first.version, first.active, first.name) == ("approval", 1, True, "Discount approval")
    assert deploy("approval.bpmn").pk == first.pk
    running = services.start_process("approval", started_by=org.alice)
    # when a changed file is deployed
    files = {"approval.bpmn": bpmn("approval.bpmn")["approval.bpmn"].replace(b"P3D", b"P5D")}
    second = services.definition_deploy(files=files)
    # then it is version 2 and the only active one; the running instance stays on version 1
    first.refresh_from_db()
    assert (second.version, second.active, first.active) == (2, True, False)
    running.refresh_from_db()
    assert running.definition == first
    assert services.start_process("approval", started_by=org.alice).definition == second
    # a version deployed without activation does not take over
    third = services.definition_deploy(
        files={"approval.bpmn": files["approval.bpmn"].replace(b"P5D", b"P7D")}, activate=False
    )
    assert not third.active
    assert DefinitionVersion.objects.get(key="approval", active=True) == second


def test_metadata_holds_routing_timers_messages_and_lanes(deploy):
    meta = deploy("approval.bpmn", "timers.bpmn").metadata  # two files, one executable each: first wins
    review = meta["user_tasks"]["review"]
    assert review["assignee"] == "${manager_of(initiator)}"
    assert (review["due_date"], review["priority"], review["form_key"]) == ("P3D", "70", "discount-review")
    assert [f["id"] for f in review["form_fields"]] == ["approved", "note"]
    assert meta["user_tasks"]["fulfil"]["candidate_groups"] == "sales"
    timers = {t["element_id"]: (t["kind"], t["interrupting"], t["attached_to"]) for t in meta["timers"]}
    assert timers["remind"] == ("cycle", False, "answer")
    assert timers["escalate_timer"] == ("duration", True, "answer")
    lanes = deploy("lanes.bpmn").metadata["lanes"]
    assert lanes["quote"] == "sales" and lanes["haunt"] == "ghosts"
    messages = deploy("messages.bpmn").metadata["messages"]
    assert messages == [
        {
            "element_id": "wait_payment",
            "event": "intermediateCatchEvent",
            "process": "order",
            "message": "payment_received",
            "correlation_keys": ["order_id"],
        }
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<bpmn:definitions", "not well-formed"),
        (b"<?xml version='1.0'?><foo/>", "neither BPMN"),
        (
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n'
            b'<bpmn:process id="p" isExecutable="true">\n<bpmn:bogus id="x"/>\n</bpmn:process>\n'
            b"</bpmn:definitions>",
            "bogus",
        ),
    ],
)
def test_broken_files_are_rejected_with_located_findings(db, body, expected):
    with pytest.raises(DefinitionInvalid) as caught:
        services.definition_deploy(files={"broken.bpmn": body})
    finding = caught.value.findings[0]
    assert finding["file"] == "broken.bpmn"
    assert expected in finding["message"]
    assert caught.value.as_dict()["code"] == "definition_invalid"
    assert not DefinitionVersion.objects.exists()


def test_service_task_without_connector_is_located(db):
    body = bpmn("service.bpmn")["service.bpmn"].replace(b' camunda:topic="test.erp"', b"")
    with pytest.raises(DefinitionInvalid) as caught:
        services.definition_deploy(files={"service.bpmn": body})
    assert caught.value.findings[0]["element_id"] == "call"
    assert "connector" in caught.value.findings[0]["message"]


def test_unknown_key_is_a_domain_error(db, org):
    with pytest.raises(DefinitionNotFound):
        services.start_process("nope", started_by=org.alice)


@pytest.mark.parametrize(("amount", "approver", "priority"), [(5000, "boss", 90), (10, "alice", 10)])
def test_dmn_decision_and_call_activity_route_the_task(deploy, org, amount, approver, priority):
    # given a process deciding the approval level with a DMN table and calling a sub-process
    definition = deploy("decide.bpmn", "discount.dmn")
    assert definition.key == "decide"  # the process nobody calls
    instance = services.start_process("decide", started_by=org.alice, variables={"amount": amount})
    task = HumanTask.objects.get(instance=instance)
    assert (task.assignee.username, task.priority, task.element_id) == (approver, priority, "sub_approve")
    services.complete_task(task.pk, user=task.assignee, data={"ok": True})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.variables["ok"] is True
