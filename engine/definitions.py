"""Deployed definitions: deploy (parse, validate, store a version), activate, the active version of
a key, the start form of a version."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from core.memo import remembered

from . import owners, parsing, runtime
from .errors import (
    DefinitionInvalid,
    DefinitionNotFound,
)
from .models import (
    DefinitionVersion,
    MessageSubscription,
    Timer,
)
from .projection import SIGNAL_PREFIX, correlation_hash

logger = logging.getLogger(__name__)


def definition_deploy(
    *,
    files: dict[str, bytes | str],
    deployed_by=None,
    activate: bool = True,
    attachments: dict[str, str] | None = None,
    task_forms: dict[str, dict] | None = None,
) -> DefinitionVersion:
    """Parse, validate and store a set of BPMN/DMN files under the executable process id.

    The same content again returns the existing version (idempotent); changed content becomes
    version + 1. Running instances stay on their version. `attachments` (JSON form files) are
    stored and hashed with the version but not parsed; `task_forms` (element id → {"schema",
    "ui_schema"}) become each user task's form.
    """
    texts, findings = {}, []
    for name, body in (files or {}).items():
        if isinstance(body, bytes):
            try:
                body = body.decode("utf-8")
            except UnicodeDecodeError as error:
                findings.append(parsing.finding(name, message=f"The file is not UTF-8 text: {error}"))
                continue
        texts[name] = body
    if findings:
        raise DefinitionInvalid(findings)
    texts = with_called_definitions(texts)
    try:
        parsed = parsing.parse_files(texts)
    except parsing.ParseFailed as failure:
        raise DefinitionInvalid(failure.findings) from None
    attachments = dict(attachments or {})
    for element_id, form in (task_forms or {}).items():
        for kind in ("user_tasks", "start_forms"):
            if element_id in parsed.metadata.get(kind, {}):
                parsed.metadata[kind][element_id]["form"] = form
    digest = parsing.content_hash({**texts, **attachments})
    with transaction.atomic():
        versions = DefinitionVersion.objects.select_for_update().filter(key=parsed.key)
        existing = versions.filter(content_hash=digest).first()
        if existing is not None:
            if activate and not existing.active:
                _activate(existing, parsed)
            runtime.remember_parsed(existing, parsed)
            return existing
        latest = versions.aggregate(v=Max("version"))["v"] or 0
        definition = DefinitionVersion.objects.create(
            key=parsed.key,
            version=latest + 1,
            name=parsed.name[:255],
            files={**texts, **attachments},
            content_hash=digest,
            metadata=parsed.metadata,
            deployed_by=deployed_by,
        )
        runtime.remember_parsed(definition, parsed)
        if activate:
            _activate(definition, parsed)
    return definition


def with_called_definitions(texts: dict[str, str]) -> dict[str, str]:
    """Add the files of already deployed processes that call activities name but the upload lacks.

    They are stored with the caller (under called/<key>/), so the caller runs the called version
    that was active when it was deployed, and a later version of the called process needs a new
    deploy of the caller to be picked up: a deliberate, visible step rather than a silent change.
    """
    texts = dict(texts)
    defined, called = parsing.process_references(texts)
    missing = called - defined
    for key in sorted(missing):
        definition = DefinitionVersion.objects.filter(key=key, active=True).first()
        if definition is None:
            continue  # parse_files reports the unresolved call activity, located
        for name, body in parsing.process_files(definition.files).items():
            texts[name if name.startswith("called/") else f"called/{key}/{name}"] = body
    return texts


def definition_activate(*, definition_id: int) -> DefinitionVersion:
    """Make a stored version the one new instances start on (also a rollback to an older one)."""
    with transaction.atomic():
        definition = DefinitionVersion.objects.select_for_update().filter(pk=definition_id).first()
        if definition is None:
            raise DefinitionNotFound(_("Process definition %(id)s does not exist.") % {"id": definition_id})
        if not definition.active:
            _activate(definition, runtime.parsed_definition(definition))
    return definition


def _activate(definition: DefinitionVersion, parsed: parsing.ParsedDefinition) -> None:
    DefinitionVersion.objects.filter(key=definition.key, active=True).exclude(pk=definition.pk).update(
        active=False
    )
    definition.active = True
    definition.save(update_fields=["active"])
    MessageSubscription.objects.filter(definition__key=definition.key, instance__isnull=True).delete()
    Timer.objects.filter(
        definition__key=definition.key, instance__isnull=True, status=Timer.Status.WAITING
    ).delete()
    for message in parsed.metadata.get("messages", []):
        if message["event"] == "startEvent" and message["process"] == parsed.key:
            MessageSubscription.objects.create(
                definition=definition,
                message_name=message["message"],
                element_id=message["element_id"],
                correlation={},
                correlation_hash=correlation_hash({}),
            )
    for signal in parsed.metadata.get("signals", []):
        if signal["event"] == "startEvent" and signal["process"] == parsed.key:
            MessageSubscription.objects.create(
                definition=definition,
                message_name=SIGNAL_PREFIX + signal["signal"],
                element_id=signal["element_id"],
                correlation={},
                correlation_hash=correlation_hash({}),
            )
    for timer in parsed.metadata.get("timers", []):
        if timer["event"] == "startEvent" and timer["process"] == parsed.key:
            first = _start_timer_schedule(timer["kind"], timer["expression"])
            if first is None:
                logger.warning(
                    "start timer %s of %s has no usable expression", timer["element_id"], definition
                )
                continue
            due_at, cycle = first
            Timer.objects.create(
                definition=definition,
                element_id=timer["element_id"],
                kind=timer["kind"],
                expression=timer["expression"][:255],
                due_at=due_at,
                cycle=cycle,
            )


def _literal(expression: str) -> str:
    text = expression.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _start_timer_schedule(kind: str, expression: str):
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    text = _literal(expression)
    try:
        if kind == "cycle":
            cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(text)
            return start, {"cycles": cycles, "seconds": duration.total_seconds()}
        if kind == "duration":
            return owners.as_datetime(text), {}
        return TimerEventDefinition.get_datetime(text), {}
    except Exception:
        return None


def active_definition(key: str) -> DefinitionVersion:
    """Remembered by core.memo (scope "definitions") until a version of any process is saved."""
    definition = remembered(
        ("active", key),
        lambda: DefinitionVersion.objects.filter(key=key, active=True).first(),
        scope="definitions",
    )
    if definition is None:
        raise DefinitionNotFound(_("No active process definition with the key “%(key)s”.") % {"key": key})
    return definition


def start_form_schema(definition: DefinitionVersion) -> dict | None:
    """The JSON Schema of the fields a person may send when starting `definition` (its start
    event's form), or None when the process takes none."""
    parsed = runtime.parsed_definition(definition)
    for meta in (parsed.metadata.get("start_forms") or {}).values():
        schema = owners.form_schema(meta)
        if schema:
            return schema
    return None
