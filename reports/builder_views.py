"""The report builder's pages (/reports/builder/, /reports/saved/...): one form whose every change
re-renders the form and the live preview (htmx swaps #builder), saving, sharing and Excel.

The form is rendered from the registry: a filter's comparison list and value input follow its
field's type, choices show labels, and a field can only be one the registry offers.
"""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from core.errors import DomainError
from engine.selectors import HumanTask
from org.models import User
from org.permissions import user_can
from org.selectors import group_choices, user_row_scope, users_in_scope

from .builder.registry import DATES, ENTITIES, entities_for
from .builder.run import ReportResult, run_spec
from .builder.selectors import may_edit, report_for, reports_for
from .builder.services import saved_report_delete, saved_report_save
from .builder.spec import (
    CHARTS,
    FUNCTIONS,
    MAX_FILTERS,
    MAX_GROUPS,
    MAX_MEASURES,
    OPERATORS,
    PERIODS,
    VALUELESS,
    operator_family,
    params_from_spec,
    spec_from_params,
)
from .catalogue import Table
from .xlsx import XLSX_TYPE, sheet_title, write_table


def _user_choices(user) -> list[tuple[str, str]]:
    people = users_in_scope(user, user_row_scope(user)) if not user.is_superuser else None
    users = User.objects.filter(is_active=True).order_by("display_name", "username")
    if people is not None:
        users = users.filter(pk__in=people)
    return [("me", _("Me")), *((str(u.pk), str(u)) for u in users[:500])]


def _value_input(definition, op, value, user) -> dict:
    if op in VALUELESS or definition is None:
        return {"kind": "none"}
    if op == "last_days":
        return {"kind": "number", "value": value}
    if definition.kind in ("choice", "fk", "user"):
        choices = _user_choices(user) if definition.kind == "user" else (definition.choices or list)()
        selected = value if isinstance(value, list) else [value]
        return {
            "kind": "multi" if op == "in" else "select",
            "choices": [(str(v), str(label)) for v, label in choices],
            "value": [str(v) for v in selected if v not in (None, "")],
        }
    if definition.kind in DATES:
        return {"kind": "date", "value": value}
    if definition.kind in ("number", "decimal"):
        return {"kind": "number", "value": value}
    return {"kind": "text", "value": value}


def _one(params, name: str):
    value = params.get(name, "")
    return value if isinstance(value, str) else (value or "")


def _many(params, name: str) -> list:
    if hasattr(params, "getlist"):
        return params.getlist(name)
    value = params.get(name, [])
    return value if isinstance(value, list) else [value]


def builder_form(user, params, errors: dict) -> dict:
    """Everything the builder form shows, from the current inputs (a QueryDict or a dict)."""
    entities = entities_for(user)
    entity_key = _one(params, "entity")
    entity = ENTITIES.get(entity_key) if entity_key in {e.key for e in entities} else None
    fields = entity.fields() if entity else {}
    field_choices = [(key, str(f.label)) for key, f in fields.items()]
    filters = []
    used = 0
    for i in range(MAX_FILTERS):
        key = _one(params, f"f{i}_field")
        definition = fields.get(key)
        if definition is None and used < i:
            break
        used += definition is not None
        operators = OPERATORS[operator_family(definition.kind)] if definition else {}
        op = _one(params, f"f{i}_op")
        if definition and op not in operators:
            op = next(iter(operators))
        raw = _many(params, f"f{i}_value") if op == "in" else _one(params, f"f{i}_value")
        filters.append(
            {
                "i": i,
                "field": key if definition else "",
                "op": op,
                "operators": [(k, str(v)) for k, v in operators.items()],
                "value": _value_input(definition, op, raw, user),
                "errors": [m for n in ("field", "op", "value") for m in errors.get(f"f{i}_{n}", [])],
            }
        )
        if definition is None:
            break
    groupable = [(k, str(f.label)) for k, f in fields.items() if f.groupable]
    groups = []
    for i in range(MAX_GROUPS):
        key = _one(params, f"g{i}_field")
        definition = fields.get(key)
        groups.append(
            {
                "i": i,
                "field": key if definition else "",
                "dated": bool(definition and definition.kind in DATES),
                "period": _one(params, f"g{i}_period") or "month",
                "errors": [m for n in ("field", "period") for m in errors.get(f"g{i}_{n}", [])],
            }
        )
        if definition is None:
            break
    measurable = [(k, str(f.label)) for k, f in fields.items() if f.measurable]
    measures = []
    for i in range(MAX_MEASURES):
        fn = _one(params, f"m{i}_fn") if entity else ""
        if i == 0 and entity and not fn and not any(k.startswith("m0") for k in params):
            fn = "count"
        measures.append(
            {
                "i": i,
                "fn": fn,
                "field": _one(params, f"m{i}_field"),
                "errors": [m for n in ("fn", "field") for m in errors.get(f"m{i}_{n}", [])],
            }
        )
        if not fn:
            break
    sorts = [(f"g{g['i']}", dict(groupable).get(g["field"], "")) for g in groups if g["field"]]
    sorts += [(f"m{m['i']}", _measure_words(m, measurable)) for m in measures if m["fn"]]
    return {
        "entities": [(e.key, str(e.label)) for e in entities],
        "entity": entity.key if entity else "",
        "field_choices": field_choices,
        "groupable": groupable,
        "measurable": measurable,
        "filters": filters,
        "groups": groups,
        "measures": measures,
        "functions": [(k, str(v)) for k, v in FUNCTIONS.items()],
        "periods": [(k, str(v)) for k, v in PERIODS.items()],
        "charts": [(k, str(v)) for k, v in CHARTS.items()],
        "chart": _one(params, "chart") or "bar",
        "sorts": sorts,
        "sort": _one(params, "sort"),
        "descending": _one(params, "descending") == "on",
        "limit": _one(params, "limit") or "50",
        "errors": errors,
    }


def _measure_words(measure: dict, measurable) -> str:
    if measure["fn"] == "count":
        return str(FUNCTIONS["count"])
    return f"{FUNCTIONS.get(measure['fn'], '')} · {dict(measurable).get(measure['field'], '')}"


def _share_choices() -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in group_choices(Group.objects.all())]


def _may_export(user, entity_key: str) -> bool:
    model = ENTITIES[entity_key].model
    return model is HumanTask or user_can(user, model, "export")


@login_required
@require_GET
def builder(request):
    if not entities_for(request.user):
        raise PermissionDenied(_("You may not see any records to report on."))
    saved = None
    params = request.GET
    if request.GET.get("report"):
        wanted = request.GET["report"]
        saved = report_for(request.user, int(wanted)) if wanted.isdigit() else None
        if saved is None:
            raise Http404(_("There is no such report."))
        if len(request.GET) == 1:
            params = params_from_spec(saved.spec)
    raw = spec_from_params(params if isinstance(params, QueryDict) else _as_querydict(params))
    result, spec, errors = (None, None, {}) if not raw["entity"] else run_spec(request.user, raw)
    context = {
        "form": builder_form(request.user, params, errors),
        "result": result,
        "spec": spec,
        "raw_json": json.dumps(raw, cls=DjangoJSONEncoder),
        "saved": saved if saved and may_edit(request.user, saved) else None,
        "name": _one(params, "name") or (saved.name if saved else ""),
        "description": _one(params, "description") or (saved.description if saved else ""),
        "share_choices": _share_choices(),
        "shared": [str(g.pk) for g in saved.shared_with.all()] if saved else _many(params, "shared_with"),
        "query": urlencode(_as_querydict(params_from_spec(raw)), doseq=True) if raw["entity"] else "",
        "can_export": bool(spec) and _may_export(request.user, spec.entity),
    }
    return render(request, "reports/builder.html", context)


def _as_querydict(params: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if isinstance(value, list):
            query.setlist(key, [str(v) for v in value])
        elif value not in (None, ""):
            query[key] = str(value)
    return query


def _posted_spec(post) -> dict:
    try:
        raw = json.loads(post.get("spec") or "{}")
    except ValueError:
        raw = {}
    return raw if isinstance(raw, dict) else {}


@login_required
@require_POST
def builder_save(request):
    post = request.POST
    saved = None
    if post.get("report"):
        saved = report_for(request.user, int(post["report"])) if post["report"].isdigit() else None
        if saved is None or not may_edit(request.user, saved):
            raise Http404(_("There is no such report."))
    groups = list(Group.objects.filter(pk__in=[v for v in post.getlist("shared_with") if v.isdigit()]))
    raw = _posted_spec(post)
    try:
        report = saved_report_save(
            actor=request.user,
            report=saved if post.get("save_as") != "copy" else None,
            name=post.get("name", ""),
            description=post.get("description", ""),
            spec=raw,
            shared_with=groups,
        )
    except DomainError as error:
        errors = {k: [str(m) for m in v] for k, v in error.fields.items()} or {"name": [str(error.message)]}
        params = params_from_spec(raw)
        result, spec, _errors = run_spec(request.user, raw) if raw.get("entity") else (None, None, {})
        context = {
            "form": builder_form(request.user, params, errors),
            "result": result,
            "spec": spec,
            "raw_json": json.dumps(raw, cls=DjangoJSONEncoder),
            "saved": saved,
            "name": post.get("name", ""),
            "description": post.get("description", ""),
            "share_choices": _share_choices(),
            "shared": post.getlist("shared_with"),
            "save_errors": errors,
            "query": "",
            "can_export": False,
        }
        return render(request, "reports/builder.html", context, status=400)
    messages.success(request, _("Report “%(name)s” saved.") % {"name": report.name})
    return redirect("reports:saved", report.pk)


@login_required
@require_GET
def saved_report(request, pk: int):
    report = report_for(request.user, pk)
    if report is None:
        raise Http404(_("There is no such report."))
    result, spec, errors = run_spec(request.user, report.spec)
    status = 200 if result is not None else 403
    context = {
        "report": report,
        "result": result,
        "spec": spec,
        "problem": _problem(errors),
        "can_edit": may_edit(request.user, report),
        "can_export": bool(spec) and _may_export(request.user, spec.entity),
        "shared": [c.name for c in group_choices(report.shared_with.all())],
        "described": describe(spec)[:-1] if spec else [],
    }
    return render(request, "reports/saved.html", context, status=status)


def _problem(errors: dict) -> str:
    if not errors:
        return ""
    if "entity" in errors:
        return _("You may not see the records this report is about.")
    return " ".join(m for messages_ in errors.values() for m in messages_)


@login_required
@require_GET
def saved_list(request):
    return render(request, "reports/saved_list.html", {"reports": reports_for(request.user)})


@login_required
@require_POST
def saved_delete(request, pk: int):
    report = report_for(request.user, pk)
    if report is None:
        raise Http404(_("There is no such report."))
    saved_report_delete(actor=request.user, report=report)
    messages.success(request, _("Report “%(name)s” deleted.") % {"name": report.name})
    return redirect("reports:saved_list")


def _workbook(title: str, spec, result: ReportResult, described: list[tuple[str, str]]) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    used: set[str] = set()
    summary.title = sheet_title(_("Summary"), used)
    summary.append([title])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in described:
        summary.append([label, value])
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 60
    table = Table(spec.entity_label, result.columns, result.rows, "report")
    write_table(workbook.create_sheet(sheet_title(spec.entity_label, used)), table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def describe(spec) -> list[tuple[str, str]]:
    """The definition in words (Excel's summary sheet, the saved report's page)."""
    lines = [(_("Records"), spec.entity_label)]
    for item in spec.filters:
        operators = OPERATORS[operator_family(item.field.kind)]
        value = item.value
        if item.field.choices and value is not None:
            labels = dict(item.field.choices())
            values = value if isinstance(value, list) else [value]
            value = ", ".join(labels.get(str(v), str(v)) for v in values)
        elif item.field.kind == "user" and value is not None:
            values = value if isinstance(value, list) else [value]
            value = ", ".join(str(u) for u in User.objects.filter(pk__in=values))
        words = f"{item.field.label} {operators[item.op]}" + ("" if value is None else f" {value}")
        lines.append((_("Filter"), words))
    for group in spec.group_by:
        period = f" ({PERIODS[group.period]})" if group.period else ""
        lines.append((_("Group by"), f"{group.field.label}{period}"))
    for measure in spec.measures:
        lines.append((_("Measure"), measure.label))
    lines.append((_("Exported"), timezone.localtime().strftime("%Y-%m-%d %H:%M")))
    return lines


def _xlsx_response(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="baton-{stem}-{stamp}.xlsx"'
    return response


@login_required
@require_GET
def builder_export(request):
    raw = spec_from_params(request.GET)
    result, spec, errors = run_spec(request.user, raw)
    if result is None:
        return HttpResponse(_problem(errors) or _("The report cannot be run as it stands."), status=400)
    if not _may_export(request.user, spec.entity):
        raise PermissionDenied(_("You may not export these records."))
    return _xlsx_response(_workbook(_("Report"), spec, result, describe(spec)), "report")


@login_required
@require_GET
def saved_export(request, pk: int):
    report = report_for(request.user, pk)
    if report is None:
        raise Http404(_("There is no such report."))
    result, spec, errors = run_spec(request.user, report.spec)
    if result is None:
        raise PermissionDenied(_problem(errors))
    if not _may_export(request.user, spec.entity):
        raise PermissionDenied(_("You may not export these records."))
    return _xlsx_response(_workbook(report.name, spec, result, describe(spec)), f"report-{report.pk}")
