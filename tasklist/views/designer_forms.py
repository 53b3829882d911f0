"""The designer's form editor (/designer/processes/<key>/versions/<n>/forms/<element>/): a user
task's or start event's form as rows of fields, with a live preview drawn by the task page's own
renderer (core.jsonforms + the _jsonform templates); saving makes a new draft version."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, ValidationFailed
from core.jsonforms import build_task_form
from core.pickers import PickerContext
from processes import selectors as process_selectors
from processes import services as processes
from processes.form_editor import FIELD_TYPES, rows_from_schema, schema_from_rows

from .. import designer_selectors as selectors
from .designer import designer_required

BLANK_ROWS = 1
MAX_ROWS = 80


def _element(key: str, version: int, element_id: str):
    definition = selectors.version_of(key, version)
    meta = process_selectors.form_element(definition, element_id) if definition else None
    if meta is None:
        raise Http404(_("This process has no such task."))
    return definition, meta


def _rows_from_post(post) -> list[dict]:
    count = min(int(post.get("rows", "0")) if post.get("rows", "").isdigit() else 0, MAX_ROWS)
    removed = set(post.getlist("remove"))
    required = set(post.getlist("required"))
    rows = []
    for i in range(count):
        if str(i) in removed:
            continue
        rows.append(
            {
                "name": post.get(f"f{i}-name", "").strip()[:64],
                "label": post.get(f"f{i}-label", "").strip()[:200],
                "type": post.get(f"f{i}-type", "text"),
                "required": str(i) in required,
                "help": post.get(f"f{i}-help", "").strip()[:500],
                "options": post.get(f"f{i}-options", "")[:4000],
            }
        )
    return rows


def _preview(request, title: str, rows: list[dict], previous: dict) -> tuple[object, dict]:
    """(the rendered form, errors per row) for the rows as they are now."""
    try:
        schema = schema_from_rows(title, rows, previous=previous)
    except ValidationFailed as error:
        return None, {k: [str(m) for m in v] for k, v in (error.fields or {}).items()} or {
            "__all__": [str(error.message)]
        }
    form = build_task_form({"schema": schema, "ui_schema": {}}, pickers=PickerContext(viewer=request.user))
    return form, {}


def _context(request, definition, meta, element_id, title, rows, errors=None):
    previous = (meta.get("form") or {}).get("schema") or {}
    preview, preview_errors = _preview(request, title, rows, previous)
    errors = errors if errors is not None else preview_errors
    numbered = []
    for number, row in enumerate(rows, start=1):
        where = f"fields.{number}"
        numbered.append(
            {
                **row,
                "index": number - 1,
                "errors": {k.rsplit(".", 1)[-1]: v for k, v in errors.items() if k.startswith(where + ".")},
            }
        )
    source = (meta.get("form") or {}).get("source") or ("camunda" if meta.get("form_fields") else "")
    source = source or ("none" if meta["kind"] == "start" else "default")
    return {
        "key": definition.key,
        "definition": definition,
        "element_id": element_id,
        "element_name": meta.get("name") or element_id,
        "kind": meta["kind"],
        "source": source,
        "source_label": selectors.FORM_SOURCES.get(source, ""),
        "title": title,
        "rows": numbered,
        "types": FIELD_TYPES,
        "preview": preview,
        "errors": errors.get("__all__", []),
    }


@designer_required
@require_http_methods(["GET", "POST"])
def form_edit(request, key: str, version: int, element_id: str):
    definition, meta = _element(key, version, element_id)
    if request.method == "GET":
        form = meta.get("form") or {}
        if not form.get("schema") and meta.get("form_fields"):
            from engine.forms import schema_from_camunda_fields

            form = {"schema": schema_from_camunda_fields(meta["form_fields"])}
        if form.get("source") in ("approval", "default"):
            form = {"schema": form.get("schema") or {}}
        title, rows = rows_from_schema(form)
        title = title or str(meta.get("name") or "")
    else:
        title = request.POST.get("title", "").strip()[:200]
        rows = _rows_from_post(request.POST)
        if request.POST.get("action") != "add":
            rows = [r for r in rows if r["name"] or r["label"]]
    if request.POST.get("action") == "save":
        try:
            result = processes.task_form_save(
                actor=request.user, key=key, version=version, element_id=element_id, title=title, rows=rows
            )
        except DomainError as error:
            errors = {k: [str(m) for m in v] for k, v in (error.fields or {}).items()} or {
                "__all__": [str(error.message)]
            }
            context = _context(request, definition, meta, element_id, title, rows, errors)
            return render(request, "tasklist/designer/form_edit.html", context, status=400)
        saved = result.definition
        if result.created:
            messages.success(
                request,
                _("Saved the form as draft version %(version)s: test-run it, then activate it.")
                % {"version": saved.version},
            )
        else:
            messages.info(
                request, _("Nothing changed: this is version %(version)s.") % {"version": saved.version}
            )
        return redirect(reverse("designer:process", args=[key]) + f"?version={saved.version}#forms-heading")
    rows = rows + [
        {"name": "", "label": "", "type": "text", "required": False, "help": "", "options": ""}
        for _i in range(BLANK_ROWS)
    ]
    context = _context(request, definition, meta, element_id, title, rows)
    return render(request, "tasklist/designer/form_edit.html", context)


@designer_required
@require_POST
def form_preview(request, key: str, version: int, element_id: str):
    """The live preview (htmx): the rows being edited, drawn as the task page would."""
    definition, meta = _element(key, version, element_id)
    context = _context(
        request,
        definition,
        meta,
        element_id,
        request.POST.get("title", "")[:200],
        _rows_from_post(request.POST),
    )
    return render(request, "tasklist/designer/_form_preview.html", context)
