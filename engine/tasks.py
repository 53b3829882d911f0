"""Celery wrappers around the engine services (beat runs `engine.fire_due_timers`), and the
receivers that queue the delivery of what a step threw (imported by EngineConfig.ready)."""

from celery import shared_task
from django.dispatch import receiver

from . import services
from . import signals as engine_signals


@shared_task(name="engine.fire_due_timers", ignore_result=True)
def fire_due_timers() -> dict:
    """Fire due timers and the automatic retries of retryable service calls."""
    return {"timers": services.fire_due_timers(), "retries": services.retry_due_incidents()}


@shared_task(name="engine.deliver_message", ignore_result=True)
def deliver_message(name: str, keys: dict, payload: dict, depth: int = 0) -> bool:
    """A message thrown by one instance, correlated to the others in a transaction of its own.
    `depth`: how many instances handed it on so far (the engine bounds such chains)."""
    return services.correlate_message(name, keys=keys, payload=payload, depth=depth).matched


@shared_task(name="engine.broadcast_signal", ignore_result=True)
def broadcast_signal(name: str, payload=None, depth: int = 0) -> int:
    """A BPMN signal thrown by one instance, delivered to every instance waiting for it."""
    return len(services.broadcast_signal(name, payload=payload, depth=depth).instances)


@receiver(engine_signals.message_thrown, dispatch_uid="engine.deliver_message_later")
def deliver_message_later(sender, *, name: str, keys: dict, payload: dict, depth: int = 0, **kwargs) -> None:
    deliver_message.delay(name, keys, payload, depth)


@receiver(engine_signals.signal_thrown, dispatch_uid="engine.broadcast_signal_later")
def broadcast_signal_later(sender, *, name: str, payload=None, depth: int = 0, **kwargs) -> None:
    broadcast_signal.delay(name, payload, depth)
