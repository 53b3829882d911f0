"""Reads of deployed definitions for the other apps: a version, the active version of a key, its
name, the versions of a key."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ..models import DefinitionVersion


def versions_of(key: str) -> QuerySet:
    """Every stored version of `key` (unordered; the caller filters, orders, counts)."""
    return DefinitionVersion.objects.filter(key=key)


def version_of(key: str, version: int, *, fields: tuple[str, ...] = ()) -> DefinitionVersion | None:
    """Version `version` of `key` (only `fields` loaded when given), or None."""
    qs = DefinitionVersion.objects.only(*fields) if fields else DefinitionVersion.objects.all()
    return qs.filter(key=key, version=version).first()


def active_version(key: str) -> DefinitionVersion | None:
    """The version new instances of `key` start on, or None (read now, not remembered)."""
    return DefinitionVersion.objects.filter(key=key, active=True).first()


def has_active_version(key: str) -> bool:
    return DefinitionVersion.objects.filter(key=key, active=True).exists()


def is_deployed(key: str) -> bool:
    """Some version of `key` is stored (active or not)."""
    return DefinitionVersion.objects.filter(key=key).exists()


def active_name(key: str) -> str | None:
    """The name the designer gave the active version of `key`, or None when none is active."""
    return DefinitionVersion.objects.filter(key=key, active=True).values_list("name", flat=True).first()


def active_names(keys: Iterable[str]) -> dict[str, str]:
    """Key → name of the active version, for the keys that have one."""
    return dict(DefinitionVersion.objects.filter(key__in=keys, active=True).values_list("key", "name"))


def active_definitions() -> QuerySet:
    """The active version of each process, by key (what the configuration export writes out)."""
    return DefinitionVersion.objects.filter(active=True).order_by("key")
