"""Drafts in the designer: a test run of a version with sample data (replayed in memory by the
engine, nothing stored), showing who would get each task, its form, the gateways' choices and
the path taken; activating the draft is the process page's "Activate" button."""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.jsonforms import build_task_form, form_data_from_post
from processes import services as processes

from .. import designer_selectors as selectors
from .designer import designer_required

MAX_STATE_BYTES = 200_000


def _state(request) -> dict:
    """The sample data given so far (start data + answers), carried by the page itself."""
    text = request.POST.get("state", "")
    if not text or len(text) > MAX_STATE_BYTES:
        return {"start": {}, "answers": []}
    try:
        state = json.loads(text)
    except ValueError:
        return {"start": {}, "answers": []}
    if not isinstance(state, dict):
        return {"start": {}, "answers": []}
    start = state.get("start") if isinstance(state.get("start"), dict) else {}
    variables = state.get("variables") if isinstance(state.get("variables"), dict) else {}
    answers = (
        [a for a in state.get("answers") or [] if isinstance(a, dict)]
        if isinstance(state.get("answers"), list)
        else []
    )
    return {"start": start, "answers": answers, "variables": variables}


def _variables(text: str) -> tuple[dict, list[str]]:
    """Sample process data, one `name = value` per line (value read as JSON, else as text)."""
    from engine.services import decision_literal

    variables, problems = {}, []
    for number, line in enumerate((text or "").splitlines()[:100], start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or name.startswith("_"):
            problems.append(_("Line %(n)s: write name = value.") % {"n": number})
            continue
        variables[name] = decision_literal(value[:1000])
    return variables, problems


def _errors(error: DomainError) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in (error.fields or {}).items()} or {
        "__all__": [str(error.message)]
    }


@designer_required
@require_http_methods(["GET", "POST"])
def test_run(request, key: str, version: int):
    definition = selectors.version_of(key, version)
    if definition is None:
        raise Http404(_("No such version."))
    start_schema = selectors.start_schema(definition)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    state = _state(request) if action else {"start": {}, "answers": []}
    values, errors, started = {}, {}, bool(action) and action != "restart"
    sample_text = request.POST.get("variables", "") if action == "start" else ""
    if action == "start":
        values = form_data_from_post(start_schema, request.POST) if start_schema else {}
        variables, problems = _variables(sample_text)
        state = {"start": values, "answers": [], "variables": variables}
        if problems:
            errors, started = {"variables": problems}, False
    run = None
    if started:
        try:
            run = processes.draft_test_run(
                actor=request.user,
                key=key,
                version=version,
                start_data=state["start"],
                answers=state["answers"],
                variables=state.get("variables"),
            )
        except DomainError as error:
            errors, started = _errors(error), False
    if run is not None and action == "complete" and run.task is not None:
        values = form_data_from_post(run.task.form, request.POST)
        answers = [*state["answers"], {"task": run.task.element_id, "data": values}]
        try:
            run = processes.draft_test_run(
                actor=request.user,
                key=key,
                version=version,
                start_data=state["start"],
                answers=answers,
                variables=state.get("variables"),
            )
        except DomainError as error:
            errors = _errors(error)
        else:
            state["answers"], values = answers, {}
    elif run is not None and action == "fire" and request.POST.get("timer"):
        answers = [*state["answers"], {"timer": request.POST["timer"]}]
        run = processes.draft_test_run(
            actor=request.user,
            key=key,
            version=version,
            start_data=state["start"],
            answers=answers,
            variables=state.get("variables"),
        )
        state["answers"] = answers
    context = {
        "key": key,
        "definition": definition,
        "diagram_xml": selectors.main_bpmn(definition),
        "state": json.dumps(state, ensure_ascii=False, default=str),
        "run": selectors.test_run_view(run) if run is not None else None,
        "start_form": build_task_form(start_schema, values=values, errors=errors)
        if start_schema and not started
        else None,
        "task_form": build_task_form(run.task.form, values=values, errors=errors)
        if run is not None and run.task is not None
        else None,
        "errors": errors.get("__all__", []),
        "variable_errors": errors.get("variables", []),
        "sample_text": sample_text,
    }
    context["marks"] = context["run"]["marks"] if context["run"] else {}
    return render(request, "tasklist/designer/test_run.html", context, status=400 if errors else 200)
