"""Events an instance waits for: messages (correlated by keys), BPMN signals (broadcast) and timers
(fired by beat), each delivered in a transaction of its own."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import runtime
from .errors import (
    ValidationFailed,
)
from .forms import OWNED_VARIABLES
from .models import (
    InstanceEvent,
    MessageSubscription,
    ProcessInstance,
    Timer,
)
from .projection import SIGNAL_PREFIX, correlation_hash, spiff_task
from .step import audit, finish, load, lock_instance, skip_locked_supported, start

logger = logging.getLogger(__name__)


@dataclass
class CorrelationResult:
    """What a message did: the instances it resumed or started; `matched` False means nobody
    was waiting for it (not an error: the caller decides whether that matters)."""

    message_name: str
    started: list[ProcessInstance] = field(default_factory=list)
    resumed: list[ProcessInstance] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.started or self.resumed)

    @property
    def instances(self) -> list[ProcessInstance]:
        return [*self.resumed, *self.started]

    @property
    def message(self) -> str:
        if self.matched:
            return str(
                _("Message “%(name)s” resumed %(r)d and started %(s)d instance(s).")
                % {"name": self.message_name, "r": len(self.resumed), "s": len(self.started)}
            )
        return str(_("No waiting instance for message “%(name)s”.") % {"name": self.message_name})


def correlate_message(
    name: str, *, keys: dict | None = None, payload: dict | None = None, actor=None, depth: int = 0
) -> CorrelationResult:
    """Deliver a message to the instances waiting for it with these correlation keys (a waiting
    task, or the message start event of an event subprocess), else start the processes whose start
    event catches it. `actor`: the person (or integration's user) who sent it, for the audit log;
    `depth`: how many instances handed it on (engine.step bounds such chains). Suspended
    instances do not take messages."""
    keys = runtime.json_safe(keys or {})
    payload = runtime.json_safe(payload or {})
    if not isinstance(payload, dict):
        raise ValidationFailed(_("A message payload must be an object."))
    owned = sorted(OWNED_VARIABLES & (set(payload) | set(keys)))
    if owned:
        raise ValidationFailed(
            _("A message cannot set what the process owns."),
            fields={key: [_("This value belongs to the process; it cannot be sent.")] for key in owned},
        )
    result = CorrelationResult(message_name=name)
    with transaction.atomic():
        _correlate(name, keys, payload, result, depth)
        if result.matched:
            instances = result.instances
            audit(actor, instances[0], "message", message=name, instances=[i.pk for i in instances])
    return result


def _correlate(
    name: str, keys: dict, payload: dict, result: CorrelationResult, depth: int = 0
) -> CorrelationResult:
    digest = correlation_hash(keys)
    with transaction.atomic():
        instance_ids = sorted(
            set(
                MessageSubscription.objects.filter(
                    message_name=name, correlation_hash=digest, instance__isnull=False
                ).values_list("instance_id", flat=True)
            )
        )
        for instance_id in instance_ids:
            instance = lock_instance(instance_id)
            subs = list(
                MessageSubscription.objects.filter(
                    instance=instance, message_name=name, correlation_hash=digest
                )
            )
            if not subs or not instance.is_running or instance.suspended:
                continue
            step = load(instance)
            step.depth = depth
            delivered = False
            for sub in sorted(subs, key=lambda s: s.task_id is None):
                if sub.task_id is None:  # the start event of an event subprocess
                    if delivered:
                        continue
                    caught = runtime.catch_in_event_subprocess(
                        step.workflow, "message", name, payload, step.parsed.dialect
                    )
                else:
                    task = spiff_task(step, sub.task_id)
                    caught = task is not None and task.has_state(runtime.TaskState.WAITING)
                    if caught:
                        runtime.deliver_message(step.workflow, task, payload, step.parsed.dialect, name)
                if caught:
                    step.event(
                        InstanceEvent.Kind.MESSAGE,
                        element_id=sub.element_id,
                        data={"message": name, "keys": keys, "payload": payload},
                    )
                    delivered = True
            if delivered:
                runtime.run_engine(step.workflow, step.outcome)
                finish(step)
                result.resumed.append(instance)
        if result.resumed:
            return result
        starts = MessageSubscription.objects.filter(
            message_name=name, instance__isnull=True, definition__active=True
        ).select_related("definition")
        for sub in starts:

            def deliver(step, sub=sub):
                task = runtime.start_event_waiting_for(step.workflow, name)
                if task is not None:
                    runtime.deliver_message(step.workflow, task, payload, step.parsed.dialect, name)
                    step.event(
                        InstanceEvent.Kind.MESSAGE,
                        element_id=sub.element_id,
                        data={"message": name, "keys": keys, "payload": payload},
                    )

            step = start(sub.definition, started_by=None, variables=keys, before_run=deliver, depth=depth)
            finish(step)
            result.started.append(step.instance)
    return result


def broadcast_signal(name: str, *, payload: dict | None = None, depth: int = 0) -> CorrelationResult:
    """Deliver a BPMN signal to every instance waiting for it (a waiting task, or the signal start
    event of an event subprocess; suspended instances excepted) and start the processes whose
    start event catches it. Each instance advances in its own transaction: a broadcast to many
    instances never holds many locks at once."""
    result = CorrelationResult(message_name=name)
    topic = SIGNAL_PREFIX + name
    payload = runtime.json_safe(payload) if payload is not None else None
    instance_ids = sorted(
        set(
            MessageSubscription.objects.filter(message_name=topic, instance__isnull=False).values_list(
                "instance_id", flat=True
            )
        )
    )
    for instance_id in instance_ids:
        with transaction.atomic():
            instance = lock_instance(instance_id)
            subs = list(MessageSubscription.objects.filter(instance=instance, message_name=topic))
            if not subs or not instance.is_running or instance.suspended:
                continue
            step = load(instance)
            step.depth = depth
            delivered = False
            for sub in sorted(subs, key=lambda s: s.task_id is None):
                if sub.task_id is None:  # the start event of an event subprocess
                    caught = runtime.catch_in_event_subprocess(
                        step.workflow, "signal", name, payload, step.parsed.dialect
                    )
                else:
                    task = spiff_task(step, sub.task_id)
                    caught = task is not None and task.has_state(runtime.TaskState.WAITING)
                    if caught:
                        runtime.deliver_signal(step.workflow, task, name, payload)
                if caught:
                    step.event(InstanceEvent.Kind.MESSAGE, element_id=sub.element_id, data={"signal": name})
                    delivered = True
            if delivered:
                runtime.run_engine(step.workflow, step.outcome)
                finish(step)
                result.resumed.append(instance)
    starts = MessageSubscription.objects.filter(
        message_name=topic, instance__isnull=True, definition__active=True
    ).select_related("definition")
    for sub in starts:

        def deliver(step, sub=sub):
            task = runtime.start_event_waiting_for_signal(step.workflow, name)
            if task is not None:
                runtime.deliver_signal(step.workflow, task, name, payload)
                step.event(InstanceEvent.Kind.MESSAGE, element_id=sub.element_id, data={"signal": name})

        with transaction.atomic():
            step = start(sub.definition, started_by=None, before_run=deliver, depth=depth)
            finish(step)
        result.started.append(step.instance)
    return result


def fire_due_timers(now=None, *, limit: int = 500) -> int:
    """Fire every timer due at `now`, each exactly once, each in its own transaction.

    Two beat processes may run this at once: rows are taken with SKIP LOCKED and the instance row
    is locked without waiting, so a timer is fired by whoever got it first and the other moves on.
    """
    now = now or timezone.now()
    # Timers created while this run fires others (the next wait of the same process) belong to
    # the next run: a run never chases its own tail, and a simulated `now` stays meaningful.
    cutoff = timezone.now()
    fired = 0
    skipped: set[int] = set()
    while fired + len(skipped) < limit:
        with transaction.atomic():
            # (a suspended instance's timers are held as SUSPENDED until it is resumed)
            qs = Timer.objects.filter(
                status=Timer.Status.WAITING, due_at__lte=now, created_at__lte=cutoff
            ).exclude(pk__in=skipped)
            if skip_locked_supported():
                qs = qs.select_for_update(skip_locked=True)
            timer = qs.order_by("due_at", "pk").first()
            if timer is None:
                break
            try:
                done = _fire_timer(timer, now)
            except Exception:
                logger.exception("timer %s could not be fired", timer.pk)
                done = False
            if done:
                fired += 1
            else:
                skipped.add(timer.pk)
    return fired


def _fire_timer(timer: Timer, now) -> bool:
    if timer.instance_id is None:
        return _fire_start_timer(timer, now)
    instance = lock_instance(timer.instance_id, skip_locked=True)
    if instance is None:
        return False  # someone else is advancing this instance; the next tick fires it
    if not instance.is_running:
        timer.status = Timer.Status.CANCELLED
        timer.save(update_fields=["status"])
        return True
    step = load(instance)
    try:
        task = step.workflow.get_task_from_id(timer.task_id)
    except Exception:
        task = None
    timer.status = Timer.Status.FIRED
    timer.fired_at = now
    timer.save(update_fields=["status", "fired_at"])
    if task is None or not runtime.force_fire_timer(task):
        return True
    step.event(
        InstanceEvent.Kind.TIMER_FIRED,
        element_id=timer.element_id,
        data={"timer": timer.pk, "due_at": timer.due_at.isoformat(), "kind": timer.kind},
    )
    runtime.run_engine(step.workflow, step.outcome)
    finish(step)
    return True


def _fire_start_timer(timer: Timer, now) -> bool:
    definition = timer.definition
    if definition is None or not definition.active:
        timer.status = Timer.Status.CANCELLED
        timer.save(update_fields=["status"])
        return True

    def fire(step):
        for task in runtime.waiting_event_tasks(step.workflow):
            if runtime.element_of(task)[0] == timer.element_id:
                if runtime.timer_kind(task.task_spec.event_definition) == "cycle":
                    task._set_internal_data(
                        event_value={"cycles": 1, "next": now.isoformat(), "duration": 1.0}
                    )
                runtime.force_fire_timer(task)
        step.event(InstanceEvent.Kind.TIMER_FIRED, element_id=timer.element_id, data={"timer": timer.pk})

    step = start(definition, started_by=None, before_run=fire)
    finish(step)
    timer.status = Timer.Status.FIRED
    timer.fired_at = now
    timer.save(update_fields=["status", "fired_at"])
    cycle = timer.cycle or {}
    remaining = cycle.get("cycles", 0)
    if timer.kind == Timer.Kind.CYCLE and remaining != 1 and cycle.get("seconds"):
        next_due = timer.due_at + timedelta(seconds=cycle["seconds"])
        while next_due <= now:
            next_due += timedelta(seconds=cycle["seconds"])
        Timer.objects.create(
            definition=definition,
            element_id=timer.element_id,
            kind=timer.kind,
            expression=timer.expression,
            due_at=next_due,
            cycle={**cycle, "cycles": remaining - 1 if remaining > 0 else remaining},
        )
    return True
