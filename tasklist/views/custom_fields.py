"""Custom fields on the staff pages: their form inputs (by kind), the posted values, the values a
form starts with, and their list columns and filters (used by the customer card and the generic
object views alike)."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from crm.models import CustomFieldDefinition
from crm.selectors.custom_fields import custom_value_display, plain_number

Kind = CustomFieldDefinition.Kind
# the form input of each kind (the kinds of tasklist/objects/form.html and the customer form)
FORM_KINDS = {
    Kind.TEXT: "text",
    Kind.LONG_TEXT: "textarea",
    Kind.NUMBER: "number",
    Kind.MONEY: "number",
    Kind.DATE: "date",
    Kind.BOOL: "bool",
    Kind.CHOICE: "select",
    Kind.MULTI_CHOICE: "multi",
    Kind.PERSON: "select",
}
# the list cell of each kind (tasklist/objects/_results.html)
COLUMN_KINDS = {Kind.NUMBER: "number", Kind.MONEY: "money", Kind.DATE: "date"}


def field_name(definition: CustomFieldDefinition) -> str:
    return f"custom.{definition.key}"


def people_choices() -> list[tuple[str, str]]:
    """The colleagues a "person" field offers: active employees, by name (not the accounts with
    access to Django's admin site, which is what `is_staff` means)."""
    users = get_user_model().objects.filter(is_active=True, employee__isnull=False)
    users = users.order_by("username")[:1000]
    return sorted(((str(u.pk), str(u)) for u in users), key=lambda pair: pair[1])


def choices_of(definition: CustomFieldDefinition, people: list | None = None) -> list[tuple[str, str]]:
    if definition.kind in (Kind.CHOICE, Kind.MULTI_CHOICE):
        return [(str(c), str(c)) for c in definition.choices or []]
    if definition.kind == Kind.PERSON:
        return people if people is not None else people_choices()
    return []


def posted_custom(post, definitions) -> dict:
    """The custom values of a submitted form, raw (the service validates)."""
    values = {}
    for definition in definitions:
        name = field_name(definition)
        if definition.kind == Kind.MULTI_CHOICE:
            values[definition.key] = post.getlist(name)
        elif definition.kind == Kind.BOOL:
            values[definition.key] = post.get(name) == "on"
        else:
            values[definition.key] = post.get(name, "").strip()
    return values


def initial_custom(obj, definitions) -> dict:
    """The form's starting values of the record's custom fields, by input name."""
    stored = (getattr(obj, "custom", None) or {}) if obj is not None else {}
    values = {}
    for definition in definitions:
        value = stored.get(definition.key)
        if definition.kind == Kind.MULTI_CHOICE:
            values[field_name(definition)] = [str(v) for v in value or []]
        elif definition.kind == Kind.BOOL:
            values[field_name(definition)] = bool(value)
        else:
            values[field_name(definition)] = "" if value is None else str(value)
    return values


def help_of(definition: CustomFieldDefinition) -> str:
    parts = [definition.help_text] if definition.help_text else []
    if definition.min_value is not None and definition.max_value is not None:
        parts.append(
            _("From %(min)s to %(max)s.")
            % {"min": plain_number(definition.min_value), "max": plain_number(definition.max_value)}
        )
    elif definition.min_value is not None:
        parts.append(_("At least %(n)s.") % {"n": plain_number(definition.min_value)})
    elif definition.max_value is not None:
        parts.append(_("At most %(n)s.") % {"n": plain_number(definition.max_value)})
    return " ".join(parts)


def cell_value(definition: CustomFieldDefinition, obj, people: dict):
    """A list cell: dates as dates (the template formats them), people by name."""
    value = (getattr(obj, "custom", None) or {}).get(definition.key)
    if definition.kind == Kind.DATE and value:
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            return None
    if definition.kind in (Kind.NUMBER, Kind.MONEY):
        return value if isinstance(value, int | float) else None
    return custom_value_display(definition, value, people)


def filter_inputs(definition: CustomFieldDefinition, get, errors: dict, people=None) -> list[dict]:
    """The list filter of a filterable field: a select (choice, yes/no, person), a from/to pair
    (number, money, date) or a text box (contains)."""
    name = field_name(definition)
    label = definition.label
    if definition.kind in (Kind.CHOICE, Kind.MULTI_CHOICE, Kind.PERSON, Kind.BOOL):
        if definition.kind == Kind.BOOL:
            choices = [("true", _("Yes")), ("false", _("No"))]
        else:
            choices = choices_of(definition, people)
        return [
            {
                "name": name,
                "label": label,
                "kind": "select",
                "choices": [("", _("Any")), *choices],
                "value": get.get(name, ""),
                "errors": errors.get(name, []),
            }
        ]
    if definition.kind in (Kind.NUMBER, Kind.MONEY, Kind.DATE):
        kind = "date" if definition.kind == Kind.DATE else "number"
        return [
            {
                "name": f"{name}__gte",
                "label": _("%(field)s from") % {"field": label},
                "kind": kind,
                "value": get.get(f"{name}__gte", ""),
                "errors": errors.get(f"{name}__gte", []),
            },
            {
                "name": f"{name}__lte",
                "label": _("%(field)s to") % {"field": label},
                "kind": kind,
                "value": get.get(f"{name}__lte", ""),
                "errors": errors.get(f"{name}__lte", []),
            },
        ]
    return [
        {
            "name": f"{name}__contains",
            "label": _("%(field)s contains") % {"field": label},
            "kind": "text",
            "value": get.get(f"{name}__contains", ""),
            "errors": errors.get(f"{name}__contains", []),
        }
    ]
