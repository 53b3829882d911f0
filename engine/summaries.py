"""What a task is about, in words: the registry of business-object summaries.

Each domain app registers, per business-object model ("app_label.model"), a summary with four
faces: `label(obj)` (the short text stored on an instance and its tasks when the process starts,
shown to everyone who sees the task), `lines(user, ids)` (one line per record for inbox rows and
notifications, batched: one query per type and page), `panel(user, id)` (template and context for
the task page) and `data(user, id)` (JSON for the API). The faces read through the owning app's
selectors, so a record the user may not see yields nothing and the caller falls back to the label.

The engine keeps the registry and never imports a domain app: the apps fill it in `ready()`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from django.contrib.contenttypes.models import ContentType

from core.errors import DomainError


class ObjectSummary(Protocol):
    def label(self, obj) -> str: ...

    def lines(self, user, ids: list[str]) -> dict[str, str]: ...

    def panel(self, user, object_id: str) -> dict | None: ...

    def data(self, user, object_id: str) -> dict | None: ...


_REGISTRY: dict[str, ObjectSummary] = {}


def register(model_label: str, summary: ObjectSummary) -> None:
    """`model_label` is "app_label.model" in lower case, e.g. "crm.order"."""
    _REGISTRY[model_label.lower()] = summary


def registered() -> dict[str, ObjectSummary]:
    return dict(_REGISTRY)


def _for_type(type_id: int | None) -> ObjectSummary | None:
    if not type_id:
        return None
    content_type = ContentType.objects.get_for_id(type_id)  # cached per process
    return _REGISTRY.get(f"{content_type.app_label}.{content_type.model}")


def object_label(obj) -> str:
    """The label stored with a process started on `obj` (its registered label, else str())."""
    summary = _REGISTRY.get(obj._meta.label_lower)
    text = summary.label(obj) if summary is not None else ""
    return (text or str(obj))[:255]


def _safe(call, default):
    try:
        return call()
    except (DomainError, ValueError, LookupError):
        return default


def lines(user, refs: Iterable[tuple[int | None, str]]) -> dict[tuple[int, str], str]:
    """One line per (content type id, object id) the user may see; one call per type."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for type_id, object_id in refs:
        if type_id and object_id:
            wanted[type_id].add(str(object_id))
    found: dict[tuple[int, str], str] = {}
    for type_id, ids in wanted.items():
        summary = _for_type(type_id)
        if summary is None:
            continue
        answered = _safe(lambda s=summary, i=ids: s.lines(user, sorted(i)), {})
        found.update({(type_id, object_id): text for object_id, text in answered.items() if text})
    return found


def line(user, *, type_id: int | None, object_id: str, fallback: str = "") -> str:
    return lines(user, [(type_id, object_id)]).get((type_id, str(object_id)), fallback)


def task_lines(user, tasks: Iterable) -> dict[int, str]:
    """Task (or instance) pk → its business object's line, the stored label where the user may not
    see the record (or its type has no summary)."""
    tasks = list(tasks)
    found = lines(user, ((t.business_object_type_id, t.business_object_id) for t in tasks))
    return {
        t.pk: found.get((t.business_object_type_id, str(t.business_object_id)), t.business_object_label)
        for t in tasks
    }


def panel(user, *, type_id: int | None, object_id: str) -> dict | None:
    summary = _for_type(type_id)
    if summary is None or not object_id:
        return None
    return _safe(lambda: summary.panel(user, str(object_id)), None) or None


def data(user, *, type_id: int | None, object_id: str) -> dict | None:
    summary = _for_type(type_id)
    if summary is None or not object_id:
        return None
    return _safe(lambda: summary.data(user, str(object_id)), None) or None
