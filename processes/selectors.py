"""Reads of the process-definitions app."""

from __future__ import annotations

from engine.models import DefinitionVersion, HumanTask


def task_form_for(task: HumanTask) -> dict:
    """The task's form for rendering: its JSON Schema, UI schema, and the current values to prefill
    (process data of the same name, else the schema's defaults)."""
    schema = task.form_schema or {}
    definition = (
        DefinitionVersion.objects.only("metadata")
        .filter(key=task.definition_key, version=task.definition_version)
        .first()
    )
    meta = definition.metadata.get("user_tasks", {}).get(task.element_id, {}) if definition else {}
    variables = task.instance.variables or {}
    data = {}
    for name, prop in (schema.get("properties") or {}).items():
        if name in variables:
            data[name] = variables[name]
        elif "default" in prop:
            data[name] = prop["default"]
    return {"schema": schema, "ui_schema": (meta.get("form") or {}).get("ui_schema") or {}, "data": data}


def bound_event(process_key: str) -> str | None:
    """The business event (its label) whose active start binding starts `process_key`, if any."""
    from .models import BusinessEvent, StartBinding

    bindings = StartBinding.objects.filter(process_key=process_key, active=True)
    event = bindings.values_list("event", flat=True).first()
    if event is None:
        return None
    return str(BusinessEvent(event).label) if event in BusinessEvent.values else event


def process_name(process_key: str) -> str:
    """The active version's name as the designer gave it, else the key."""
    name = (
        DefinitionVersion.objects.filter(key=process_key, active=True).values_list("name", flat=True).first()
    )
    return name or process_key
