"""Human tasks end to end: routing by assignee expression / candidates / lanes, the inbox and
queue, claim / unclaim / delegate / due / comments, form validation, completion and history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engine import services, signals
from engine.errors import NotPermitted, TaskAlreadyCompleted, TaskNotClaimable, ValidationFailed
from engine.models import HumanTask, Incident, InstanceEvent, ProcessInstance

pytestmark = pytest.mark.django_db


def open_task(instance, element_id):
    return HumanTask.objects.get(instance=instance, element_id=element_id, status="ready")


def test_manager_of_initiator_gets_the_review_with_due_date_priority_and_form(deploy, org):
    # given the approval process
    deploy("approval.bpmn")
    # when alice starts it
    instance = services.start_process("approval", started_by=org.alice, variables={"amount": 100})
    # then her department head has the review in his inbox, due in 3 days, with the form
    task = open_task(instance, "review")
    assert task.assignee == org.boss
    assert list(HumanTask.objects.inbox(org.boss)) == [task]
    assert task.priority == 70
    assert timedelta(days=2, hours=23) < task.due_at - timezone.now() <= timedelta(days=3)
    assert task.form_key == "discount-review"
    assert task.form_schema["required"] == ["approved"]
    assert instance.variables["initiator"] == "alice"
    assert instance.variables["amount"] == 100


def test_completing_routes_to_group_queue_and_records_history(deploy, org):
    # given a review waiting for the boss
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    review = open_task(instance, "review")
    # when the boss approves
    services.complete_task(review.pk, user=org.boss, data={"approved": True, "note": "ok"})
    # then the fulfilment is offered to the sales group and to alice, not assigned
    fulfil = open_task(instance, "fulfil")
    assert fulfil.assignee is None
    assert list(HumanTask.objects.queue(org.bob)) == [fulfil]
    assert list(HumanTask.objects.queue(org.alice)) == [fulfil]
    assert list(HumanTask.objects.queue(org.carol)) == []
    completed = InstanceEvent.objects.get(instance=instance, kind="task_completed")
    assert completed.actor == org.boss
    assert completed.data["changes"]["approved"] == [None, True]
    # and when bob completes it, the process ends
    services.complete_task(fulfil.pk, user=org.bob, data={})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.ended_at is not None
    assert {"review", "decide", "fulfil", "end_done"} <= set(instance.completed_elements)


def test_form_validation_rejects_missing_and_wrong_types_and_changes_nothing(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    review = open_task(instance, "review")
    # when the boss submits no decision and a number as note
    with pytest.raises(ValidationFailed) as caught:
        services.complete_task(review.pk, user=org.boss, data={"note": 5})
    # then both fields are reported and the task is still open
    assert set(caught.value.fields) == {"approved", "note"}
    review.refresh_from_db()
    assert review.status == "ready"


def test_registered_form_validator_is_consulted(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    review = open_task(instance, "review")

    def no_shouting(task, data):
        return {"note": ["No capitals."]} if str(data.get("note", "")).isupper() else {}

    services.register_form_validator(no_shouting)
    try:
        with pytest.raises(ValidationFailed) as caught:
            services.complete_task(review.pk, user=org.boss, data={"approved": True, "note": "OK"})
    finally:
        services.unregister_form_validator(no_shouting)
    assert caught.value.fields == {"note": ["No capitals."]}


def test_second_completion_says_who_completed_it(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    review = open_task(instance, "review")
    services.complete_task(review.pk, user=org.boss, data={"approved": False})
    # when it is completed again
    with pytest.raises(TaskAlreadyCompleted) as caught:
        services.complete_task(review.pk, user=org.boss, data={"approved": True})
    # then the message names the person
    assert str(org.boss) in str(caught.value.message)
    assert caught.value.code == "task_already_completed"


def test_only_the_assignee_or_a_candidate_may_work_the_task(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    review = open_task(instance, "review")
    with pytest.raises(NotPermitted):
        services.complete_task(review.pk, user=org.carol, data={"approved": True})
    services.complete_task(review.pk, user=org.boss, data={"approved": True})
    fulfil = open_task(instance, "fulfil")
    with pytest.raises(NotPermitted):
        services.claim(fulfil.pk, user=org.carol)


def test_claim_unclaim_delegate_due_and_comment(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    services.complete_task(open_task(instance, "review").pk, user=org.boss, data={"approved": True})
    fulfil = open_task(instance, "fulfil")
    # bob claims: it leaves the queue and enters his inbox; alice cannot claim it any more
    services.claim(fulfil.pk, user=org.bob)
    assert list(HumanTask.objects.inbox(org.bob)) == [fulfil]
    assert list(HumanTask.objects.queue(org.alice)) == []
    with pytest.raises(TaskNotClaimable):
        services.claim(fulfil.pk, user=org.alice)
    # he releases it, alice claims it and delegates it to carol
    services.unclaim(fulfil.pk, user=org.bob)
    services.claim(fulfil.pk, user=org.alice)
    services.delegate(fulfil.pk, user=org.alice, to_user=org.carol)
    assert list(HumanTask.objects.inbox(org.carol)) == [fulfil]
    due = timezone.now() + timedelta(days=1)
    services.set_due(fulfil.pk, user=org.carol, due_at=due)
    services.add_comment(fulfil.pk, user=org.carol, text="Calling the customer tomorrow.")
    fulfil.refresh_from_db()
    assert fulfil.due_at == due
    kinds = list(InstanceEvent.objects.filter(human_task=fulfil).values_list("kind", flat=True))
    assert kinds == [
        "task_created",
        "task_claimed",
        "task_unclaimed",
        "task_claimed",
        "task_delegated",
        "task_due_changed",
        "comment",
    ]
    with pytest.raises(ValidationFailed):
        services.add_comment(fulfil.pk, user=org.carol, text="  ")


def test_directly_assigned_task_cannot_be_released(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    with pytest.raises(TaskNotClaimable):
        services.unclaim(open_task(instance, "review").pk, user=org.boss)


def test_lane_routes_to_group_and_nobody_resolvable_becomes_an_incident(deploy, org):
    deploy("lanes.bpmn")
    instance = services.start_process("lanes", started_by=org.alice)
    quote = open_task(instance, "quote")
    assert quote.candidate_groups == ["sales"]
    assert list(HumanTask.objects.queue(org.bob)) == [quote]
    # when the next task sits in a lane no group matches
    services.complete_task(quote.pk, user=org.bob, data={})
    haunt = open_task(instance, "haunt")
    # then the task exists (not lost) and an incident says why
    incident = Incident.objects.get(instance=instance, status="open")
    assert incident.kind == Incident.Kind.NO_OWNER
    assert incident.human_task == haunt
    assert "ghosts" in incident.message
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.ERROR
    # and after the group is created, retrying routes the task
    from tests.factories import GroupFactory

    ghosts = GroupFactory(name="ghosts")
    org.carol.groups.add(ghosts)
    services.retry_incident(incident.pk, user=org.boss)
    assert list(HumanTask.objects.queue(org.carol)) == [haunt]
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING


def test_signals_are_sent_after_commit(deploy, org, django_capture_on_commit_callbacks):
    deploy("approval.bpmn")
    received = []

    def receiver(signal, sender, **kwargs):
        received.append((signal, kwargs.get("human_task") and kwargs["human_task"].element_id))

    for signal in (
        signals.instance_started,
        signals.task_created,
        signals.task_completed,
        signals.instance_ended,
    ):
        signal.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            instance = services.start_process("approval", started_by=org.alice)
        assert received == [(signals.instance_started, None), (signals.task_created, "review")]
        received.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.complete_task(open_task(instance, "review").pk, user=org.boss, data={"approved": False})
        assert received == [(signals.task_completed, "review"), (signals.instance_ended, None)]
    finally:
        for signal in (
            signals.instance_started,
            signals.task_created,
            signals.task_completed,
            signals.instance_ended,
        ):
            signal.disconnect(receiver)


def test_cancel_instance_cancels_open_tasks(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    with pytest.raises(NotPermitted):
        services.cancel_instance(instance.pk, user=org.carol, reason="no")
    services.cancel_instance(instance.pk, user=org.alice, reason="customer withdrew")
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.CANCELLED
    assert not HumanTask.objects.filter(instance=instance, status="ready").exists()
    assert InstanceEvent.objects.get(instance=instance, kind="cancelled").data == {
        "reason": "customer withdrew"
    }


def test_a_group_with_nobody_in_it_is_an_incident_too(deploy, org):
    # given the quote lane's group exists but has no members
    org.bob.groups.clear()
    deploy("lanes.bpmn")
    instance = services.start_process("lanes", started_by=org.alice)
    # then the task is kept, offered to the empty group, and an incident explains it
    quote = open_task(instance, "quote")
    assert quote.candidate_groups == ["sales"]
    incident = Incident.objects.get(instance=instance, status="open")
    assert "nobody active is in the group(s) sales" in incident.message
    # once someone joins, a retry resolves it
    org.carol.groups.add(org.sales)
    services.retry_incident(incident.pk, user=org.boss)
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert list(HumanTask.objects.queue(org.carol)) == [quote]


def test_the_engine_audits_a_persons_step_with_the_step_and_a_refused_one_not_at_all(deploy, org):
    from audit.models import AuditEvent

    # given the approval process started by alice (audited as her start)
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    review = open_task(instance, "review")
    started = AuditEvent.objects.get(object_type="engine.processinstance", object_id=str(instance.pk))
    assert (started.action, started.actor, started.extra["operation"]) == ("create", org.alice, "start")
    # when the boss sends a form the task refuses, nothing is audited and the review stays open
    with pytest.raises(ValidationFailed):
        services.complete_task(review.pk, user=org.boss, data={"approved": "perhaps"})
    assert not AuditEvent.objects.filter(object_type="engine.humantask").exists()
    # and when he completes it, one row with what changed commits with the step
    services.complete_task(review.pk, user=org.boss, data={"approved": True, "note": "ok"})
    row = AuditEvent.objects.get(object_type="engine.humantask", object_id=str(review.pk))
    assert (row.actor, row.extra["operation"], row.extra["process"]) == (org.boss, "complete", "approval")
    assert row.changes == {"approved": [None, True], "note": [None, "ok"]}
    assert open_task(instance, "fulfil").assignee is None
