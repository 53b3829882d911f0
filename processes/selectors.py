"""Reads of the process-definitions app."""

from __future__ import annotations

from engine.selectors import DefinitionVersion, HumanTask
from engine.selectors import definitions as engine_definitions


def task_form_for(task: HumanTask) -> dict:
    """The task's form for rendering: its JSON Schema, UI schema, and the current values to prefill
    (process data of the same name, else the schema's defaults)."""
    schema = task.form_schema or {}
    definition = engine_definitions.version_of(
        task.definition_key, task.definition_version, fields=("metadata",)
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
    return engine_definitions.active_name(process_key) or process_key


def manual_start(process_key: str):
    from .models import ManualStart

    return ManualStart.objects.prefetch_related("groups").filter(process_key=process_key).first()


def _is_employee(user) -> bool:
    """An active employee, a staff user or a superuser (portal customers are none of these)."""
    from org.models import Employee

    if user.is_superuser or user.is_staff:
        return True
    return Employee.objects.filter(user_id=user.pk, active=True).exists()


def _admits(user, rule) -> bool:
    """A manual start admits the user: offered, and the user in one of its groups (nested groups
    included); without groups, every employee."""
    from org.selectors import effective_group_ids

    if not rule.active:
        return False
    allowed = {group.pk for group in rule.groups.all()}
    return bool(allowed & effective_group_ids(user)) if allowed else _is_employee(user)


def rule_admits(user, rule) -> bool:
    """Whether `user` may start by hand the process of `rule` (a ManualStart, or None: a process
    without one may be started by any employee, through the API)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return _is_employee(user) if rule is None else _admits(user, rule)


def may_start_by_hand(user, process_key: str) -> bool:
    return rule_admits(user, manual_start(process_key))


def startable_processes(user, *, record_type: str = "") -> list[dict]:
    """The processes `user` may start by hand from `record_type` ("" = the request menu), each
    with its name, sorted by name."""
    from .models import ManualStart

    if not getattr(user, "is_authenticated", False):
        return []
    rules = list(ManualStart.objects.filter(active=True, record_type=record_type).prefetch_related("groups"))
    names = engine_definitions.active_names([r.process_key for r in rules])
    found = [
        {"key": rule.process_key, "name": names[rule.process_key] or rule.process_key}
        for rule in rules
        if rule.process_key in names and _admits(user, rule)
    ]
    return sorted(found, key=lambda item: item["name"].lower())


def start_form_of(process_key: str) -> dict | None:
    """The start form (JSON Schema) of the active version, or None when it takes no fields."""
    from engine.services import start_form_schema

    definition = engine_definitions.active_version(process_key)
    return start_form_schema(definition) if definition is not None else None


def main_bpmn_name(definition: DefinitionVersion) -> str:
    """The file of a version that holds its executable process (the one the designer edits)."""
    files = definition.files or {}
    marker = f'id="{definition.key}"'
    names = [name for name in files if name.lower().endswith(".bpmn") and not name.startswith("called/")]
    return next((n for n in names if marker in files[n]), names[0] if names else f"{definition.key}.bpmn")


def form_element(definition: DefinitionVersion, element_id: str) -> dict | None:
    """The parsed metadata of a user task or top-level start event of a version (with its form),
    or None when the version has no such element."""
    metadata = definition.metadata or {}
    for kind in ("user_tasks", "start_forms"):
        meta = (metadata.get(kind) or {}).get(element_id)
        if meta is not None:
            return {**meta, "kind": "task" if kind == "user_tasks" else "start"}
    return None


def decision_tests(definition: DefinitionVersion, dmn_file: str, decision_id: str) -> list[dict]:
    """The test rows saved with a decision table ([] when none)."""
    import json

    name = dmn_file.rsplit(".", 1)[0] + ".tests.json"
    try:
        stored = json.loads((definition.files or {}).get(name) or "{}")
    except ValueError:
        return []
    rows = stored.get(decision_id) if isinstance(stored, dict) else None
    return rows if isinstance(rows, list) else []
