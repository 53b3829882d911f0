"""Task reminders and escalation: each goes out once per due time, even with two sweeps."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from engine import services as engine
from engine.models import HumanTask
from integrations.models import Notification
from integrations.reminders import send_task_reminders
from tests.factories import EmployeeFactory

APPROVAL = (Path(__file__).resolve().parents[1] / "processes" / "data" / "approval.bpmn").read_bytes()


def open_task(clerk, due_at):
    engine.definition_deploy(files={"approval.bpmn": APPROVAL})
    instance = engine.start_process("expense_approval", started_by=clerk)
    task = HumanTask.objects.get(instance=instance, status="ready")
    engine.set_due(task.pk, user=clerk, due_at=due_at)
    return HumanTask.objects.get(pk=task.pk)


def titles(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("template", flat=True))


@pytest.fixture
def staff(db):
    boss = EmployeeFactory(user__username="boss")
    clerk = EmployeeFactory(user__username="clerk", manager=boss, department=boss.department)
    return clerk.user, boss.user


@pytest.mark.django_db
def test_due_soon_then_overdue_then_escalation_each_once(staff, settings):
    clerk, boss = staff
    start = timezone.now()
    open_task(clerk, due_at=start + timedelta(hours=2))
    # 2 hours before: due soon (within the 4-hour window), sent once however often beat runs
    with time_machine.travel(start, tick=False):
        assert send_task_reminders()["task_due_soon"] == 1
        assert send_task_reminders()["task_due_soon"] == 0
    # after the due time: overdue, to the assignee
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        assert send_task_reminders()["task_overdue"] == 1
        send_task_reminders()
    assert titles(clerk) == ["task_due_soon", "task_overdue"]
    assert titles(boss) == []
    # a day later: escalated to the manager, once
    with time_machine.travel(start + timedelta(hours=2 + settings.TASK_ESCALATE_AFTER_HOURS + 1), tick=False):
        assert send_task_reminders()["task_escalated"] == 1
        assert send_task_reminders() == {"task_due_soon": 0, "task_overdue": 0, "task_escalated": 0}
    assert titles(boss) == ["task_escalated"]
    assert "clerk" in Notification.objects.get(recipient=boss).body.lower()


@pytest.mark.django_db
def test_a_new_due_date_is_a_new_due_event(staff):
    clerk, _boss = staff
    start = timezone.now()
    task = open_task(clerk, due_at=start - timedelta(minutes=5))
    with time_machine.travel(start, tick=False):
        send_task_reminders()
        engine.set_due(task.pk, user=clerk, due_at=start - timedelta(minutes=1))
        send_task_reminders()
    assert titles(clerk) == ["task_overdue", "task_overdue"]


@pytest.mark.django_db
def test_completed_tasks_are_not_reminded(staff):
    clerk, _boss = staff
    task = open_task(clerk, due_at=timezone.now() - timedelta(hours=1))
    engine.complete_task(task.pk, user=clerk, data={"amount": 5, "purpose": "Taxi"})
    assert send_task_reminders()["task_overdue"] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_sweeping_at_once_send_each_reminder_once(staff):
    clerk, _boss = staff
    for _ in range(5):
        open_task(clerk, due_at=timezone.now() - timedelta(minutes=10))
    barrier = threading.Barrier(2)
    results = []

    def beat():
        try:
            barrier.wait()
            results.append(send_task_reminders()["task_overdue"])
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 5
    assert Notification.objects.filter(recipient=clerk, template="task_overdue").count() == 5
