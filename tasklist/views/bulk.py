"""Bulk actions from the inbox: claim, release or approve several tasks at once.

Each task goes through the same engine service as a single action, in its own transaction, so one
task that someone else took first does not undo the others; the summary says what happened.
Approving first shows what would be approved (each task with what it is about) and asks to
confirm; a form that declares itself not bulk-approvable (`"x-bulk": false`) is named and left.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import DomainError, ValidationFailed
from engine import services

from .. import selectors
from ..forms import bulk_allowed, bulk_approvable
from .task import _next_url

MAX_BULK = 100


def _refusal(task) -> str | None:
    """Why a task cannot be approved in bulk, naming it; None when it can."""
    if not bulk_allowed(task.form_schema):
        return _("“%(task)s” (%(about)s) must be opened and decided on its own page.") % {
            "task": task.name,
            "about": task.business_object_label or task.instance.definition.name,
        }
    if not bulk_approvable(task.form_schema):
        return _("“%(task)s” needs more than a decision; open it to complete it.") % {"task": task.name}
    return None


def _approve(task, user):
    refusal = _refusal(task)
    if refusal:
        raise ValidationFailed(refusal)
    services.complete_task(task.pk, user=user, data={"decision": "approve"})


def _confirm_approval(request, ids: list[int], back: str):
    """The page that lists what would be approved, and what would not (and why)."""
    tasks, refused, unseen = [], [], 0
    for task_id in ids:
        task = selectors.task_for_user(request.user, task_id)
        if task is None:
            unseen += 1
        elif _refusal(task):
            refused.append((task, _refusal(task)))
        else:
            tasks.append(task)
    context = {"tasks": tasks, "refused": refused, "unseen": unseen, "next": back}
    return render(request, "tasklist/bulk_confirm.html", context)


ACTIONS = {
    "claim": lambda task, user: services.claim(task.pk, user=user),
    "unclaim": lambda task, user: services.unclaim(task.pk, user=user),
    "approve": _approve,
}


@login_required
@require_POST
def bulk_action(request):
    name = request.POST.get("action", "")
    action = ACTIONS.get(name)
    back = _next_url(request, reverse("tasklist:inbox"))
    if name == "delegate":
        typed = (request.POST.get("to_user") or "").strip()
        to_user = selectors.colleague_named(typed)
        if to_user is None:
            messages.error(request, _("There is no active user called “%(name)s”.") % {"name": typed})
            return redirect(back)

        def action(task, user):
            services.delegate(task.pk, user=user, to_user=to_user)

    ids = []
    for value in request.POST.getlist("task")[:MAX_BULK]:
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    if action is None or not ids:
        messages.error(request, _("Select at least one task and an action."))
        return redirect(back)
    if name == "approve" and request.POST.get("confirmed") != "yes":
        return _confirm_approval(request, ids, back)
    done, problems, unseen = 0, [], 0
    for task_id in ids:
        task = selectors.task_for_user(request.user, task_id)
        if task is None:
            unseen += 1  # (said by count: a task's number means nothing to a person)
            continue
        try:
            action(task, request.user)
            done += 1
        except DomainError as error:
            problems.append(str(error.message))
    if done:
        messages.success(request, ngettext("%(n)d task done.", "%(n)d tasks done.", done) % {"n": done})
    if unseen:
        problems.append(
            ngettext(
                "%(n)s selected task is not yours to see.",
                "%(n)s selected tasks are not yours to see.",
                unseen,
            )
            % {"n": unseen}
        )
    for problem in problems:
        messages.error(request, problem)
    return redirect(back)
