"""Timers (intermediate, boundary interrupting / non-interrupting cycle, start cycle) and messages
(intermediate catch with correlation keys, message start, nobody waiting)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engine import services
from engine.models import HumanTask, InstanceEvent, MessageSubscription, ProcessInstance, Timer

pytestmark = pytest.mark.django_db


def later(**kwargs):
    return timezone.now() + timedelta(**kwargs)


def test_intermediate_timer_waits_then_fires_exactly_once(deploy, org):
    deploy("timers.bpmn")
    instance = services.start_process("timers", started_by=org.alice, variables={"reminders": 0})
    # the process waits a day: one timer row, no task yet
    timer = Timer.objects.get(instance=instance, status="waiting")
    assert timer.element_id == "wait" and timer.kind == "duration"
    assert timedelta(hours=23) < timer.due_at - timezone.now() <= timedelta(days=1)
    assert services.fire_due_timers(now=later(hours=1)) == 0
    # when a day has passed, the timer fires once; running beat again does not fire it again
    assert services.fire_due_timers(now=later(days=1, minutes=1)) == 1
    services.fire_due_timers(now=later(days=1, minutes=1))
    timer.refresh_from_db()
    assert timer.status == "fired"
    assert HumanTask.objects.get(instance=instance, element_id="answer").assignee == org.alice
    assert InstanceEvent.objects.filter(instance=instance, kind="timer_fired", element_id="wait").count() == 1


def test_non_interrupting_cycle_reminds_twice_and_interrupting_timer_escalates(deploy, org):
    deploy("timers.bpmn")
    instance = services.start_process("timers", started_by=org.alice, variables={"reminders": 0})
    services.fire_due_timers(now=later(days=1, minutes=1))
    answer = HumanTask.objects.get(instance=instance, element_id="answer")
    waiting = set(
        Timer.objects.filter(instance=instance, status="waiting").values_list("element_id", flat=True)
    )
    assert waiting == {"remind", "escalate_timer"}
    # the reminder cycle (R2/PT10M) fires twice, the task stays open
    services.fire_due_timers(now=later(days=1, minutes=15))
    services.fire_due_timers(now=later(days=1, minutes=30))
    services.fire_due_timers(now=later(days=1, minutes=45))
    answer.refresh_from_db()
    assert answer.status == "ready"
    steps = InstanceEvent.objects.filter(instance=instance, kind="step")
    reminders = [e for s in steps for e in s.data["elements"] if e["id"] == "count_reminder"]
    assert len(reminders) == 2
    # the overdue timer (P2D after the task started) cancels the task and escalates to the boss
    services.fire_due_timers(now=later(days=4))
    answer.refresh_from_db()
    assert answer.status == "cancelled"
    escalated = HumanTask.objects.get(instance=instance, element_id="escalated")
    assert escalated.assignee == org.boss
    assert not Timer.objects.filter(instance=instance, status="waiting").exists()
    services.complete_task(escalated.pk, user=org.boss, data={})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED


def test_completing_the_task_removes_its_boundary_timers(deploy, org):
    deploy("timers.bpmn")
    instance = services.start_process("timers", started_by=org.alice, variables={"reminders": 0})
    services.fire_due_timers(now=later(days=1, minutes=1))
    answer = HumanTask.objects.get(instance=instance, element_id="answer")
    services.complete_task(answer.pk, user=org.alice, data={})
    assert not Timer.objects.filter(instance=instance, status="waiting").exists()
    assert services.fire_due_timers(now=later(days=10)) == 0


def test_timer_start_event_starts_an_instance_per_cycle(deploy, org):
    definition = deploy("timer_start.bpmn")
    timer = Timer.objects.get(definition=definition, status="waiting")
    assert timer.kind == "cycle"
    # when the hour has passed, one instance starts and the next hour is scheduled
    assert services.fire_due_timers(now=later(hours=1, minutes=1)) == 1
    assert services.fire_due_timers(now=later(hours=1, minutes=1)) == 0
    assert ProcessInstance.objects.filter(key="hourly_check").count() == 1
    assert HumanTask.objects.get(element_id="check").candidate_groups == ["sales"]
    assert services.fire_due_timers(now=later(hours=2, minutes=1)) == 1
    assert ProcessInstance.objects.filter(key="hourly_check").count() == 2


def test_message_with_correlation_key_resumes_only_the_matching_instance(deploy, org):
    deploy("messages.bpmn")
    first = services.start_process("order", started_by=org.alice, variables={"order_id": 1})
    second = services.start_process("order", started_by=org.alice, variables={"order_id": 2})
    assert MessageSubscription.objects.filter(message_name="payment_received").count() == 2
    # when payment for order 2 arrives
    result = services.correlate_message("payment_received", keys={"order_id": 2}, payload={"paid": 99.5})
    # then only the second order continues (and completes) with the payload in its data
    assert result.matched and result.resumed == [second]
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == "completed" and second.variables["paid"] == 99.5
    assert first.status == "running"
    # and a payment for an unknown order matches nothing, without an exception
    nothing = services.correlate_message("payment_received", keys={"order_id": 3}, payload={})
    assert not nothing.matched
    assert "No waiting instance" in nothing.message


def test_message_start_event_starts_a_process(deploy, org):
    from tests.factories import GroupFactory

    service = GroupFactory(name="service")
    org.carol.groups.add(service)
    deploy("message_start.bpmn")
    result = services.correlate_message(
        "complaint_submitted", keys={"complaint_id": 7}, payload={"text": "Broken"}
    )
    assert len(result.started) == 1
    instance = result.started[0]
    task = HumanTask.objects.get(instance=instance)
    assert list(HumanTask.objects.queue(org.carol)) == [task]
    instance.refresh_from_db()
    assert instance.variables["text"] == "Broken"
    assert instance.variables["complaint_id"] == 7


def test_date_timer_from_process_data(deploy, org):
    deploy("deadline_date.bpmn")
    when = later(days=30).replace(microsecond=0)
    instance = services.start_process(
        "deadline_date", started_by=org.alice, variables={"contract_date": when.isoformat(), "owner": "bob"}
    )
    timer = Timer.objects.get(instance=instance, status="waiting")
    assert (timer.kind, timer.due_at) == ("date", when)
    assert services.fire_due_timers(now=later(days=29)) == 0
    assert services.fire_due_timers(now=later(days=31)) == 1
    task = HumanTask.objects.get(instance=instance, element_id="renew")
    assert (task.assignee, task.due_at) == (org.bob, when)


def test_message_thrown_by_one_instance_resumes_another(deploy, org, django_capture_on_commit_callbacks):
    deploy("messages.bpmn")
    deploy("notify.bpmn")
    order = services.start_process("order", started_by=org.alice, variables={"order_id": 42})
    # when the cashier process throws "payment_received" for order 42
    with django_capture_on_commit_callbacks(execute=True):
        cashier = services.start_process(
            "cashier", started_by=org.bob, variables={"order_id": 42, "amount": 7}
        )
    # then the waiting order got it, after the cashier's step committed
    order.refresh_from_db()
    assert order.status == "completed" and order.variables["paid"] == 7
    sent = InstanceEvent.objects.get(instance=cashier, kind="message", data__direction="sent")
    assert sent.data["keys"] == {"order_id": 42}


def test_signal_thrown_by_one_instance_reaches_every_waiting_one_and_starts_others(
    deploy, org, django_capture_on_commit_callbacks
):
    deploy("signals.bpmn")
    deploy("recall.bpmn")
    deploy("recall_audit.bpmn")
    deliveries = [services.start_process("delivery", started_by=org.alice) for _ in range(3)]
    # when the recall process throws the signal
    with django_capture_on_commit_callbacks(execute=True):
        services.start_process("recall", started_by=org.boss)
    # then every delivery was interrupted and one recall audit started
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.status == "completed"
        assert "stopped" in delivery.completed_elements
        assert HumanTask.objects.get(instance=delivery).status == "cancelled"
    audit = ProcessInstance.objects.get(key="recall_audit")
    assert HumanTask.objects.get(instance=audit, status="ready").candidate_groups == ["sales"]
    # and a signal nobody waits for is not an error
    assert not services.broadcast_signal("nothing_happens").matched


def test_a_signal_end_event_throws_its_signal(deploy, org, django_capture_on_commit_callbacks):
    # given a delivery waiting for the recall signal
    deploy("signals.bpmn")
    deploy("recall_end.bpmn")
    delivery = services.start_process("delivery", started_by=org.alice)
    # when a process ends with a signal end event (SpiffWorkflow's parser alone ends it silently)
    with django_capture_on_commit_callbacks(execute=True):
        recall = services.start_process("recall_end", started_by=org.boss)
    # then the signal reached the delivery
    recall.refresh_from_db()
    delivery.refresh_from_db()
    assert recall.status == "completed" and "announced" in recall.completed_elements
    assert delivery.status == "completed" and "stopped" in delivery.completed_elements
