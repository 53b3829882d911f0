"""Reads over the engine's projections (never the serialized state)."""

from __future__ import annotations

from django.db.models import BigIntegerField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from .models import HumanTask, HumanTaskCandidate, Incident, InstanceEvent, ProcessInstance


def inbox(user) -> QuerySet:
    return HumanTask.objects.inbox(user).select_related("instance")


def queue(user) -> QuerySet:
    return HumanTask.objects.queue(user).select_related("instance")


def instance_history(instance: ProcessInstance) -> QuerySet:
    return InstanceEvent.objects.filter(instance=instance).select_related("actor", "human_task")


def open_incidents(instance: ProcessInstance | None = None) -> QuerySet:
    qs = Incident.objects.filter(status=Incident.Status.OPEN)
    return qs.filter(instance=instance) if instance is not None else qs


def next_tasks(instance: ProcessInstance, user) -> list[HumanTask]:
    """The open tasks of `instance` that `user` can work on now: assigned to them, or unassigned and
    offered to them or their groups. Read from the step that just moved the instance when it knows
    every open task (`step_open_tasks`, set by engine.services), else one query."""
    if instance.status in (ProcessInstance.Status.COMPLETED, ProcessInstance.Status.CANCELLED):
        return []
    known = getattr(instance, "step_open_tasks", None)
    if known is not None:
        from org.selectors import effective_group_ids

        groups = set(effective_group_ids(user))
        return sorted((o.task for o in known if o.workable_by(user.pk, groups)), key=lambda task: task.pk)
    offered = HumanTaskCandidate.objects.filter(task=OuterRef("pk"), open=True).offered_to(user)
    return list(
        HumanTask.objects.open()
        .filter(instance_id=instance.pk)
        .filter(Q(assignee=user) | Q(assignee__isnull=True) & Exists(offered))
        .select_related("assignee")
        .order_by("pk")
    )


# What a person "works on" through the engine: a task they hold (assignee), held (claimed,
# completed or handed over, from the history) or are offered while it is open.
_HELD_EVENTS = (
    InstanceEvent.Kind.TASK_CLAIMED,
    InstanceEvent.Kind.TASK_COMPLETED,
    InstanceEvent.Kind.TASK_DELEGATED,
)


def business_objects_involving(user, content_type) -> QuerySet:
    """Ids (as integers, for `pk__in=`) of the business objects of one type that `user` holds, held
    or is offered a task on: one subquery over indexed columns (the inbox, candidate and actor
    indexes), evaluated by the database, never a loop."""
    offered = HumanTaskCandidate.objects.filter(open=True).offered_to(user).values("task_id")
    held = InstanceEvent.objects.filter(actor=user, kind__in=_HELD_EVENTS, human_task__isnull=False).values(
        "human_task_id"
    )
    return (
        HumanTask.objects.filter(business_object_type=content_type)
        .exclude(business_object_id="")
        .filter(Q(assignee=user) | Q(completed_by=user) | Q(pk__in=offered) | Q(pk__in=held))
        .values_list(Cast("business_object_id", BigIntegerField()), flat=True)
    )
