"""Engine correctness cases of issue #22 and the administrators' instance operations: no-owner
incidents that close, stuck instances, bounded chains, event subprocesses in running instances,
suspend/resume, reassign, masked process data and migration with a dry run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engine import operations, services
from engine.errors import InstanceSuspended, NotPermitted
from engine.models import HumanTask, Incident, InstanceEvent, MessageSubscription, ProcessInstance, Timer
from tests.factories import UserFactory

from .conftest import bpmn

pytestmark = pytest.mark.django_db

ADMIN_PERMS = ["engine.change_processinstance", "engine.change_humantask", "engine.change_definitionversion"]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", perms=ADMIN_PERMS)


def open_task(instance, element_id):
    return HumanTask.objects.get(instance=instance, element_id=element_id, status="ready")


def test_no_owner_incident_closes_when_an_admin_does_the_task_and_a_failure_gets_its_own(deploy, org, admin):
    # given a task nobody can be found for
    deploy("no_owner_post.bpmn")
    instance = services.start_process("no_owner_post", started_by=org.alice)
    task = open_task(instance, "enter")
    no_owner = Incident.objects.get(instance=instance, status="open")
    assert no_owner.kind == Incident.Kind.NO_OWNER
    # when the administrator does it with data its post-script fails on
    services.complete_task(task.pk, user=admin, data={"parts": 0})
    # then that failure is an incident of its own, of the script kind
    failure = Incident.objects.get(instance=instance, status="open", kind=Incident.Kind.SCRIPT)
    assert failure.pk != no_owner.pk and "division by zero" in failure.message
    no_owner.refresh_from_db()
    assert no_owner.attempts == 1
    # and once the task is done, both close and the process ends
    services.complete_task(task.pk, user=admin, data={"parts": 4})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert not Incident.objects.filter(instance=instance, status="open").exists()


def test_reassigning_a_task_nobody_could_be_found_for_closes_its_incident(deploy, org, admin):
    deploy("lanes.bpmn")
    instance = services.start_process("lanes", started_by=org.alice)
    services.complete_task(open_task(instance, "quote").pk, user=org.bob, data={})
    haunt = open_task(instance, "haunt")
    assert Incident.objects.filter(instance=instance, status="open", kind="no_owner").exists()
    # a person who is not a process administrator may not
    with pytest.raises(NotPermitted):
        operations.task_reassign(haunt.pk, user=org.bob, to_user=org.carol)
    # when the administrator gives it to carol
    operations.task_reassign(haunt.pk, user=admin, to_user=org.carol)
    # then it is in her inbox, the incident is resolved and the instance runs again
    assert list(HumanTask.objects.inbox(org.carol)) == [haunt]
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING
    assert not Incident.objects.filter(instance=instance, status="open").exists()
    assert instance.events.filter(kind=InstanceEvent.Kind.TASK_DELEGATED, actor=admin).exists()


def test_exclusive_split_joined_by_a_parallel_gateway_is_a_stuck_incident_in_words(deploy, org, admin):
    deploy("deadlock.bpmn")
    instance = services.start_process("deadlock", started_by=org.alice, variables={"express": False})
    instance.refresh_from_db()
    incident = Incident.objects.get(instance=instance, status="open")
    assert instance.status == ProcessInstance.Status.ERROR
    assert incident.kind == Incident.Kind.STUCK and incident.element_id == "join"
    # the gateway by its name, the flow it waits for by its name and source
    assert "“Both packed”" in incident.message
    assert "“express packed”" in incident.message and "“Pack express”" in incident.message
    assert "Pack normal" not in incident.message
    # retrying looks again: still stuck, the same incident stays open (no second one)
    services.retry_incident(incident.pk, user=admin)
    incident.refresh_from_db()
    assert incident.status == "open" and incident.attempts == 2
    assert Incident.objects.filter(instance=instance).count() == 1


def test_a_chain_of_processes_starting_processes_is_bounded_with_an_incident(
    deploy, org, settings, django_capture_on_commit_callbacks
):
    settings.ENGINE_MAX_CHAIN_DEPTH = 3
    deploy("signal_chain.bpmn")
    # when a signal starts a process whose end throws the same signal again
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_signal("ping")
    # then the chain stops after the bound, with an incident saying why
    assert ProcessInstance.objects.filter(key="signal_chain").count() == 4
    incident = Incident.objects.get(kind=Incident.Kind.LIMIT)
    assert "“ping”" in incident.message and "was not delivered" in incident.message


def test_a_process_calling_itself_without_end_is_stopped_with_an_incident(deploy, org, settings):
    settings.ENGINE_MAX_SUBPROCESSES = 10
    deploy("recursive_call.bpmn")
    instance = services.start_process("recursive_call", started_by=org.alice)
    instance.refresh_from_db()
    incident = Incident.objects.get(instance=instance, status="open")
    assert instance.status == ProcessInstance.Status.ERROR
    assert incident.kind == Incident.Kind.LIMIT and incident.element_name == "Call myself again"
    assert "More than 10 subprocesses" in incident.message


def test_event_subprocesses_catch_signals_messages_and_timers_in_a_running_instance(deploy, org):
    deploy("event_subprocesses.bpmn")
    instance = services.start_process("event_subs", started_by=org.alice)
    # the event subprocesses' starts are subscriptions of the instance, not process starts
    names = set(MessageSubscription.objects.filter(instance=instance).values_list("message_name", flat=True))
    assert names == {"signal:alarm", "customer_note"}
    assert not MessageSubscription.objects.filter(instance__isnull=True).exists()
    # a signal broadcast and a correlated message each start their event subprocess
    assert services.broadcast_signal("alarm").resumed == [instance]
    assert services.correlate_message("customer_note", payload={"note": "请尽快发货"}).resumed == [instance]
    # and the timer one fires through the Timer table
    assert Timer.objects.get(instance=instance, status="waiting").element_id == "late_start"
    assert services.fire_due_timers(timezone.now() + timedelta(hours=2)) == 1
    open_ids = set(
        HumanTask.objects.filter(instance=instance, status="ready").values_list("element_id", flat=True)
    )
    assert open_ids == {"work", "check_alarm", "read_note", "chase"}
    assert open_task(instance, "read_note").instance.variables.get("note") == "请尽快发货"
    # the main path still ends the process
    for element_id in ("check_alarm", "read_note", "chase", "work"):
        services.complete_task(open_task(instance, element_id).pk, user=org.alice, data={})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED


def test_a_suspended_instance_keeps_its_tasks_and_timers_until_resumed(deploy, org, admin):
    deploy("timers.bpmn")
    instance = services.start_process("timers", started_by=org.alice)
    later = timezone.now() + timedelta(days=1, hours=1)
    # when an administrator suspends it, its timers do not fire
    operations.instance_suspend(instance.pk, user=admin, reason="客户暂停")
    assert services.fire_due_timers(later) == 0
    # after the resume they do
    operations.instance_resume(instance.pk, user=admin)
    assert services.fire_due_timers(later) == 1
    task = open_task(instance, "answer")
    # and while suspended again, its task cannot be completed
    operations.instance_suspend(instance.pk, user=admin)
    with pytest.raises(InstanceSuspended):
        services.complete_task(task.pk, user=org.alice, data={})
    operations.instance_resume(instance.pk, user=admin)
    services.complete_task(task.pk, user=org.alice, data={})
    kinds = list(instance.events.values_list("kind", flat=True))
    assert kinds.count("suspended") == 2 and kinds.count("resumed") == 2


def test_process_data_is_shown_with_secrets_masked(deploy, org, admin):
    deploy("approval.bpmn")
    instance = services.start_process(
        "approval",
        started_by=org.alice,
        variables={"amount": 5, "api_token": "s3cr3t", "bank": {"password": "x"}},
    )
    shown = operations.instance_variables(instance, user=admin)
    assert shown["amount"] == 5
    assert shown["api_token"] == operations.MASK and shown["bank"]["password"] == operations.MASK
    with pytest.raises(NotPermitted):
        operations.instance_variables(instance, user=org.alice)


def test_migration_dry_run_reports_each_instance_then_moves_the_movable(deploy, org, admin):
    v1 = services.definition_deploy(files=bpmn("approval.bpmn"))
    first = services.start_process("approval", started_by=org.alice)
    second = services.start_process("approval", started_by=org.alice)
    # the second moved on to a step the new version drops
    review = open_task(second, "review")
    services.complete_task(review.pk, user=review.assignee, data={"approved": True})
    text = bpmn("approval.bpmn")["approval.bpmn"].decode()
    changed = text.replace('id="fulfil"', 'id="fulfil_v2"').replace('Ref="fulfil"', 'Ref="fulfil_v2"')
    v2 = services.definition_deploy(files={"approval.bpmn": changed.encode()})
    assert v2.version == v1.version + 1
    # when the administrator asks for the dry run
    plan = {
        line.instance.pk: line
        for line in operations.migration_plan("approval", to_version=v2.version, user=admin)
    }
    # then each instance says whether it can move, and why not in words
    assert plan[first.pk].possible
    assert not plan[second.pk].possible and "no longer has" in plan[second.pk].reason
    # and "migrate these" moves the movable one only
    moved, refused = operations.migrate_instances(
        "approval", to_version=v2.version, user=admin, instance_ids=[first.pk, second.pk]
    )
    assert moved == [first.pk] and [line.instance.pk for line in refused] == [second.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.definition == v2 and second.definition == v1
    assert first.events.filter(kind=InstanceEvent.Kind.MIGRATED).exists()


def test_the_dry_run_compares_processes_with_service_tasks(deploy, org, admin):
    from engine.connectors import register_connector, unregister_connector

    register_connector("test.erp", lambda params, data: {"total": params["amount"]})
    try:
        v1 = deploy("service.bpmn")
        instance = services.start_process(
            "service", started_by=org.alice, variables={"amount": 5, "divisor": 1}
        )
        text = (
            bpmn("service.bpmn")["service.bpmn"].decode().replace("Check the result", "Check the ERP result")
        )
        v2 = services.definition_deploy(files={"service.bpmn": text.encode()})
        # a Camunda-dialect process with a service task is compared, not refused as unreadable
        (line,) = operations.migration_plan("service", to_version=v2.version, user=admin)
        assert line.instance == instance and line.possible, line.reason
        assert v1.version == 1
    finally:
        unregister_connector("test.erp")
