"""Forms rendered from a JSON Schema (a user task's form): widgets from the schema's properties,
and an HTML form's POST turned back into typed values.

Shared by the UI apps (the staff task list and the customer portal); validation itself is the
engine's (complete_task checks the data against the schema and returns errors per field, located
as "parts.1.quantity" inside line tables). A field picks its widget from the schema:

- `"x-widget"` (or the UI schema's `ui:widget`): a registered picker (`user`, `technician`,
  `department`, `group`, `vehicle`, `product`; see core.pickers), `rating` (1-5 stars), `money`
  (`"x-currency"`, two decimals), `plate` (a vehicle plate in one written form), `textarea`;
- `"format": "date"` / `"date-time"`: the browser's date and date-time inputs;
- an array of objects: a line table (a row per item, a column per item field);
- choices (`oneOf` consts / `enum`), booleans, integers, numbers, text otherwise.

Imports nothing above core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

from .pickers import PICKER_LIMIT, Option, PickerContext, picker_kind, picker_source
from .plates import normalise_plate

TEXTAREA_NAMES = {"comment", "comments", "reason", "description", "note", "notes", "remark", "remarks"}
DECISION_VALUES = {"approve", "reject"}
CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "JPY": "¥"}
RATING_STARS = 5
TABLE_MAX_ROWS = 100


@dataclass
class LineRow:
    """One row of a line table: its cells, and what is wrong with the row beyond one cell."""

    number: int
    cells: list[SchemaField]
    errors: list[str] = field(default_factory=list)


@dataclass
class SchemaField:
    """One widget of a task form (a line table's cells are SchemaFields too)."""

    name: str
    label: str
    # text, textarea, integer, number, date, datetime, checkbox, select, radio, readonly,
    # rating, money, plate, picker, cards (a picker shown as a list of cards), table
    widget: str
    required: bool = False
    help: str = ""
    choices: list[tuple[Any, str]] = field(default_factory=list)
    value: Any = None
    errors: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)  # a picker's choices with their details
    text: str | None = None  # the value as the input shows it, when it differs from str(value)
    columns: list[SchemaField] = field(default_factory=list)  # a line table's column headings
    rows: list[LineRow] = field(default_factory=list)  # a line table's rows
    blank_row: list[SchemaField] = field(default_factory=list)  # cloned by "Add a row"
    id_prefix: str = "field-"  # another form on the same page takes its own

    @property
    def html_id(self) -> str:
        return self.id_prefix + self.name.replace(".", "-")

    @property
    def value_text(self) -> str:
        if self.text is not None:
            return self.text
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
        return "" if self.value is None else self.value_text

    @property
    def stars(self) -> list[int]:
        return list(range(1, RATING_STARS + 1))

    @property
    def row_count(self) -> int:
        return len(self.rows)


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
            self.errors
            or any(f.errors for f in self.fields)
            or any(row.errors or any(c.errors for c in row.cells) for f in self.fields for row in f.rows)
            or (self.decision and self.decision.errors)
        )


def split_form_schema(form_schema: dict | None) -> tuple[dict, dict]:
    """(JSON Schema, UI schema) from what the engine stored on the task."""
    form_schema = form_schema or {}
    if isinstance(form_schema.get("schema"), dict):
        return form_schema["schema"], form_schema.get("ui_schema") or form_schema.get("uiSchema") or {}
    return form_schema, form_schema.get("uiSchema") or form_schema.get("ui_schema") or {}


def bulk_allowed(form_schema: dict | None) -> bool:
    """False when the form declares itself not approvable in bulk (`"x-bulk": false`)."""
    schema, ui_schema = split_form_schema(form_schema)
    return schema.get("x-bulk", ui_schema.get("ui:bulk", True)) is not False


def _choices(prop: dict) -> list[tuple[Any, str]]:
    if isinstance(prop.get("oneOf"), list) and all(
        isinstance(o, dict) and "const" in o for o in prop["oneOf"]
    ):
        return [(o["const"], str(o.get("title") or o["const"])) for o in prop["oneOf"]]
    if isinstance(prop.get("enum"), list):
        names = prop.get("enumNames") or prop.get("x-enumNames") or []
        return [(v, str(names[i]) if i < len(names) else str(v)) for i, v in enumerate(prop["enum"])]
    return []


def _declared_widget(prop: dict, ui: dict) -> str:
    widget = ui.get("ui:widget") or prop.get("x-widget") or prop.get("ui:widget") or ""
    return widget if isinstance(widget, str) else ""


def _is_table(prop: dict) -> bool:
    items = prop.get("items")
    return (
        prop.get("type") == "array"
        and isinstance(items, dict)
        and items.get("type") == "object"
        and isinstance(items.get("properties"), dict)
    )


def _widget(name: str, prop: dict, ui: dict) -> str:
    kind = prop.get("type")
    declared = _declared_widget(prop, ui)
    if prop.get("readOnly") or ui.get("ui:readonly"):
        return "readonly"
    if _is_table(prop):
        return "table"
    if picker_kind(prop, ui):
        source = picker_source(picker_kind(prop, ui))
        return "cards" if getattr(source, "display", "") == "cards" else "picker"
    if declared == "rating" and kind in ("integer", "number"):
        return "rating"
    if declared == "money" and kind in ("integer", "number"):
        return "money"
    if declared == "plate" and kind == "string":
        return "plate"
    if _choices(prop):
        if declared == "select":
            return "select"
        return "radio" if declared == "radio" or len(_choices(prop)) <= 3 else "select"
    if kind == "boolean":
        return "checkbox"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if prop.get("format") == "date" or declared == "date":
        return "date"
    if prop.get("format") == "date-time" or declared in ("datetime", "date-time"):
        return "datetime"
    if declared == "textarea" or prop.get("format") == "textarea" or prop.get("maxLength", 0) > 255:
        return "textarea"
    if name.lower() in TEXTAREA_NAMES:
        return "textarea"
    return "text"


def _ordered(properties: dict, *orders) -> list[str]:
    """PostgreSQL's jsonb does not keep key order: an explicit order (ui:order, or x-order) wins
    over the order the keys come back in."""
    order = next((o for o in orders if isinstance(o, list) and o), None) or sorted(
        properties,
        key=lambda n: properties[n].get("x-order", 0) if isinstance(properties[n], dict) else 0,
    )
    return [n for n in order if n in properties] + [n for n in properties if n not in order]


def _currency(prop: dict) -> str:
    code = str(prop.get("x-currency") or "CNY").upper()
    return CURRENCY_SYMBOLS.get(code, code)


def _local_datetime_text(value) -> str | None:
    """An ISO date-time as a datetime-local input shows it (the viewer's time zone, minutes)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%dT%H:%M")


def _money_text(value) -> str | None:
    """Two decimals, grouped by thousands with the locale's separators (Django's zh-Hans has no
    thousands separator; amounts in Chinese business documents are written 13,000.50)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return numberformat.format(
        Decimal(str(value)),
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=2,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR") or ",",
        force_grouping=True,
    )


def _picker_options(kind: str, prop: dict, ctx: PickerContext | None, value) -> list[Option]:
    source = picker_source(kind)
    if source is None or ctx is None:
        return []
    field_ctx = ctx.for_field(prop)
    options = list(source.options(field_ctx, limit=PICKER_LIMIT))
    if isinstance(value, str) and value and all(o.value != value for o in options):
        current = source.option(field_ctx, value)
        if current is not None:
            options.insert(0, current)
    return options


def _option_label(option: Option) -> str:
    return f"{option.label} · {option.detail}" if option.detail else option.label


def _field(
    name: str,
    prop: dict,
    ui: dict,
    *,
    value,
    required: bool,
    errors: dict[str, list[str]],
    ctx: PickerContext | None,
    search_url: str = "",
    path: str = "",
) -> SchemaField:
    widget = _widget(name, prop, ui)
    attrs = {
        key: prop[key] for key in ("minimum", "maximum", "minLength", "maxLength", "pattern") if key in prop
    }
    full_name = f"{path}{name}"
    schema_field = SchemaField(
        name=full_name,
        label=str(prop.get("title") or name.replace("_", " ").capitalize()),
        widget=widget,
        required=required,
        help=str(prop.get("description") or ui.get("ui:help") or ""),
        choices=_choices(prop),
        value=value,
        errors=[str(m) for m in errors.get(full_name, [])],
        attrs=attrs,
    )
    if widget in ("picker", "cards") or (widget == "readonly" and picker_kind(prop, ui)):
        kind = picker_kind(prop, ui) or ""
        schema_field.options = _picker_options(kind, prop, ctx, value)
        schema_field.choices = [(o.value, _option_label(o)) for o in schema_field.options]
        if search_url and widget == "picker":
            schema_field.attrs["search_url"] = (
                search_url
                + ("&" if "?" in search_url else "?")
                + (f"field={path.split('.')[0] + '.' if path else ''}{name}")
            )
    elif widget == "datetime":
        schema_field.text = _local_datetime_text(value)
    elif widget == "money":
        schema_field.text = _money_text(value)
        schema_field.attrs["prefix"] = _currency(prop)
    return schema_field


def _table(
    name: str,
    prop: dict,
    ui: dict,
    *,
    value,
    required: bool,
    errors: dict[str, list[str]],
    ctx: PickerContext | None,
    search_url: str = "",
) -> SchemaField:
    items = prop["items"]
    columns_schema = items.get("properties") or {}
    item_ui = ui.get("items") or {}
    order = _ordered(columns_schema, item_ui.get("ui:order"), items.get("x-order"))
    order = [
        c
        for c in order
        if isinstance(columns_schema[c], dict) and columns_schema[c].get("type") not in ("object", "array")
    ]
    column_required = set(items.get("required") or [])
    rows_data = [r if isinstance(r, dict) else {} for r in value] if isinstance(value, list) else []
    table = SchemaField(
        name=name,
        label=str(prop.get("title") or name.replace("_", " ").capitalize()),
        widget="table",
        required=required,
        help=str(prop.get("description") or ui.get("ui:help") or ""),
        value=value,
        errors=[str(m) for m in errors.get(name, [])],
        attrs={key: prop[key] for key in ("minItems", "maxItems") if key in prop},
    )
    options_cache: dict[str, list[Option]] = {}

    def cells(index, row: dict) -> list[SchemaField]:
        out = []
        for column in order:
            cell = _field(
                column,
                columns_schema[column],
                item_ui.get(column) or {},
                value=row.get(column, columns_schema[column].get("default")),
                required=column in column_required,
                errors=errors,
                ctx=None,
                search_url=search_url,
                path=f"{name}.{index}.",
            )
            if cell.widget in ("picker", "cards"):
                kind = picker_kind(columns_schema[column], item_ui.get(column) or {}) or ""
                if column not in options_cache:
                    options_cache[column] = _picker_options(kind, columns_schema[column], ctx, None)
                options = list(options_cache[column])
                current = row.get(column)
                if isinstance(current, str) and current and all(o.value != current for o in options):
                    options = _picker_options(kind, columns_schema[column], ctx, current)
                cell.widget = "picker"
                if len(options_cache[column]) < PICKER_LIMIT:
                    # every choice is listed already: a search box in each row would only crowd it
                    cell.attrs.pop("search_url", None)
                cell.options = options
                cell.choices = [(o.value, _option_label(o)) for o in options]
            out.append(cell)
        return out

    table.columns = cells("__row__", {})
    for cell in table.columns:
        cell.errors = []
    if not rows_data:
        rows_data = [{}]
    for index, row in enumerate(rows_data[:TABLE_MAX_ROWS]):
        row_errors = [str(m) for m in errors.get(f"{name}.{index}", [])]
        table.rows.append(LineRow(number=index + 1, cells=cells(index, row), errors=row_errors))
    table.blank_row = table.columns
    return table


def build_task_form(
    form_schema: dict | None,
    *,
    values: dict | None = None,
    errors: dict[str, list[str]] | None = None,
    known: dict | None = None,
    pickers: PickerContext | None = None,
    search_url: str = "",
) -> TaskForm:
    """Widgets for the schema's top-level properties, in schema order.

    `values` are what the user submitted (redisplayed after errors); `known` are the process data
    (shown in read-only fields); schema defaults fill the rest. `pickers` says who is picking in
    which process (without it a picker field offers nothing); `search_url` is the endpoint a
    picker searches as the user types.
    """
    schema, ui_schema = split_form_schema(form_schema)
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    order = _ordered(properties, ui_schema.get("ui:order"), schema.get("x-order"))
    values, errors, known = values or {}, errors or {}, known or {}
    fields, decision = [], None
    for name in order:
        prop = properties[name]
        if not isinstance(prop, dict) or prop.get("type") == "object":
            continue
        if prop.get("type") == "array" and not _is_table(prop):
            continue
        ui = ui_schema.get(name) or {}
        widget = _widget(name, prop, ui)
        if name in values:
            value = values[name]
        elif widget == "readonly":
            value = known.get(name, prop.get("default"))
        else:
            value = prop.get("default")
        if widget == "table":
            fields.append(
                _table(
                    name,
                    prop,
                    ui,
                    value=value,
                    required=name in required,
                    errors=errors,
                    ctx=pickers,
                    search_url=search_url,
                )
            )
            continue
        schema_field = _field(
            name,
            prop,
            ui,
            value=value,
            required=name in required,
            errors=errors,
            ctx=pickers,
            search_url=search_url,
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
    general = [
        str(m) for key, messages in errors.items() if key.split(".")[0] not in properties for m in messages
    ]
    return TaskForm(
        title=str(schema.get("title") or ""),
        description=str(schema.get("description") or ""),
        fields=fields,
        decision=decision,
        errors=general,
    )


def parse_money(text: str):
    """An amount as typed ("¥13,000.50", "13 000.5"): the number, or the text when it is not one
    (the engine's validation then says so on the field). More than two decimals is not money."""
    cleaned = "".join(ch for ch in text if ch.isdigit() or ch in ".-")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return text
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        return text
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def parse_local_datetime(text: str) -> str:
    """A datetime-local input's "2026-12-08T10:00" as an ISO date-time in the viewer's time zone
    (what the schema's "date-time" format wants); anything else is left for validation."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment.isoformat()


def _typed(prop: dict, ui: dict, text: str):
    """An HTML form's string as the schema's type; a string that does not parse stays as it is, so
    the engine's validation reports it on the field ("Enter a whole number") instead of crashing."""
    kind = prop.get("type")
    widget = _widget("", prop, ui)
    choices = {str(value): value for value, _label in _choices(prop)}
    if text in choices:
        return choices[text]
    if widget == "money":
        return parse_money(text)
    if widget == "datetime":
        return parse_local_datetime(text)
    if widget == "plate":
        return normalise_plate(text)
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


def _table_from_post(name: str, prop: dict, ui: dict, post) -> list[dict]:
    """The rows of a line table ("parts.0.product", "parts.0.quantity", ...) in their order on the
    page, renumbered from 0; a row left entirely empty is not a row."""
    columns = prop["items"].get("properties") or {}
    item_ui = ui.get("items") or {}
    prefix = f"{name}."
    indexes: list[int] = []
    for key in post:
        if not key.startswith(prefix):
            continue
        index = key[len(prefix) :].split(".", 1)[0]
        if index.isdigit() and int(index) not in indexes and int(index) < 10_000:
            indexes.append(int(index))
    rows = []
    for index in sorted(indexes)[:TABLE_MAX_ROWS]:
        row = {}
        for column, column_prop in columns.items():
            if not isinstance(column_prop, dict) or column_prop.get("readOnly"):
                continue
            text = (post.get(f"{prefix}{index}.{column}") or "").strip()
            if column_prop.get("type") == "boolean":
                if text:
                    row[column] = text.lower() in ("true", "on", "1", "yes")
                continue
            if text:
                row[column] = _typed(column_prop, item_ui.get(column) or {}, text)
        if row:
            rows.append(row)
    return rows


def form_data_from_post(form_schema: dict | None, post) -> dict:
    """The submitted values of the schema's fields, typed where they parse (the rest is left for the
    engine's validation to report per field)."""
    schema, ui_schema = split_form_schema(form_schema)
    properties = schema.get("properties") or {}
    data: dict[str, Any] = {}
    for name, prop in properties.items():
        if not isinstance(prop, dict) or prop.get("readOnly") or prop.get("type") == "object":
            continue
        ui = ui_schema.get(name) or {}
        if prop.get("type") == "array":
            if _is_table(prop):
                rows = _table_from_post(name, prop, ui, post)
                if rows or name in (schema.get("required") or []):
                    data[name] = rows
            continue
        if prop.get("type") == "boolean":
            # an unticked checkbox is not submitted at all
            data[name] = post.get(name, "").lower() in ("true", "on", "1", "yes")
            continue
        text = (post.get(name) or "").strip()
        if text:
            data[name] = _typed(prop, ui, text)
    return data


def bulk_approvable(form_schema: dict | None) -> bool:
    """A task can be approved in bulk when its form is an approve/reject decision and nothing else
    is required (an approval that needs a typed answer must be opened), and the form does not
    declare itself not bulk-approvable (`"x-bulk": false`)."""
    schema, _ui = split_form_schema(form_schema)
    properties = schema.get("properties") or {}
    decision = properties.get("decision")
    if not isinstance(decision, dict) or {v for v, _label in _choices(decision)} != DECISION_VALUES:
        return False
    if not bulk_allowed(form_schema):
        return False
    return set(schema.get("required") or []) <= {"decision"}
