"""Forms rendered from a JSON Schema (a user task's form): widgets from the schema's top-level
properties, and an HTML form's POST turned back into typed values.

Shared by the UI apps (the staff task list and the customer portal); validation itself is the
engine's (complete_task checks the data against the schema and returns errors per field).
Imports nothing above core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

TEXTAREA_NAMES = {"comment", "comments", "reason", "description", "note", "notes", "remark", "remarks"}
DECISION_VALUES = {"approve", "reject"}


@dataclass
class SchemaField:
    """One widget of a task form."""

    name: str
    label: str
    widget: str  # text, textarea, integer, number, date, checkbox, select, radio, readonly
    required: bool = False
    help: str = ""
    choices: list[tuple[Any, str]] = field(default_factory=list)
    value: Any = None
    errors: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def html_id(self) -> str:
        return f"field-{self.name}"

    @property
    def value_text(self) -> str:
        if self.value is None:
            return ""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)

    @property
    def display_value(self) -> str:
        for value, label in self.choices:
            if value == self.value:
                return label
        if isinstance(self.value, bool):
            return str(_("Yes") if self.value else _("No"))
        return "" if self.value is None else str(self.value)


@dataclass
class TaskForm:
    title: str
    description: str
    fields: list[SchemaField]
    decision: SchemaField | None  # an approve/reject field: rendered as the action buttons
    errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors or any(f.errors for f in self.fields) or (self.decision and self.decision.errors)
        )


def split_form_schema(form_schema: dict | None) -> tuple[dict, dict]:
    """(JSON Schema, UI schema) from what the engine stored on the task."""
    form_schema = form_schema or {}
    if isinstance(form_schema.get("schema"), dict):
        return form_schema["schema"], form_schema.get("ui_schema") or form_schema.get("uiSchema") or {}
    return form_schema, form_schema.get("uiSchema") or form_schema.get("ui_schema") or {}


def _choices(prop: dict) -> list[tuple[Any, str]]:
    if isinstance(prop.get("oneOf"), list) and all(
        isinstance(o, dict) and "const" in o for o in prop["oneOf"]
    ):
        return [(o["const"], str(o.get("title") or o["const"])) for o in prop["oneOf"]]
    if isinstance(prop.get("enum"), list):
        names = prop.get("enumNames") or prop.get("x-enumNames") or []
        return [(v, str(names[i]) if i < len(names) else str(v)) for i, v in enumerate(prop["enum"])]
    return []


def _widget(name: str, prop: dict, ui: dict) -> str:
    kind = prop.get("type")
    ui_widget = ui.get("ui:widget") or prop.get("ui:widget")
    if prop.get("readOnly") or ui.get("ui:readonly"):
        return "readonly"
    if _choices(prop):
        if ui_widget == "select":
            return "select"
        return "radio" if ui_widget == "radio" or len(_choices(prop)) <= 3 else "select"
    if kind == "boolean":
        return "checkbox"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if prop.get("format") == "date":
        return "date"
    if ui_widget == "textarea" or prop.get("format") == "textarea" or prop.get("maxLength", 0) > 255:
        return "textarea"
    if name.lower() in TEXTAREA_NAMES:
        return "textarea"
    return "text"


def build_task_form(
    form_schema: dict | None,
    *,
    values: dict | None = None,
    errors: dict[str, list[str]] | None = None,
    known: dict | None = None,
) -> TaskForm:
    """Widgets for the schema's top-level properties, in schema order.

    `values` are what the user submitted (redisplayed after errors); `known` are the process data
    (shown in read-only fields); schema defaults fill the rest.
    """
    schema, ui_schema = split_form_schema(form_schema)
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    # PostgreSQL's jsonb does not keep key order: an explicit order (ui:order, or x-order on the
    # properties) wins over the order the keys come back in.
    order = (
        ui_schema.get("ui:order")
        or schema.get("x-order")
        or sorted(
            properties,
            key=lambda n: properties[n].get("x-order", 0) if isinstance(properties[n], dict) else 0,
        )
    )
    order = [n for n in order if n in properties] + [n for n in properties if n not in order]
    values, errors, known = values or {}, errors or {}, known or {}
    fields, decision = [], None
    for name in order:
        prop = properties[name]
        if not isinstance(prop, dict) or prop.get("type") in ("object", "array"):
            continue
        ui = ui_schema.get(name) or {}
        widget = _widget(name, prop, ui)
        if name in values:
            value = values[name]
        elif widget == "readonly":
            value = known.get(name, prop.get("default"))
        else:
            value = prop.get("default")
        attrs = {}
        for key in ("minimum", "maximum", "minLength", "maxLength", "pattern"):
            if key in prop:
                attrs[key] = prop[key]
        schema_field = SchemaField(
            name=name,
            label=str(prop.get("title") or name.replace("_", " ").capitalize()),
            widget=widget,
            required=name in required,
            help=str(prop.get("description") or ui.get("ui:help") or ""),
            choices=_choices(prop),
            value=value,
            errors=[str(m) for m in errors.get(name, [])],
            attrs=attrs,
        )
        if decision is None and {v for v, _label in schema_field.choices} == DECISION_VALUES:
            names = {"approve": _("Approve"), "reject": _("Reject")}
            schema_field.choices = [
                # The default wording (the value itself, or Approve/Reject) is shown translated;
                # a designer's own wording is kept as written.
                (v, str(names[v]) if label.lower() == v else label)
                for v, label in schema_field.choices
            ]
            decision = schema_field
            continue
        fields.append(schema_field)
    general = [str(m) for key, messages in errors.items() if key not in properties for m in messages]
    return TaskForm(
        title=str(schema.get("title") or ""),
        description=str(schema.get("description") or ""),
        fields=fields,
        decision=decision,
        errors=general,
    )


def _typed(prop: dict, text: str):
    """An HTML form's string as the schema's type; a string that does not parse stays as it is, so
    the engine's validation reports it on the field ("Enter a whole number") instead of crashing."""
    kind = prop.get("type")
    choices = {str(value): value for value, _label in _choices(prop)}
    if text in choices:
        return choices[text]
    try:
        if kind == "integer":
            number = Decimal(text)
            return int(number) if number == number.to_integral_value() else text
        if kind == "number":
            number = Decimal(text)
            return int(number) if number == number.to_integral_value() else float(number)
    except InvalidOperation:
        return text
    return text


def form_data_from_post(form_schema: dict | None, post) -> dict:
    """The submitted values of the schema's fields, typed where they parse (the rest is left for the
    engine's validation to report per field)."""
    schema, _ui = split_form_schema(form_schema)
    properties = schema.get("properties") or {}
    data: dict[str, Any] = {}
    for name, prop in properties.items():
        if not isinstance(prop, dict) or prop.get("readOnly") or prop.get("type") in ("object", "array"):
            continue
        if prop.get("type") == "boolean":
            # an unticked checkbox is not submitted at all
            data[name] = post.get(name, "").lower() in ("true", "on", "1", "yes")
            continue
        text = (post.get(name) or "").strip()
        if text:
            data[name] = _typed(prop, text)
    return data


def bulk_approvable(form_schema: dict | None) -> bool:
    """A task can be approved in bulk when its form is an approve/reject decision and nothing else
    is required (an approval that needs a typed answer must be opened)."""
    schema, _ui = split_form_schema(form_schema)
    properties = schema.get("properties") or {}
    decision = properties.get("decision")
    if not isinstance(decision, dict) or {v for v, _label in _choices(decision)} != DECISION_VALUES:
        return False
    return set(schema.get("required") or []) <= {"decision"}
