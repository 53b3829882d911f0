"""Reads over the engine's projections (never the serialized state).

The only way into the engine's tables for the other apps (import-linter keeps engine.models to
the engine; tests/engine/test_table_ownership.py keeps their managers to it): the functions here
and in this package's modules. The record classes are re-exported by name (__all__) for type
hints, isinstance checks, status values and API serializers, not for queries.
"""

from __future__ import annotations

from django.db.models import BigIntegerField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from core.memo import remembered

from ..models import (
    DefinitionVersion,
    HumanTask,
    HumanTaskCandidate,
    Incident,
    InstanceEvent,
    MessageSubscription,
    ProcessInstance,
    Timer,
)
from ..step import StepResult

__all__ = [
    "DefinitionVersion",
    "HumanTask",
    "HumanTaskCandidate",
    "Incident",
    "InstanceEvent",
    "MessageSubscription",
    "ProcessInstance",
    "Timer",
]

TASK_VIEWS = ("mine", "queue", "delegated", "done")


def inbox(user) -> QuerySet:
    return HumanTask.objects.inbox(user).select_related("instance")


def queue(user) -> QuerySet:
    return HumanTask.objects.queue(user).select_related("instance")


def task_view(user, view: str) -> QuerySet:
    """The tasks of one inbox view: `mine` (assigned to me), `queue` (offered to me or my groups,
    unassigned), `delegated` (by me), `done` (by me); any other name: every task I may view. The
    one rule behind the staff inbox and the API's task list."""
    if view == "mine":
        return HumanTask.objects.inbox(user)
    if view == "queue":
        return HumanTask.objects.queue(user)
    if view == "delegated":
        return HumanTask.objects.delegated_by(user)
    if view == "done":
        return HumanTask.objects.done_by(user)
    return HumanTask.objects.visible_to(user, "view")


def viewable_tasks(user) -> QuerySet:
    """Every task `user` may open (HumanTaskQuerySet.viewable_by)."""
    return HumanTask.objects.viewable_by(user)


def task_for_user(user, task_id: int, *, related: tuple[str, ...] = ()) -> HumanTask | None:
    """The task, if `user` may see it: assignee, candidate, completer, starter of the instance,
    someone who acted on it (e.g. delegated it), or within the user's permission scope over tasks.
    None otherwise. (HumanTaskQuerySet.involving, with each subquery narrowed to this task.)"""
    offered = HumanTaskCandidate.objects.filter(task_id=task_id).offered_to(user).values("task_id")
    acted = InstanceEvent.objects.filter(human_task_id=task_id, actor=user).values("human_task_id")
    base = HumanTask.objects.filter(pk=task_id)
    mine = base.filter(
        Q(assignee=user)
        | Q(completed_by=user)
        | Q(instance__started_by=user)
        | Q(pk__in=offered)
        | Q(pk__in=acted)
    )
    visible = mine | base.visible_to(user, "view")
    return visible.select_related(*related).first()


def task_is_offered_to(user, task: HumanTask) -> bool:
    return HumanTaskCandidate.objects.filter(task=task).offered_to(user).exists()


def task_object_type_ids(limit: int) -> list[int]:
    """The content types any task is about (at most `limit`), by a skip scan of their index."""
    from .. import persistence

    return persistence.task_object_type_ids(limit)


def instance_for_user(user, instance_id: int, *, related: tuple[str, ...] = ()) -> ProcessInstance | None:
    """The instance, if `user` took part in it or it is within their permission scope."""
    base = ProcessInstance.objects.filter(pk=instance_id)
    visible = base.involving(user) | base.visible_to(user, "view")
    return visible.select_related(*related).first()


def instance_history(instance: ProcessInstance) -> QuerySet:
    return InstanceEvent.objects.filter(instance=instance).select_related("actor", "human_task")


def open_incidents(instance: ProcessInstance | None = None) -> QuerySet:
    qs = Incident.objects.filter(status=Incident.Status.OPEN)
    return qs.filter(instance=instance) if instance is not None else qs


def next_tasks(step: StepResult | ProcessInstance, user) -> list[HumanTask]:
    """The open tasks of the instance that `user` can work on now: assigned to them, or unassigned
    and offered to them or their groups. Read from the step that just moved the instance when it
    knows every open task (StepResult.open_tasks), else one query."""
    known = step.open_tasks if isinstance(step, StepResult) else None
    instance = step.instance if isinstance(step, StepResult) else step
    if instance.status in (ProcessInstance.Status.COMPLETED, ProcessInstance.Status.CANCELLED):
        return []
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


def _involving_tasks(user) -> QuerySet:
    offered = HumanTaskCandidate.objects.filter(open=True).offered_to(user).values("task_id")
    held = InstanceEvent.objects.filter(actor=user, kind__in=_HELD_EVENTS, human_task__isnull=False).values(
        "human_task_id"
    )
    return (
        HumanTask.objects.exclude(business_object_id="")
        .filter(Q(assignee=user) | Q(completed_by=user) | Q(pk__in=offered) | Q(pk__in=held))
        .order_by()
    )


def involving_sql(user) -> tuple[str, tuple]:
    """What a person works on through the engine, as SQL with its parameters: `bo_type` (content
    type id) and `bo_id` (the object's id) of every task `user` holds, held or is offered.
    Compiled once per request (the group ids it names are org facts, remembered like them) so the
    row rules of the domain apps use it as a ready subquery: building the ORM subqueries into every
    list query cost more than running them (22 ms of a 55 ms customer search page,
    bench/crm_lists.py)."""

    def compute() -> tuple[str, tuple]:
        tasks = _involving_tasks(user).annotate(
            bo_type=F("business_object_type_id"), bo_id=Cast("business_object_id", BigIntegerField())
        )
        sql, params = tasks.values("bo_type", "bo_id").query.sql_with_params()
        return sql, tuple(params)

    return remembered(("engine_involving_sql", user.pk), compute)
