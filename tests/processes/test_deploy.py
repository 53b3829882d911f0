"""Deploying through the designer's service: versions, running instances, forms, bindings,
migration, and what a rejected upload leaves behind (only its log line)."""

from pathlib import Path

import pytest

from audit.models import AuditEvent
from core.errors import NotPermitted, ValidationFailed
from core.events import emit_business_event
from engine import services as engine
from engine.migration import MigrationNotPossible, migrate_instance
from engine.models import DefinitionVersion, HumanTask, ProcessInstance
from processes.models import DeploymentLog, StartBinding
from processes.services import DefinitionRejected, binding_set, definition_deploy
from tests.factories import EmployeeFactory, GroupFactory, UserFactory
from tests.testapp.models import Note

pytestmark = pytest.mark.django_db

APPROVAL = (Path(__file__).parent / "data" / "approval.bpmn").read_bytes()


@pytest.fixture
def people():
    managers = GroupFactory(name="sales_managers")
    GroupFactory(name="staff")
    designer = UserFactory(
        username="designer", perms=["processes.add_deploymentlog", "processes.change_startbinding"]
    )
    clerk = EmployeeFactory(user__username="clerk").user
    boss = EmployeeFactory(user__username="boss").user
    boss.groups.add(managers)
    return {"designer": designer, "clerk": clerk, "boss": boss}


def deploy(body=APPROVAL, actor=None, **kwargs):
    return definition_deploy(files={"approval.bpmn": body}, actor=actor, **kwargs)


def the_task(instance, element_id):
    return HumanTask.objects.get(instance=instance, element_id=element_id, status=HumanTask.Status.READY)


def test_same_content_is_the_same_version_and_a_change_is_a_new_one(people):
    first = deploy(actor=people["designer"])
    again = deploy(actor=people["designer"])
    changed = deploy(APPROVAL.replace(b'name="Done"', b'name="Finished"'), actor=people["designer"])
    assert (first.created, first.definition.version) == (True, 1)
    assert (again.created, again.definition.pk) == (False, first.definition.pk)
    assert (changed.created, changed.definition.version) == (True, 2)
    assert list(
        DefinitionVersion.objects.filter(key="expense_approval", active=True).values_list(
            "version", flat=True
        )
    ) == [2]
    outcomes = list(DeploymentLog.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["deployed", "unchanged", "deployed"]
    assert AuditEvent.objects.filter(action="deploy", actor=people["designer"]).count() == 2


def test_running_instances_stay_on_their_version(people):
    deploy()
    old = engine.start_process("expense_approval", started_by=people["clerk"])
    deploy(APPROVAL.replace(b'name="Done"', b'name="Finished"'))
    new = engine.start_process("expense_approval", started_by=people["clerk"])
    assert (old.definition.version, new.definition.version) == (1, 2)
    engine.complete_task(
        the_task(old, "Request").pk, user=people["clerk"], data={"amount": 100, "purpose": "Taxi"}
    )
    old.refresh_from_db()
    assert old.definition.version == 1
    assert the_task(old, "Approve").definition_version == 1


def test_without_activate_a_new_version_waits_until_activated(people):
    deploy(activate=None)
    second = deploy(APPROVAL.replace(b'name="Done"', b'name="Finished"'), activate=None)
    assert second.definition.active is False
    started = engine.start_process("expense_approval", started_by=people["clerk"])
    assert started.definition.version == 1


def test_a_rejected_upload_stores_nothing_but_its_log(people):
    broken = APPROVAL.replace(b'isExecutable="true"', b'isExecutable="false"')
    with pytest.raises(DefinitionRejected) as error:
        deploy(broken, actor=people["designer"])
    assert "not marked executable" in error.value.message
    assert error.value.report.errors[0].element_id == "expense_approval"
    assert not DefinitionVersion.objects.exists()
    log = DeploymentLog.objects.get()
    assert log.outcome == "rejected" and log.findings[0]["element_id"] == "expense_approval"


def test_only_process_designers_may_deploy(people):
    with pytest.raises(NotPermitted):
        deploy(actor=people["clerk"])
    assert not DefinitionVersion.objects.exists()


def test_camunda_form_constraints_are_enforced_per_field_when_completing(people):
    deploy()
    instance = engine.start_process("expense_approval", started_by=people["clerk"])
    task = the_task(instance, "Request")
    assert task.form_schema["properties"]["amount"]["maximum"] == 50000
    with pytest.raises(ValidationFailed) as error:
        engine.complete_task(task.pk, user=people["clerk"], data={"amount": 90000, "category": "gifts"})
    assert error.value.fields == {
        "amount": ["Enter a value of at most 50000."],
        "category": ["Choose one of the offered values."],
        "purpose": ["This field is required."],
    }
    assert the_task(instance, "Request").pk == task.pk  # nothing moved


def test_an_approval_task_gets_the_decision_form(people):
    deploy()
    instance = engine.start_process("expense_approval", started_by=people["clerk"])
    engine.complete_task(
        the_task(instance, "Request").pk, user=people["clerk"], data={"amount": 100, "purpose": "Taxi"}
    )
    approve = the_task(instance, "Approve")
    assert set(approve.form_schema["properties"]) == {"decision", "comment"}
    with pytest.raises(ValidationFailed) as error:
        engine.complete_task(approve.pk, user=people["boss"], data={"decision": "reject"})
    assert error.value.fields == {"comment": ["This field is required."]}
    engine.complete_task(
        approve.pk, user=people["boss"], data={"decision": "reject", "comment": "No receipt"}
    )
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.variables["decision"] == "reject"


def test_a_changed_form_file_alone_makes_a_new_version(people):
    with_form = APPROVAL.replace(
        b'camunda:candidateGroups="sales_managers">',
        b'camunda:candidateGroups="sales_managers" camunda:formKey="approve.json">',
    )
    form_v1 = b'{"type": "object", "properties": {"ok": {"type": "boolean"}}}'
    form_v2 = b'{"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}'
    v1 = definition_deploy(files={"approval.bpmn": with_form, "approve.json": form_v1})
    v2 = definition_deploy(files={"approval.bpmn": with_form, "approve.json": form_v2})
    assert (v1.definition.version, v2.definition.version) == (1, 2)
    assert v2.definition.files["approve.json"] == form_v2.decode()
    instance = engine.start_process("expense_approval", started_by=people["clerk"])
    engine.complete_task(
        the_task(instance, "Request").pk, user=people["clerk"], data={"amount": 100, "purpose": "Taxi"}
    )
    assert the_task(instance, "Approve").form_schema["required"] == ["ok"]


def test_a_business_event_starts_the_bound_process_with_the_object_linked(people):
    deploy()
    binding_set(actor=people["designer"], event="complaint.submitted", process_key="expense_approval")
    note = Note.objects.create(title="Broken pump at ACME", owner=people["clerk"])
    started = emit_business_event("complaint.submitted", business_object=note, actor=people["clerk"])
    assert len(started) == 1
    instance = started[0]
    assert instance.business_object_id == str(note.pk)
    assert instance.business_object_label == "Broken pump at ACME"
    assert instance.variables["event"] == "complaint.submitted"
    assert emit_business_event("order.submitted", business_object=note) == []  # nothing bound


def test_binding_needs_a_deployed_process_and_replaces_the_previous_one(people):
    with pytest.raises(ValidationFailed) as error:
        binding_set(actor=people["designer"], event="leave.requested", process_key="nope")
    assert "process_key" in error.value.fields
    deploy()
    deploy(APPROVAL.replace(b'id="expense_approval"', b'id="leave"'))
    binding_set(actor=people["designer"], event="leave.requested", process_key="expense_approval")
    binding_set(actor=people["designer"], event="leave.requested", process_key="leave")
    assert list(
        StartBinding.objects.filter(event="leave.requested", active=True).values_list(
            "process_key", flat=True
        )
    ) == ["leave"]
    with pytest.raises(NotPermitted):
        binding_set(actor=people["clerk"], event="leave.requested", process_key="leave")


RENAMED = APPROVAL.replace(b'"Approve"', b'"ApproveV2"').replace(
    b"<bpmn:flowNodeRef>Approve</bpmn:flowNodeRef>", b"<bpmn:flowNodeRef>ApproveV2</bpmn:flowNodeRef>"
)


def test_migration_dry_run_names_what_would_not_map(people):
    deploy()
    waiting_at_approve = engine.start_process("expense_approval", started_by=people["clerk"])
    engine.complete_task(
        the_task(waiting_at_approve, "Request").pk,
        user=people["clerk"],
        data={"amount": 100, "purpose": "Taxi"},
    )
    deploy(RENAMED)
    report = migrate_instance(waiting_at_approve.pk, to_version=2, user=people["designer"], dry_run=True)
    assert not report.possible
    assert [u["element_id"] for u in report.unmapped] == ["Approve"]
    assert "ApproveV2" in report.added
    with pytest.raises(MigrationNotPossible):
        migrate_instance(waiting_at_approve.pk, to_version=2, user=UserFactory(is_superuser=True))
    waiting_at_approve.refresh_from_db()
    assert waiting_at_approve.definition.version == 1


def test_an_instance_whose_elements_still_exist_migrates_and_runs_on(people):
    deploy()
    instance = engine.start_process("expense_approval", started_by=people["clerk"])
    request = the_task(instance, "Request")
    deploy(RENAMED)
    report = migrate_instance(instance.pk, to_version=2, user=UserFactory(is_superuser=True))
    assert report.possible and report.from_version == 1
    instance.refresh_from_db()
    assert instance.definition.version == 2
    assert the_task(instance, "Request").pk == request.pk  # the open task (and its claim) survive
    engine.complete_task(request.pk, user=people["clerk"], data={"amount": 100, "purpose": "Taxi"})
    assert the_task(instance, "ApproveV2").definition_version == 2


CREDIT_CHECK = APPROVAL.replace(
    b'id="expense_approval" name="Expense approval"', b'id="credit_check" name="Credit check"'
)


def test_a_call_activity_runs_a_process_deployed_earlier(people):
    # given a credit check deployed on its own
    definition_deploy(files={"credit.bpmn": CREDIT_CHECK})
    # when a process calling it is deployed without its file
    calling = APPROVAL.replace(
        b'<bpmn:sequenceFlow id="Flow_3" sourceRef="Approve" targetRef="EndEvent_1" />',
        b'<bpmn:callActivity id="Call_1" name="Check credit" calledElement="credit_check">'
        b"<bpmn:incoming>Flow_3</bpmn:incoming><bpmn:outgoing>Flow_4</bpmn:outgoing></bpmn:callActivity>"
        b'<bpmn:sequenceFlow id="Flow_3" sourceRef="Approve" targetRef="Call_1" />'
        b'<bpmn:sequenceFlow id="Flow_4" sourceRef="Call_1" targetRef="EndEvent_1" />',
    )
    result = deploy(calling)
    assert result.definition.key == "expense_approval"
    assert any(name.startswith("called/credit_check/") for name in result.definition.files)
    # then an instance goes through the called process's tasks
    instance = engine.start_process("expense_approval", started_by=people["clerk"])
    engine.complete_task(
        the_task(instance, "Request").pk, user=people["clerk"], data={"amount": 5, "purpose": "a"}
    )
    engine.complete_task(the_task(instance, "Approve").pk, user=people["boss"], data={"decision": "approve"})
    called_request = the_task(instance, "Request")  # the credit check's first task, same instance
    assert called_request.name == "Describe the expense"
