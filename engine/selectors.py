"""Reads over the engine's projections (never the serialized state)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import HumanTask, Incident, InstanceEvent, ProcessInstance


def inbox(user) -> QuerySet:
    return HumanTask.objects.inbox(user).select_related("instance")


def queue(user) -> QuerySet:
    return HumanTask.objects.queue(user).select_related("instance")


def instance_history(instance: ProcessInstance) -> QuerySet:
    return InstanceEvent.objects.filter(instance=instance).select_related("actor", "human_task")


def open_incidents(instance: ProcessInstance | None = None) -> QuerySet:
    qs = Incident.objects.filter(status=Incident.Status.OPEN)
    return qs.filter(instance=instance) if instance is not None else qs
