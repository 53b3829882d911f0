"""The designer's form editor: a task's (or start event's) JSON Schema form as a list of field
rows (name, label, type, required, help, options) and back.

A row's type is one of FIELD_TYPES; each maps to the schema the task page's renderer
(core.jsonforms) turns into its widget. What the editor does not manage on a property
(minLength, maxLength, a default...) is kept as it was, and so are the schema's own rules
(`if`/`then`) — editing a form never loses what a hand-written file said.

Options of a select: one per line, `value = Label` (or just `value`). Columns of a line table:
one per line, `name | Label | type` (type: text, number, integer, money, date or a picker).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ValidationFailed
from engine.forms import ENGINE_VARIABLES

FIELD_TYPES = (
    ("text", gettext_lazy("Text")),
    ("textarea", gettext_lazy("Long text")),
    ("integer", gettext_lazy("Whole number")),
    ("number", gettext_lazy("Number")),
    ("money", gettext_lazy("Amount of money")),
    ("date", gettext_lazy("Date")),
    ("datetime", gettext_lazy("Date and time")),
    ("select", gettext_lazy("Choice from a list")),
    ("bool", gettext_lazy("Yes/no")),
    ("decision", gettext_lazy("Approve or reject (buttons)")),
    ("rating", gettext_lazy("Rating (1 to 5 stars)")),
    ("user", gettext_lazy("A person")),
    ("group", gettext_lazy("A group")),
    ("department", gettext_lazy("A department")),
    ("product", gettext_lazy("A product")),
    ("technician", gettext_lazy("A technician")),
    ("vehicle", gettext_lazy("A vehicle")),
    ("table", gettext_lazy("Line table")),
)
PICKERS = ("user", "group", "department", "product", "technician", "vehicle")
COLUMN_TYPES = ("text", "number", "integer", "money", "date", *PICKERS)
MANAGED_KEYS = {
    "type",
    "title",
    "description",
    "oneOf",
    "enum",
    "enumNames",
    "format",
    "x-widget",
    "x-currency",
    "items",
}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_FIELDS = 60
DECISIONS = {"approve", "reject"}


def _row_type(prop: dict, ui: dict) -> str:
    widget = ui.get("ui:widget") or prop.get("x-widget") or ""
    kind = prop.get("type")
    if kind == "array":
        return "table"
    if widget in PICKERS or widget in ("money", "rating"):
        return widget
    choices = (
        [o.get("const") for o in prop.get("oneOf") or [] if isinstance(o, dict)] or prop.get("enum") or []
    )
    if choices:
        return "decision" if set(choices) == DECISIONS else "select"
    if kind == "boolean":
        return "bool"
    if kind in ("integer", "number"):
        return kind
    if prop.get("format") == "date":
        return "date"
    if prop.get("format") == "date-time":
        return "datetime"
    if widget == "textarea" or prop.get("maxLength", 0) > 255:
        return "textarea"
    return "text"


def _options_text(prop: dict) -> str:
    if isinstance(prop.get("oneOf"), list):
        return "\n".join(
            f"{o.get('const')} = {o.get('title')}" if o.get("title") else str(o.get("const"))
            for o in prop["oneOf"]
            if isinstance(o, dict)
        )
    names = prop.get("enumNames") or []
    return "\n".join(
        f"{v} = {names[i]}" if i < len(names) else str(v) for i, v in enumerate(prop.get("enum") or [])
    )


def _columns_text(prop: dict) -> str:
    items = prop.get("items") or {}
    lines = []
    for name, column in (items.get("properties") or {}).items():
        lines.append(f"{name} | {column.get('title') or name} | {_row_type(column, {})}")
    return "\n".join(lines)


def rows_from_schema(form: dict | None) -> tuple[str, list[dict]]:
    """(the form's title, its field rows in order) from {"schema", "ui_schema"} or a bare schema."""
    form = form or {}
    schema = form.get("schema") if isinstance(form.get("schema"), dict) else form
    ui_schema = form.get("ui_schema") or {}
    properties = schema.get("properties") or {}
    order = [n for n in (schema.get("x-order") or ui_schema.get("ui:order") or []) if n in properties]
    order += [n for n in properties if n not in order]
    required = set(schema.get("required") or [])
    rows = []
    for name in order:
        prop = properties[name] if isinstance(properties[name], dict) else {}
        kind = _row_type(prop, ui_schema.get(name) or {})
        rows.append(
            {
                "name": name,
                "label": str(prop.get("title") or ""),
                "type": kind,
                "required": name in required,
                "help": str(prop.get("description") or ""),
                "options": _columns_text(prop) if kind == "table" else _options_text(prop),
            }
        )
    return str(schema.get("title") or ""), rows


def _property(kind: str, label: str, help_text: str, options: list[tuple[str, str]]) -> dict:
    prop: dict = {"title": label} if label else {}
    if help_text:
        prop["description"] = help_text
    if kind in ("text", "textarea"):
        prop["type"] = "string"
        if kind == "textarea":
            prop["x-widget"] = "textarea"
    elif kind in ("integer", "number"):
        prop["type"] = kind
    elif kind == "money":
        prop.update({"type": "number", "x-widget": "money", "x-currency": "CNY"})
    elif kind == "rating":
        prop.update({"type": "integer", "x-widget": "rating", "minimum": 1, "maximum": 5})
    elif kind == "date":
        prop.update({"type": "string", "format": "date"})
    elif kind == "datetime":
        prop.update({"type": "string", "format": "date-time"})
    elif kind == "bool":
        prop["type"] = "boolean"
    elif kind == "select":
        prop.update({"type": "string", "oneOf": [{"const": v, "title": t or v} for v, t in options]})
    elif kind == "decision":
        prop.update(
            {
                "type": "string",
                "oneOf": [
                    {"const": "approve", "title": _("Approve")},
                    {"const": "reject", "title": _("Reject")},
                ],
            }
        )
    elif kind in PICKERS:
        prop.update({"type": "string", "x-widget": kind})
    return prop


def _option_lines(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        value, _sep, label = line.partition("=")
        pairs.append((value.strip(), label.strip()))
    return pairs


def _columns(text: str, where: str, errors: dict) -> dict:
    columns: dict = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        name, label = parts[0], (parts[1] if len(parts) > 1 else "")
        kind = (parts[2] if len(parts) > 2 else "") or "text"
        if not NAME.match(name) or name in columns:
            errors.setdefault(where, []).append(
                _("Column line %(n)s: “%(name)s” is not a usable column name (letters, digits, _).")
                % {"n": number, "name": name}
            )
            continue
        if kind not in COLUMN_TYPES:
            errors.setdefault(where, []).append(
                _("Column line %(n)s: the type must be one of %(types)s.")
                % {"n": number, "types": ", ".join(COLUMN_TYPES)}
            )
            continue
        columns[name] = _property(kind, label or name, "", [])
    if not columns and where not in errors:
        errors[where] = [_("A line table needs at least one column: one per line, name | Label | type.")]
    return columns


def schema_from_rows(title: str, rows: list[dict], *, previous: dict | None = None) -> dict:
    """The JSON Schema of the rows (an empty row is skipped). Raises ValidationFailed
    with messages located on the row ("fields.<n>.name", "fields.<n>.options"...), n from 1."""
    previous = previous or {}
    old_properties = previous.get("properties") or {}
    errors: dict[str, list[str]] = {}
    properties: dict = {}
    required: list[str] = []
    types = dict(FIELD_TYPES)
    kept = [
        (n, r)
        for n, r in enumerate(rows, start=1)
        if (r.get("name") or "").strip() or (r.get("label") or "").strip()
    ]
    if len(kept) > MAX_FIELDS:
        raise ValidationFailed(_("A form has at most %(n)s fields.") % {"n": MAX_FIELDS})
    for number, row in kept:
        name = row["name"].strip()
        kind = row.get("type") or "text"
        where = f"fields.{number}"
        if not name:
            errors[f"{where}.name"] = [_("Give the field a name (what the process data calls it).")]
            continue
        if not NAME.match(name):
            errors[f"{where}.name"] = [_("Use letters, digits and _ only, starting with a letter.")]
            continue
        if name in properties:
            errors[f"{where}.name"] = [_("Another field already has this name.")]
            continue
        if name in ENGINE_VARIABLES or name == "owner":
            errors[f"{where}.name"] = [_("This name is kept by the process itself; choose another.")]
            continue
        if kind not in types:
            errors[f"{where}.type"] = [_("Choose a type from the list.")]
            continue
        options = _option_lines(row.get("options", "")) if kind == "select" else []
        if kind == "select" and not options:
            errors[f"{where}.options"] = [_("List the choices, one per line: value = Label.")]
            continue
        prop = _property(
            kind, (row.get("label") or "").strip() or name, (row.get("help") or "").strip(), options
        )
        if kind == "table":
            columns = _columns(row.get("options", ""), f"{where}.options", errors)
            prop.update({"type": "array", "items": {"type": "object", "properties": columns}})
            if row.get("required"):
                prop["minItems"] = 1
        old = old_properties.get(name) if isinstance(old_properties.get(name), dict) else {}
        properties[name] = {**{k: v for k, v in old.items() if k not in MANAGED_KEYS}, **prop}
        if row.get("required"):
            required.append(name)
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    schema = {k: v for k, v in previous.items() if k not in ("properties", "required", "x-order", "title")}
    schema.update(
        {"type": "object", "properties": properties, "required": required, "x-order": list(properties)}
    )
    if title.strip():
        schema["title"] = title.strip()
    for rule in ("if", "then", "else"):
        # a conditional rule about a field that is gone would refuse every answer: dropped with it
        named = _named_fields(schema.get(rule))
        if rule in schema and not named <= set(properties):
            schema.pop(rule, None)
    return schema


def _named_fields(rule) -> set[str]:
    if not isinstance(rule, dict):
        return set()
    return set((rule.get("properties") or {}).keys()) | set(rule.get("required") or [])
