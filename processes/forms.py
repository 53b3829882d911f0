"""Task forms as JSON Schema: where a user task's form comes from, and server-side validation.

A user task's form is, in this order: a JSON Schema file deployed with the BPMN (Spiff's
`formJsonSchemaFilename` / `formUiSchemaFilename` properties, or a Camunda `formKey` naming a
.json file of the deployment); Camunda `formData` fields converted to JSON Schema; the default
approval form (decision + comment) for approval tasks; else a comment-only form.
"""

from __future__ import annotations

import json
import re

from django.utils.translation import gettext as _

from engine.forms import (  # noqa: F401 - re-exported: the UI apps use them through this module
    coerce_form_data,
    schema_from_camunda_fields,
    validate_form_data,
)

APPROVAL_WORDS = re.compile(r"approv|review|sign[- ]?off|审批|审核|批准|签批", re.IGNORECASE)


def approval_schema() -> dict:
    """Approve or reject, with a comment that is required when rejecting."""
    return {
        "type": "object",
        "title": _("Decision"),
        "properties": {
            "decision": {
                "type": "string",
                "title": _("Decision"),
                "oneOf": [
                    {"const": "approve", "title": _("Approve")},
                    {"const": "reject", "title": _("Reject")},
                ],
            },
            "comment": {"type": "string", "title": _("Comment"), "maxLength": 2000},
        },
        "required": ["decision"],
        "if": {"properties": {"decision": {"const": "reject"}}},
        "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
    }


def comment_schema() -> dict:
    return {
        "type": "object",
        "properties": {"comment": {"type": "string", "title": _("Comment"), "maxLength": 2000}},
    }


def _deployed_json(files: dict[str, str], name: str) -> dict | None:
    name = name.removeprefix("embedded:deployment:").removeprefix("deployment:")
    for candidate, body in files.items():
        if candidate == name or candidate.rsplit("/", 1)[-1] == name.rsplit("/", 1)[-1]:
            return json.loads(body)
    return None


def with_field_order(schema: dict, ui_schema: dict | None = None) -> dict:
    """The schema with an explicit field order ("x-order"): the UI schema's `ui:order`, else the
    order the designer wrote the properties in. Stored as jsonb, the properties come back in
    PostgreSQL's key order (shortest first), not the designer's."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or isinstance(schema.get("x-order"), list):
        return schema
    wanted = (ui_schema or {}).get("ui:order") or []
    order = [n for n in wanted if n in properties] + [n for n in properties if n not in wanted]
    return {**schema, "x-order": order}


def task_form(task_meta: dict, files: dict[str, str]) -> dict:
    """{"schema": ..., "ui_schema": ..., "source": ...} for a user task's parsed metadata."""
    form = _task_form(task_meta, files)
    form["schema"] = with_field_order(form["schema"], form.get("ui_schema"))
    return form


def _task_form(task_meta: dict, files: dict[str, str]) -> dict:
    props = task_meta.get("properties") or {}
    schema_file = props.get("formJsonSchemaFilename") or (
        task_meta.get("form_key") if str(task_meta.get("form_key", "")).endswith(".json") else ""
    )
    ui_file = props.get("formUiSchemaFilename")
    if schema_file:
        schema = _deployed_json(files, schema_file)
        if schema is not None:
            ui_schema = _deployed_json(files, ui_file) if ui_file else None
            return {"schema": schema, "ui_schema": ui_schema or {}, "source": "file"}
    if task_meta.get("form_fields"):
        return {
            "schema": schema_from_camunda_fields(task_meta["form_fields"]),
            "ui_schema": {},
            "source": "camunda",
        }
    if props.get("approval", "").lower() == "true" or APPROVAL_WORDS.search(task_meta.get("name") or ""):
        return {
            "schema": approval_schema(),
            "ui_schema": {"comment": {"ui:widget": "textarea"}},
            "source": "approval",
        }
    return {
        "schema": comment_schema(),
        "ui_schema": {"comment": {"ui:widget": "textarea"}},
        "source": "default",
    }


def start_form(start_meta: dict, files: dict[str, str]) -> dict | None:
    """The form a start event declares (a JSON Schema file or Camunda fields), or None: unlike a
    task, a start event without a form takes no fields at all."""
    form = _task_form({**start_meta, "name": ""}, files)
    if form["source"] not in ("file", "camunda"):
        return None
    form["schema"] = with_field_order(form["schema"], form.get("ui_schema"))
    return form


def missing_form_files(task_meta: dict, files: dict[str, str]) -> list[str]:
    """Form files a task names that the deployment does not contain (or that are not JSON)."""
    props = task_meta.get("properties") or {}
    names = [props.get("formJsonSchemaFilename"), props.get("formUiSchemaFilename")]
    form_key = str(task_meta.get("form_key") or "")
    if form_key.endswith(".json"):
        names.append(form_key)
    problems = []
    for name in filter(None, names):
        try:
            if _deployed_json(files, name) is None:
                problems.append(_("form file '%(name)s' is not part of the deployment") % {"name": name})
        except ValueError as error:
            problems.append(
                _("form file '%(name)s' is not valid JSON: %(error)s") % {"name": name, "error": error}
            )
    return problems
