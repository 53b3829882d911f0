"""Reads behind the designer and the process administration pages: deployed versions, their
running instances, and where instances wait or failed (the heat-map)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from ..models import DefinitionVersion, HumanTask, Incident, ProcessInstance

RUNNING = ["running", "error"]


def version_summaries() -> QuerySet:
    """key, name, version, active, deployed_at of every version, by key then newest first."""
    return DefinitionVersion.objects.order_by("key", "-version").values(
        "key", "name", "version", "active", "deployed_at"
    )


def running_by_key() -> dict[str, int]:
    """Process key -> number of running (or failed) instances."""
    return dict(
        ProcessInstance.objects.filter(status__in=RUNNING)
        .values_list("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    )


def process_versions(key: str) -> list[DefinitionVersion]:
    """Every version of a process, newest first, with its deployer and `running` and `finished`
    instance counts."""
    return list(
        DefinitionVersion.objects.filter(key=key)
        .select_related("deployed_by")
        .annotate(
            running=Count("instances", filter=Q(instances__status__in=RUNNING), distinct=True),
            finished=Count("instances", filter=Q(instances__status="completed"), distinct=True),
        )
        .order_by("-version")
    )


def versions_of(key: str) -> QuerySet:
    """The versions of a process, newest first."""
    return DefinitionVersion.objects.filter(key=key).order_by("-version")


def version_of(key: str, version: int | None) -> DefinitionVersion | None:
    """The given version, else the active one, else the newest."""
    qs = DefinitionVersion.objects.filter(key=key)
    if version is not None:
        return qs.filter(version=version).first()
    return qs.filter(active=True).first() or qs.order_by("-version").first()


def waiting_by_element(definition: DefinitionVersion) -> dict[str, int]:
    """Open human tasks per BPMN element of one version: where its instances wait right now."""
    return dict(
        HumanTask.objects.open()
        .filter(definition_key=definition.key, definition_version=definition.version)
        .values_list("element_id")
        .annotate(n=Count("pk"))
        .values_list("element_id", "n")
    )


def incidents_by_element(definition: DefinitionVersion) -> dict[str, int]:
    """Open incidents per BPMN element of one version."""
    return dict(
        Incident.objects.filter(status=Incident.Status.OPEN, instance__definition=definition)
        .values_list("element_id")
        .annotate(n=Count("pk"))
        .values_list("element_id", "n")
    )
