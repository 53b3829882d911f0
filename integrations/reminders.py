"""Task reminders and escalation, swept by beat (or the embedded ticker).

Due soon → the assignee; overdue → the assignee; overdue for longer than the escalation delay →
the assignee's manager. Each goes out once per due time: changing a task's due date makes a new
due event, which is reminded again.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone

from engine.selectors import HumanTask
from engine.selectors.work import assigned_open_tasks
from org.selectors import manager_of

from .models import ReminderLog
from .services import notify, process_name, subject_for


def _claim(kind: str, task: HumanTask) -> bool:
    """Record that this reminder goes out; False when someone (another beat) already did."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                kind=kind, subject=f"task:{task.pk}", occurrence=task.due_at.isoformat()
            )
    except IntegrityError:
        return False
    return True


def _context(task: HumanTask, recipient) -> dict:
    return {
        "task": task.name,
        "process": process_name(task.instance),
        "subject": subject_for([recipient], task),
        "due": formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT"),
        "assignee": str(task.assignee) if task.assignee else "",
    }


def send_task_reminders(now=None) -> dict[str, int]:
    now = now or timezone.now()
    soon = now + timedelta(hours=settings.TASK_DUE_SOON_HOURS)
    escalate_before = now - timedelta(hours=settings.TASK_ESCALATE_AFTER_HOURS)
    sent = {"task_due_soon": 0, "task_overdue": 0, "task_escalated": 0}
    open_tasks = assigned_open_tasks()
    sweeps = [
        ("task_due_soon", open_tasks.filter(due_at__gt=now, due_at__lte=soon)),
        ("task_overdue", open_tasks.filter(due_at__lte=now)),
        ("task_escalated", open_tasks.filter(due_at__lte=escalate_before)),
    ]
    for kind, tasks in sweeps:
        for task in tasks.iterator(chunk_size=500):
            recipient = manager_of(task.assignee) if kind == "task_escalated" else task.assignee
            if recipient is None or not _claim(kind, task):
                continue
            notify(
                recipients=[recipient],
                template=kind,
                context=_context(task, recipient),
                url=f"/tasks/{task.pk}/",
            )
            sent[kind] += 1
    return sent
