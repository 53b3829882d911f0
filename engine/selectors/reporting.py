"""Reads behind reports and exports: the process figures (counts, durations, workloads) and the
definitions' names. Reports narrow the querysets (period, department, salesperson) themselves."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from ..models import DefinitionVersion, HumanTask, HumanTaskCandidate, Incident, ProcessInstance


def visible_instances(user) -> QuerySet:
    """The instances `user` may see (their row rules)."""
    return ProcessInstance.objects.visible_to(user)


def visible_tasks(user) -> QuerySet:
    """The tasks `user` may see (their row rules)."""
    return HumanTask.objects.visible_to(user)


def open_incidents_by_key(instances: QuerySet) -> dict[str, int]:
    """Process key -> open incidents of these instances."""
    return {
        row["instance__key"]: row["count"]
        for row in Incident.objects.filter(status=Incident.Status.OPEN, instance__in=instances.values("pk"))
        .order_by()
        .values("instance__key")
        .annotate(count=Count("pk"))
    }


def open_tasks_by_group(tasks: QuerySet) -> QuerySet:
    """Rows `group__name`, `count`: how many of these tasks each group is an open candidate of,
    most first."""
    return (
        HumanTaskCandidate.objects.filter(open=True, group__isnull=False, task__in=tasks.values("pk"))
        .order_by()
        .values("group__name")
        .annotate(count=Count("task_id", distinct=True))
        .order_by("-count", "group__name")
    )


def process_names() -> list[tuple[str, str]]:
    """(key, name) of every version, by key then version (the latest name comes last)."""
    return list(DefinitionVersion.objects.order_by("key", "version").values_list("key", "name"))
