"""Running a built report: the viewer's rows (`Entity.rows(user)`, so the row rules always apply),
the filters, one GROUP BY with the measures in SQL, then display labels for the group values in
one query per grouped relation. The result feeds the page, the dashboard tile and Excel alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DateField, F, Max, Min, Q, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import User

from .registry import DATES, ENTITIES, FieldDef, value_column
from .spec import Filter, ReportSpec

AGGREGATES = {"count": Count, "sum": Sum, "avg": Avg, "min": Min, "max": Max}


@dataclass
class ReportResult:
    columns: list[tuple[str, str]]  # (key, header): g0, g1, m0...
    rows: list[dict]  # key -> display value (labels for groups, numbers for measures)
    chart: dict | None  # Chart.js config, None for a table

    @property
    def cells(self) -> list[list]:
        return [[row.get(key) for key, _header in self.columns] for row in self.rows]

    @property
    def keyed_cells(self) -> list[list[tuple[str, object]]]:
        """Rows as (column key, value) pairs: g… are group labels, m… numbers."""
        return [[(key, row.get(key)) for key, _header in self.columns] for row in self.rows]


def _bounds(value: datetime.date, kind: str, *, end: bool = False):
    if end:
        value += datetime.timedelta(days=1)
    if kind == "datetime":
        return datetime.datetime.combine(value, datetime.time.min, tzinfo=timezone.get_current_timezone())
    return value


def _period_start(op: str, today: datetime.date) -> datetime.date:
    if op == "this_month":
        return today.replace(day=1)
    if op == "this_quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return today.replace(month=1, day=1)


def _condition(item: Filter, alias: str) -> Q:
    definition, op, value = item.field, item.op, item.value
    kind = definition.kind
    if op == "empty":
        blank = Q(**{f"{alias}__isnull": True})
        return blank | Q(**{alias: ""}) if kind == "text" else blank
    if op == "not_empty":
        return ~_condition(Filter(definition, "empty", None), alias)
    if op in ("true", "false"):
        return Q(**{alias: op == "true"})
    if kind in DATES:
        today = timezone.localdate()
        if op == "last_days":
            return Q(**{f"{alias}__gte": _bounds(today - datetime.timedelta(days=value - 1), kind)})
        if op in ("this_month", "this_quarter", "this_year"):
            return Q(**{f"{alias}__gte": _bounds(_period_start(op, today), kind)})
        if op == "eq":
            start, end = _bounds(value, kind), _bounds(value, kind, end=True)
            return Q(**{f"{alias}__gte": start, f"{alias}__lt": end})
        if op == "gte":
            return Q(**{f"{alias}__gte": _bounds(value, kind)})
        return Q(**{f"{alias}__lt": _bounds(value, kind, end=True)})
    if kind in ("fk", "user") and op in ("eq", "ne", "in"):
        alias = f"{alias}_id" if "__" not in alias and not definition.expression else alias
    lookups = {
        "eq": "exact",
        "ne": "exact",
        "in": "in",
        "contains": "icontains",
        "startswith": "istartswith",
        "gt": "gt",
        "gte": "gte",
        "lt": "lt",
        "lte": "lte",
    }
    condition = Q(**{f"{alias}__{lookups[op]}": value})
    return ~condition if op == "ne" else condition


def _group_expression(group, definition: FieldDef):
    if group.period:
        return Trunc(definition.path, group.period, output_field=DateField())
    if definition.expression:
        return definition.expression()
    if definition.kind in ("fk", "user"):
        return F(f"{definition.path}_id") if "__" not in definition.path else F(definition.path)
    return F(definition.path)


def _aggregate(measure):
    if measure.fn == "count":
        return Count("pk")
    return AGGREGATES[measure.fn](value_column(measure.field))


def _period_label(value, period: str) -> str:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if period == "quarter":
        return f"{value.year} Q{(value.month - 1) // 3 + 1}"
    if period == "year":
        return str(value.year)
    if period == "month":
        return f"{value:%Y-%m}"
    if period == "week":
        year, week, _day = value.isocalendar()
        return f"{year}-W{week:02d}"
    return value.isoformat()


def _labeller(group, values):
    """value -> label for one group-by, loading the labels it needs in one query."""
    definition = group.field
    none = _("(none)")
    if group.period:
        return lambda v: none if v is None else _period_label(v, group.period)
    if definition.kind == "user":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in={v for v in values if v is not None})}
        return lambda v: none if v is None else names.get(v, none)
    if definition.kind in ("fk", "choice") and definition.choices:
        labels = dict(definition.choices())
        return lambda v: none if v in (None, "") else labels.get(str(v), str(v))
    if definition.kind == "bool":
        return lambda v: none if v is None else (_("Yes") if v else _("No"))
    return lambda v: none if v in (None, "") else str(v)


def _number(value):
    if isinstance(value, Decimal):
        return round(value, 2)
    if isinstance(value, float):
        return round(value, 2)
    return value


def run_report(*, user, spec: ReportSpec) -> ReportResult:
    entity = ENTITIES[spec.entity]
    queryset = entity.rows(user)
    aliases: dict[str, str] = {}
    annotations = {}
    for definition in [f.field for f in spec.filters] + [m.field for m in spec.measures if m.field]:
        if definition.expression and definition.key not in aliases:
            alias = f"cf_{len(aliases)}"
            aliases[definition.key] = alias
            annotations[alias] = definition.expression()
    if annotations:
        queryset = queryset.annotate(**annotations)
    for item in spec.filters:
        queryset = queryset.filter(_condition(item, aliases.get(item.field.key, item.field.path)))
    measures = {f"m{i}": _aggregate(m) for i, m in enumerate(spec.measures)}
    columns = [(f"g{i}", str(g.field.label)) for i, g in enumerate(spec.group_by)]
    columns += [(f"m{i}", m.label) for i, m in enumerate(spec.measures)]
    if not spec.group_by:
        totals = queryset.order_by().aggregate(**measures)
        rows = [{key: _number(totals[key]) for key in measures}]
        return ReportResult(columns, rows, None)
    groups = {f"g{i}": _group_expression(g, g.field) for i, g in enumerate(spec.group_by)}
    order = F(spec.sort).desc(nulls_last=True) if spec.descending else F(spec.sort).asc(nulls_last=True)
    tiebreak = [F(key).asc(nulls_last=True) for key in groups if key != spec.sort]
    grouped = queryset.order_by().annotate(**groups).values(*groups).annotate(**measures)
    raw = list(grouped.order_by(order, *tiebreak)[: spec.limit])
    labellers = {
        key: _labeller(group, [r[key] for r in raw]) for key, group in zip(groups, spec.group_by, strict=True)
    }
    rows = [{**{k: labellers[k](r[k]) for k in groups}, **{k: _number(r[k]) for k in measures}} for r in raw]
    return ReportResult(columns, rows, _chart(spec, rows))


def _chart(spec: ReportSpec, rows: list[dict]) -> dict | None:
    if spec.chart == "table" or not rows:
        return None
    kind = {"bar": "bar", "line": "line", "pie": "pie"}[spec.chart]
    labels = list(dict.fromkeys(r["g0"] for r in rows))
    if len(spec.group_by) == 2 and kind != "pie":
        # the second group-by becomes the series, the first measure their values
        series = list(dict.fromkeys(r["g1"] for r in rows))
        values = {(r["g0"], r["g1"]): r["m0"] for r in rows}
        datasets = [{"label": s, "data": [float(values.get((g, s)) or 0) for g in labels]} for s in series]
    else:
        # one scale: the measure sorted by (else the first), with the others of the same field
        # (a count beside a sum of amounts would be a flat line)
        primary = spec.measures[int(spec.sort[1:]) if spec.sort.startswith("m") else 0]
        by_label = {r["g0"]: r for r in rows}
        datasets = [
            {"label": m.label, "data": [float(by_label[g][f"m{i}"] or 0) for g in labels]}
            for i, m in enumerate(spec.measures)
            if (m is primary if kind == "pie" else m.field == primary.field)
        ]
    return {"type": kind, "labels": labels, "datasets": datasets}


def run_spec(user, raw) -> tuple[ReportResult | None, ReportSpec | None, dict]:
    """(result, spec, errors) of a stored or posted definition for `user`: the result when the
    definition is valid for them, else the located errors."""
    from core.errors import ValidationFailed

    from .spec import parse_spec

    try:
        spec = parse_spec(raw, user=user)
    except ValidationFailed as error:
        return None, None, {k: [str(m) for m in v] for k, v in error.fields.items()}
    return run_report(user=user, spec=spec), spec, {}
