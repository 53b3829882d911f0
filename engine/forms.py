"""Task forms as JSON Schema, in the engine: Camunda `formData` fields converted to a schema, and
the server-side check every task completion runs (jsonschema, one message per field).

The processes app decides which form a task gets (a deployed schema file, the converted fields,
a decision form) and stores it with the definition; the engine validates whatever is stored.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from core import dates

CAMUNDA_TYPES = {
    "string": {"type": "string"},
    "long": {"type": "integer"},
    "integer": {"type": "integer"},
    "double": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}


def _field_schema(field: dict) -> dict:
    kind = (field.get("type") or "string").lower()
    if kind == "enum" or field.get("enum"):
        schema = {
            "type": "string",
            "oneOf": [{"const": v["id"], "title": v.get("name") or v["id"]} for v in field.get("enum", [])],
        }
    else:
        schema = dict(CAMUNDA_TYPES.get(kind, {"type": "string"}))
    schema["title"] = field.get("label") or field["id"]
    constraints = field.get("constraints") or {}
    for name, target in (("minlength", "minLength"), ("maxlength", "maxLength")):
        if name in constraints and str(constraints[name]).isdigit():
            schema[target] = int(constraints[name])
    for name, target in (("min", "minimum"), ("max", "maximum")):
        if name in constraints:
            with contextlib.suppress(TypeError, ValueError):
                schema[target] = (
                    float(constraints[name]) if schema["type"] == "number" else int(constraints[name])
                )
    if "pattern" in constraints:
        schema["pattern"] = str(constraints["pattern"])
    if field.get("readonly"):
        schema["readOnly"] = True
    default = field.get("default")
    if default not in (None, "") and "${" not in str(default):
        with contextlib.suppress(ValueError):
            schema["default"] = _coerce_value(schema, default)
    return schema


def schema_from_camunda_fields(fields: list[dict]) -> dict:
    properties = {f["id"]: _field_schema(f) for f in fields if f.get("id")}
    required = [f["id"] for f in fields if f.get("id") and f.get("required") and not f.get("readonly")]
    # "x-order" keeps the fields in the designer's order: PostgreSQL's jsonb does not keep key order.
    schema: dict = {"type": "object", "properties": properties, "x-order": list(properties)}
    if required:
        schema["required"] = required
    return schema


# -- validation --------------------------------------------------------------------------------

_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMAS = ("if", "then", "else")


def declared_fields(schema: dict | None) -> dict[str, dict] | None:
    """Every field a form declares, at its top level or in its conditional parts (allOf, if/then,
    dependentSchemas...), name -> its schema; None for a task that has no form at all."""
    if not isinstance(schema, dict) or not schema:
        return None
    fields: dict[str, dict] = {}
    pending = [schema]
    while pending:
        part = pending.pop()
        if not isinstance(part, dict):
            continue
        for name, prop in (part.get("properties") or {}).items():
            fields.setdefault(name, prop if isinstance(prop, dict) else {})
        for key in _SUBSCHEMA_LISTS:
            pending.extend(part.get(key) or [])
        pending.extend(part.get(key) for key in _SUBSCHEMAS if key in part)
        pending.extend((part.get("dependentSchemas") or {}).values())
    return fields


def _message(error) -> str:
    validator = error.validator
    if validator == "required":
        return _("This field is required.")
    if validator == "type":
        expected = error.validator_value
        names = {
            "integer": _("a whole number"),
            "number": _("a number"),
            "boolean": _("yes or no"),
            "string": _("text"),
            "array": _("a list"),
            "object": _("a group of fields"),
        }
        return _("Enter %(kind)s.") % {"kind": names.get(expected, expected)}
    if validator in ("enum", "oneOf", "const"):
        return _("Choose one of the offered values.")
    if validator == "minLength":
        return _("Enter at least %(n)s characters.") % {"n": error.validator_value}
    if validator == "maxLength":
        return _("Enter at most %(n)s characters.") % {"n": error.validator_value}
    if validator == "minimum":
        return _("Enter a value of at least %(n)s.") % {"n": error.validator_value}
    if validator == "maximum":
        return _("Enter a value of at most %(n)s.") % {"n": error.validator_value}
    if validator == "exclusiveMinimum":
        return _("Enter a value greater than %(n)s.") % {"n": error.validator_value}
    if validator == "exclusiveMaximum":
        return _("Enter a value less than %(n)s.") % {"n": error.validator_value}
    if validator == "additionalProperties":
        return _("This row has fields the form does not have.")
    if validator == "minItems":
        return _("Add at least %(n)s rows.") % {"n": error.validator_value}
    if validator == "maxItems":
        return _("Enter at most %(n)s rows.") % {"n": error.validator_value}
    if validator == "format" and error.validator_value in ("date", "date-time"):
        day = _calendar_day(error.instance)
        return (day and dates.range_error(day)) or _("Enter a date as YYYY-MM-DD.")
    if validator == "pattern":
        return _("Enter a value in the expected format.")
    return error.message


def _field_of(error) -> str:
    if error.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        prefix = ".".join(str(p) for p in error.absolute_path)
        name = missing.group(1) if missing else ""
        return f"{prefix}.{name}" if prefix else name
    return ".".join(str(p) for p in error.absolute_path) or "__all__"


def _calendar_day(value) -> date | None:
    """The day a form's "date" or "date-time" string names, when it parses."""
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(value.strip()).date()
    return None


_FORMATS = FormatChecker()
_DATE_SYNTAX = FormatChecker(formats=["date"])


@_FORMATS.checks("date-time")
def _date_within_the_calendar(value) -> bool:
    # a year-1 or year-9999 date is a typo or a probe, never business (see core.dates)
    day = _calendar_day(value)
    return day is None or dates.range_error(day) is None


@_FORMATS.checks("date")
def _date(value) -> bool:
    return _DATE_SYNTAX.conforms(value, "date") and _date_within_the_calendar(value)


def validate_form_data(schema: dict, data: dict) -> dict[str, list[str]]:
    """Per-field error messages (empty when the data fits the schema)."""
    if not isinstance(data, dict):
        return {"__all__": [_("The form data must be an object of fields.")]}
    validator = Draft202012Validator(schema, format_checker=_FORMATS)
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        if error.validator in ("if", "then", "allOf", "anyOf") and error.context:
            for sub in error.context:
                errors.setdefault(_field_of(sub), []).append(_message(sub))
            continue
        errors.setdefault(_field_of(error), []).append(_message(error))
    return errors


def _coerce_value(schema: dict, value):
    kind = schema.get("type")
    if value is None or value == "":
        return None
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError(value)
        if isinstance(value, int):
            return value
        number = Decimal(str(value).strip())
        if number != number.to_integral_value():
            raise ValueError(value)
        return int(number)
    if kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return float(Decimal(str(value).strip()))
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"true", "on", "1", "yes"}:
            return True
        if text in {"false", "off", "0", "no"}:
            return False
        raise ValueError(value)
    if kind == "string" and schema.get("format") == "date" and isinstance(value, date):
        return value.isoformat()
    return value


def coerce_form_data(schema: dict, raw: dict) -> dict:
    """Turn submitted strings into the schema's types where they parse; leave the rest for
    validation to report (so "abc" in a number field gets "Enter a number", not a crash)."""
    properties = schema.get("properties") or {}
    data = {}
    for name, value in raw.items():
        field = properties.get(name)
        if field is None:
            data[name] = value
            continue
        try:
            coerced = _coerce_value(field, value)
        except (ValueError, InvalidOperation):
            data[name] = value
            continue
        if coerced is not None:
            data[name] = coerced
    if schema.get("type") == "object":
        for name, field in properties.items():
            if field.get("type") == "boolean" and name not in data and not field.get("readOnly"):
                data[name] = False  # an unticked checkbox is not submitted at all
    return data


# The variables a process owns from its start: who started it and what it is about (set by the
# engine only) and whose it is (the engine, or the start binding that knows better). Nobody's form
# data, at the start or at a task, may name them; connectors read the record from the instance row.
ENGINE_VARIABLES = frozenset({"initiator", "business_object"})
OWNED_VARIABLES = ENGINE_VARIABLES | {"owner"}


def only_declared(schema: dict | None, data: dict, current: dict, *, start: bool = False) -> dict:
    """Per-field errors for what a person may not send: the process's own variables, fields the
    form does not declare, read-only fields changed. A task without any form (an engine-level
    deployment; the processes app gives every task one) is held to the first rule only."""
    fields = declared_fields(schema)
    if start and fields is None:
        fields = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name in OWNED_VARIABLES:
            errors[name] = [_("This value belongs to the process; it cannot be sent.")]
        elif fields is None:
            continue
        elif name not in fields:
            errors[name] = [
                _("This process takes no start field with this name.")
                if start
                else _("This form has no field with this name.")
            ]
        elif fields[name].get("readOnly") and value != current.get(name):
            errors[name] = [_("This field is read-only.")]
    return errors
