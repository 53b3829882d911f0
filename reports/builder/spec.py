"""A built report's definition: plain JSON (what a saved report stores), checked field by field
against the registry. Every error is located by the builder form's input name (`f1_value`: the
value of the second filter) and says where in words, so the page shows it beside the input.

    {"entity": "opportunity",
     "filters": [{"field": "status", "op": "eq", "value": "open"}],
     "group_by": [{"field": "stage"}, {"field": "created", "period": "month"}],
     "measures": [{"fn": "count"}, {"fn": "sum", "field": "amount"}],
     "chart": "bar", "sort": "m1", "descending": true, "limit": 50}
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ValidationFailed
from org.models import User

from .registry import DATES, ENTITIES, NUMERIC, FieldDef, entities_for

MAX_FILTERS, MAX_GROUPS, MAX_MEASURES = 6, 2, 4
MAX_LIMIT, DEFAULT_LIMIT = 500, 50
PERIODS = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "year": gettext_lazy("Year"),
}
FUNCTIONS = {
    "count": gettext_lazy("Count"),
    "sum": gettext_lazy("Sum"),
    "avg": gettext_lazy("Average"),
    "min": gettext_lazy("Minimum"),
    "max": gettext_lazy("Maximum"),
}
CHARTS = {
    "bar": gettext_lazy("Bar chart"),
    "line": gettext_lazy("Line chart"),
    "pie": gettext_lazy("Pie chart"),
    "table": gettext_lazy("Table only"),
}
_SAME = {"eq": gettext_lazy("is"), "ne": gettext_lazy("is not")}
_EMPTY = {"empty": gettext_lazy("is empty"), "not_empty": gettext_lazy("is not empty")}
OPERATORS = {
    "text": {
        **_SAME,
        "contains": gettext_lazy("contains"),
        "startswith": gettext_lazy("starts with"),
        **_EMPTY,
    },
    "choice": {**_SAME, "in": gettext_lazy("is one of"), **_EMPTY},
    "number": {**_SAME, "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", **_EMPTY},
    "date": {
        "eq": gettext_lazy("is on"),
        "gte": gettext_lazy("on or after"),
        "lte": gettext_lazy("on or before"),
        "last_days": gettext_lazy("in the last … days"),
        "this_month": gettext_lazy("this month"),
        "this_quarter": gettext_lazy("this quarter"),
        "this_year": gettext_lazy("this year"),
        **_EMPTY,
    },
    "bool": {"true": gettext_lazy("is yes"), "false": gettext_lazy("is no")},
}
VALUELESS = {"empty", "not_empty", "this_month", "this_quarter", "this_year", "true", "false"}


def operator_family(kind: str) -> str:
    if kind in ("choice", "fk", "user"):
        return "choice"
    if kind in NUMERIC:
        return "number"
    if kind in DATES:
        return "date"
    return kind if kind in OPERATORS else "text"


@dataclass(frozen=True)
class Filter:
    field: FieldDef
    op: str
    value: object  # typed: str, list[str], int, Decimal, date, or None


@dataclass(frozen=True)
class GroupBy:
    field: FieldDef
    period: str | None = None


@dataclass(frozen=True)
class Measure:
    fn: str
    field: FieldDef | None = None

    @property
    def label(self) -> str:
        if self.fn == "count":
            return _("Count")
        return f"{FUNCTIONS[self.fn]} · {self.field.label}"


@dataclass(frozen=True)
class ReportSpec:
    entity: str
    filters: tuple[Filter, ...]
    group_by: tuple[GroupBy, ...]
    measures: tuple[Measure, ...]
    chart: str
    sort: str  # g0, g1, m0..m3
    descending: bool
    limit: int

    @property
    def entity_label(self) -> str:
        return str(ENTITIES[self.entity].label)


class _Errors:
    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, where: str, message: str) -> None:
        self.fields.setdefault(name, []).append(f"{where}: {message}" if where else message)


def parse_spec(raw, *, user) -> ReportSpec:
    """The checked spec, or ValidationFailed with every problem located (`fields` keyed by the
    builder's input names). `user` decides which entities and user values are allowed."""
    errors = _Errors()
    if not isinstance(raw, dict):
        raise ValidationFailed(
            _("The report definition is not readable."), fields={"entity": [_("Choose what to report on.")]}
        )
    entity_key = raw.get("entity")
    allowed = {e.key for e in entities_for(user)}
    if entity_key not in ENTITIES or entity_key not in allowed:
        raise ValidationFailed(
            _("Choose what to report on."),
            fields={"entity": [_("Choose one of the listed record types.")]},
        )
    fields = ENTITIES[entity_key].fields()
    filters = _filters(raw.get("filters") or [], fields, errors, user)
    groups = _groups(raw.get("group_by") or [], fields, errors)
    measures = _measures(raw.get("measures") or [{"fn": "count"}], fields, errors)
    chart = raw.get("chart") or "table"
    if chart not in CHARTS:
        errors.add("chart", "", _("Choose one of the listed chart types."))
    elif chart != "table" and not groups:
        errors.add("chart", _("Chart"), _("A chart needs a group-by; choose one or show a table."))
    elif chart == "pie" and len(groups) > 1:
        errors.add("chart", _("Chart"), _("A pie chart shows one group-by; remove the second."))
    sort = raw.get("sort") or ""
    sortable = {f"g{i}" for i in range(len(groups))} | {f"m{i}" for i in range(len(measures))}
    if sort and sort not in sortable:
        errors.add("sort", _("Sort"), _("Sort by one of the group-bys or measures of this report."))
    if not sort and raw.get("descending") and measures:
        sort, descending = "m0", True  # "largest first" with no sort chosen: by the first measure
    elif not sort:
        first_is_date = groups and groups[0].field.kind in DATES
        sort = "g0" if first_is_date or not measures else "m0"
        descending = not first_is_date
    else:
        descending = bool(raw.get("descending"))
    limit = _integer(raw.get("limit"), DEFAULT_LIMIT)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        errors.add("limit", _("Rows"), _("Enter a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT})
    if errors.fields:
        raise ValidationFailed(_("The report cannot be run as it stands."), fields=errors.fields)
    return ReportSpec(entity_key, filters, groups, measures, chart, sort, descending, limit)


def _integer(value, default):
    if value in (None, ""):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _items(raw, limit: int, name: str, errors: _Errors) -> list:
    if not isinstance(raw, list):
        errors.add(name, "", _("This part of the report is not readable."))
        return []
    if len(raw) > limit:
        errors.add(name, "", _("At most %(n)d of these.") % {"n": limit})
    return [item if isinstance(item, dict) else {} for item in raw[:limit]]


def _known_field(fields, key, name, where, errors) -> FieldDef | None:
    definition = fields.get(key) if isinstance(key, str) else None
    if definition is None:
        errors.add(name, where, _("Choose one of the listed fields."))
    return definition


def _filters(raw, fields, errors, user) -> tuple[Filter, ...]:
    result = []
    for i, item in enumerate(_items(raw, MAX_FILTERS, "f0_field", errors)):
        where = _("Filter %(n)d") % {"n": i + 1}
        definition = _known_field(fields, item.get("field"), f"f{i}_field", where, errors)
        if definition is None:
            continue
        operators = OPERATORS[operator_family(definition.kind)]
        op = item.get("op")
        if op not in operators:
            errors.add(f"f{i}_op", where, _("Choose one of the listed comparisons."))
            continue
        value = _filter_value(definition, op, item.get("value"), f"f{i}_value", where, errors, user)
        result.append(Filter(definition, op, value))
    return tuple(result)


def _filter_value(definition, op, raw, name, where, errors, user):
    if op in VALUELESS:
        return None
    if op == "last_days":
        days = _integer(raw, None)
        if days is None or not 1 <= days <= 3660:
            errors.add(name, where, _("Enter a number of days from 1 to 3660."))
        return days
    values = raw if isinstance(raw, list) else [raw]
    values = [str(v).strip() for v in values if v not in (None, "") and str(v).strip()]
    if not values:
        errors.add(name, where, _("Enter a value."))
        return None
    if op != "in":
        values = values[:1]
    kind = definition.kind
    typed = []
    for value in values:
        if kind in ("choice", "fk"):
            known = {v for v, _label in definition.choices()} if definition.choices else set()
            if value not in known:
                errors.add(name, where, _("“%(value)s” is not one of the choices.") % {"value": value})
                return None
            typed.append(value)
        elif kind == "user":
            if value == "me":
                typed.append(user.pk)
            elif value.isdigit() and User.objects.filter(pk=int(value)).exists():
                typed.append(int(value))
            else:
                errors.add(name, where, _("Choose a person from the list."))
                return None
        elif kind in NUMERIC:
            try:
                number = Decimal(value.replace(",", ""))
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                errors.add(name, where, _("Enter a number."))
                return None
            typed.append(number)
        elif kind in DATES:
            try:
                typed.append(datetime.date.fromisoformat(value))
            except ValueError:
                errors.add(name, where, _("Enter a date (YYYY-MM-DD)."))
                return None
        else:
            if len(value) > 200:
                errors.add(name, where, _("At most %(n)d characters.") % {"n": 200})
                return None
            typed.append(value)
    return typed if op == "in" else typed[0]


def _groups(raw, fields, errors) -> tuple[GroupBy, ...]:
    result = []
    for i, item in enumerate(_items(raw, MAX_GROUPS, "g0_field", errors)):
        where = _("Group-by %(n)d") % {"n": i + 1}
        definition = _known_field(fields, item.get("field"), f"g{i}_field", where, errors)
        if definition is None:
            continue
        if not definition.groupable:
            errors.add(f"g{i}_field", where, _("Numbers are measured, not grouped; choose another field."))
            continue
        period = None
        if definition.kind in DATES:
            period = item.get("period") or "month"
            if period not in PERIODS:
                errors.add(f"g{i}_period", where, _("Choose day, week, month, quarter or year."))
                continue
        if any(g.field.key == definition.key and g.period == period for g in result):
            errors.add(f"g{i}_field", where, _("This group-by is already in the report."))
            continue
        result.append(GroupBy(definition, period))
    return tuple(result)


def _measures(raw, fields, errors) -> tuple[Measure, ...]:
    result = []
    for i, item in enumerate(_items(raw, MAX_MEASURES, "m0_fn", errors)):
        where = _("Measure %(n)d") % {"n": i + 1}
        fn = item.get("fn")
        if fn not in FUNCTIONS:
            errors.add(f"m{i}_fn", where, _("Choose count, sum, average, minimum or maximum."))
            continue
        definition = None
        if fn != "count":
            definition = _known_field(fields, item.get("field"), f"m{i}_field", where, errors)
            if definition is None:
                continue
            if not definition.measurable:
                errors.add(f"m{i}_field", where, _("Only numbers can be summed or averaged."))
                continue
        measure = Measure(fn, definition)
        if measure in result:
            errors.add(f"m{i}_fn", where, _("This measure is already in the report."))
            continue
        result.append(measure)
    if not result and not errors.fields:
        errors.add("m0_fn", _("Measure 1"), _("Add at least one measure."))
    return tuple(result)


def spec_from_params(params) -> dict:
    """The JSON spec from the builder form's inputs (a QueryDict): the rows left blank dropped."""
    spec = {"entity": params.get("entity", ""), "filters": [], "group_by": [], "measures": []}
    for i in range(MAX_FILTERS):
        key = params.get(f"f{i}_field")
        if key:
            values = params.getlist(f"f{i}_value")
            values = [v for v in values if v not in (None, "")]
            op = params.get(f"f{i}_op", "")
            spec["filters"].append(
                {"field": key, "op": op, "value": values if op == "in" else (values[0] if values else "")}
            )
    for i in range(MAX_GROUPS):
        key = params.get(f"g{i}_field")
        if key:
            spec["group_by"].append({"field": key, "period": params.get(f"g{i}_period") or None})
    for i in range(MAX_MEASURES):
        fn = params.get(f"m{i}_fn")
        if fn:
            spec["measures"].append({"fn": fn, "field": params.get(f"m{i}_field") or None})
    spec["chart"] = params.get("chart") or "table"
    spec["sort"] = params.get("sort") or ""
    spec["descending"] = params.get("descending") == "on"
    spec["limit"] = params.get("limit") or DEFAULT_LIMIT
    return spec


def params_from_spec(spec: dict) -> dict:
    """The builder form's inputs for a stored spec (opening a saved report in the builder)."""
    params: dict[str, object] = {"entity": spec.get("entity", "")}
    for i, item in enumerate(spec.get("filters") or []):
        params[f"f{i}_field"], params[f"f{i}_op"] = item.get("field", ""), item.get("op", "")
        params[f"f{i}_value"] = item.get("value", "")
    for i, item in enumerate(spec.get("group_by") or []):
        params[f"g{i}_field"], params[f"g{i}_period"] = item.get("field", ""), item.get("period") or ""
    for i, item in enumerate(spec.get("measures") or []):
        params[f"m{i}_fn"], params[f"m{i}_field"] = item.get("fn", ""), item.get("field") or ""
    params.update(
        chart=spec.get("chart", "table"),
        sort=spec.get("sort", ""),
        descending="on" if spec.get("descending") else "",
        limit=spec.get("limit", DEFAULT_LIMIT),
    )
    return params
