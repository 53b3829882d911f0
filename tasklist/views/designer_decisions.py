"""Decision tables in the designer (/designer/processes/<key>/versions/<n>/decisions/): the
version's DMN tables in the dmn-js editor, each with a test table — sample inputs and expected
outputs, run on demand through the engine's DMN evaluation (pass/fail per row) and saved with
the decision; saving makes a new draft version."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from processes import selectors as process_selectors
from processes import services as processes
from processes.services import DefinitionRejected

from .. import designer_selectors as selectors
from .designer import designer_required

MAX_XML_BYTES = 2_000_000
BLANK_ROWS = 2
MAX_ROWS = 200


def _tests_from_post(post, table) -> list[dict]:
    count = int(post.get("rows", "0")) if post.get("rows", "").isdigit() else 0
    rows = []
    for i in range(min(count, MAX_ROWS)):
        rows.append(
            {
                "inputs": [post.get(f"t{i}-in{n}", "") for n in range(len(table.inputs))],
                "expected": {o["name"]: post.get(f"t{i}-out-{o['name']}", "") for o in table.outputs},
            }
        )
    return rows


@designer_required
@require_http_methods(["GET", "POST"])
def decisions(request, key: str, version: int):
    definition = selectors.version_of(key, version)
    if definition is None:
        raise Http404(_("No such version."))
    if request.POST.get("action") == "create":
        return _create(request, definition)
    files = {n: t for n, t in (definition.files or {}).items() if not n.startswith("called/")}
    xml_text = request.POST.get("xml", "") if request.method == "POST" else ""
    if len(xml_text) > MAX_XML_BYTES:
        xml_text = ""
    tables = selectors.decision_tables(files)
    wanted = request.POST.get("decision") or request.GET.get("decision") or ""
    table = next((t for t in tables if t.decision_id == wanted), tables[0] if tables else None)
    context = {
        "key": key,
        "definition": definition,
        "tables": tables,
        "table": table,
        "results": None,
        "new_fields": _new_fields({}, {}),
    }
    if table is None:
        return render(request, "tasklist/designer/decisions.html", context)
    edited = {**files, table.file: xml_text} if xml_text else files
    if xml_text:
        # the columns as edited (a column added in the editor gets its cells at once)
        table = next(
            (
                t
                for t in selectors.decision_tables({table.file: xml_text})
                if t.decision_id == table.decision_id
            ),
            table,
        )
    tests = (
        _tests_from_post(request.POST, table)
        if request.method == "POST"
        else process_selectors.decision_tests(definition, table.file, table.decision_id)
    )
    action = request.POST.get("action", "")
    status = 200
    if action == "save":
        try:
            result = processes.decision_save(
                actor=request.user,
                key=key,
                version=version,
                dmn_file=table.file,
                xml=xml_text,
                decision_id=table.decision_id,
                tests=tests,
            )
        except DefinitionRejected as rejected:
            context["findings"] = [f.as_dict() for f in rejected.report.errors]
            status = 400
        except DomainError as error:
            messages.error(request, str(error.message))
            status = 400
        else:
            saved = result.definition
            if result.created:
                messages.success(
                    request,
                    _("Saved the decision table as draft version %(version)s: test-run it, then activate it.")
                    % {"version": saved.version},
                )
            else:
                messages.info(
                    request, _("Nothing changed: this is version %(version)s.") % {"version": saved.version}
                )
            url = reverse("designer:decisions", args=[key, saved.version])
            return redirect(f"{url}?decision={table.decision_id}")
    if action in ("run", "save"):
        context["results"] = processes.decision_tests_run(
            files=edited, decision_id=table.decision_id, tests=tests
        )
    rows = [
        r
        for r in tests
        if any(str(v).strip() for v in r["inputs"]) or any(str(v).strip() for v in r["expected"].values())
    ]
    results = context["results"] or []
    context.update(
        {
            "table": table,
            "rows": [
                {
                    "index": i,
                    "inputs": [
                        (n, (row["inputs"] + [""] * len(table.inputs))[n]) for n in range(len(table.inputs))
                    ],
                    "expected": [(o["name"], row["expected"].get(o["name"], "")) for o in table.outputs],
                    "result": results[i] if i < len(results) else None,
                }
                for i, row in enumerate(rows + [{"inputs": [], "expected": {}}] * BLANK_ROWS)
            ],
            "passed": sum(1 for r in results if r.passed),
            "dmn_xml": xml_text or files.get(table.file, ""),
        }
    )
    return render(request, "tasklist/designer/decisions.html", context, status=status)


CREATE_FIELDS = ("decision_id", "name", "input_label", "input_expression", "output_name", "output_label")


def _new_fields(values: dict, errors: dict) -> list[dict]:
    labels = {
        "decision_id": _("Decision id"),
        "name": _("Name"),
        "input_label": _("Input column"),
        "input_expression": _("It reads (an expression over the process data)"),
        "output_name": _("Output variable"),
        "output_label": _("Output column"),
    }
    return [
        {"name": n, "label": labels[n], "value": values.get(n, ""), "errors": errors.get(n, [])}
        for n in CREATE_FIELDS
    ]


def _create(request, definition):
    """A new, empty decision table in a new draft (then opened in the editor)."""
    values = {name: request.POST.get(name, "").strip()[:200] for name in CREATE_FIELDS}
    try:
        result = processes.decision_create(
            actor=request.user, key=definition.key, version=definition.version, **values
        )
    except DefinitionRejected as rejected:
        errors = {"decision_id": [f"{f.location()} {f.message}" for f in rejected.report.errors]}
    except DomainError as error:
        errors = {k: [str(m) for m in v] for k, v in (error.fields or {}).items()} or {
            "decision_id": [str(error.message)]
        }
    else:
        saved = result.definition
        messages.success(
            request,
            _("Added the decision table as draft version %(version)s: fill in its rules.")
            % {"version": saved.version},
        )
        url = reverse("designer:decisions", args=[definition.key, saved.version])
        return redirect(f"{url}?decision={values['decision_id']}")
    files = {n: t for n, t in (definition.files or {}).items() if not n.startswith("called/")}
    tables = selectors.decision_tables(files)
    context = {
        "key": definition.key,
        "definition": definition,
        "tables": tables,
        "table": None,
        "results": None,
        "new_fields": _new_fields(values, errors),
    }
    return render(request, "tasklist/designer/decisions.html", context, status=400)
