"""The task page: the form from the task's JSON Schema, its history and comments, and the actions
(claim, release, delegate, comment, complete / approve / reject). Every write is an engine service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, ValidationFailed
from core.pickers import PickerContext, picker_kind, picker_source
from engine import services
from engine.errors import TaskAlreadyCompleted, TaskNotActive
from engine.selectors import HumanTask, InstanceEvent
from org.models import User

from .. import selectors
from ..forms import build_task_form, form_data_from_post
from ..history import decisions, history_lines
from ..summaries import about_line, business_object_summary, set_offered_to


def _task_or_404(request, task_id: int) -> HumanTask:
    task = selectors.task_for_user(request.user, task_id)
    if task is None:
        raise Http404(_("No such task, or it is not yours to see."))
    return task


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _abilities(user, task: HumanTask) -> dict[str, bool]:
    offered = selectors.task_is_offered_to(user, task) if task.is_open else False
    admin = services.is_task_admin(user)
    mine = task.assignee_id == user.pk
    unassigned = task.assignee_id is None
    can_work = task.is_open and (mine or (unassigned and offered) or admin)
    return {
        "can_work": can_work,
        "can_claim": task.is_open and unassigned and (offered or admin),
        "can_unclaim": task.is_open and mine and bool(task.candidate_users or task.candidate_groups),
        "can_delegate": can_work,
        "can_comment": True,
    }


# Records a customer follows in the portal: comments on their tasks may be shown to the customer.
_CUSTOMER_FACING = {("crm", "complaint"), ("crm", "servicerequest"), ("crm", "order")}


def _customer_facing(task: HumanTask) -> bool:
    content_type = task.business_object_type
    return content_type is not None and (content_type.app_label, content_type.model) in _CUSTOMER_FACING


def _pickers(request, task: HumanTask) -> PickerContext:
    """Who picks in this task's form: the viewer, the process data, the business object."""
    content_type = task.business_object_type
    return PickerContext(
        viewer=request.user,
        variables=task.instance.variables or {},
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=str(task.business_object_id or ""),
    )


def _task_form(request, task: HumanTask, **kwargs):
    return build_task_form(
        task.form_schema,
        known=task.instance.variables,
        pickers=_pickers(request, task),
        search_url=reverse("tasklist:task_picker", args=[task.pk]),
        **kwargs,
    )


def _log_activity_url(user, task: HumanTask) -> str:
    """ "Log an activity" about the task's customer or opportunity (a call made for this step)."""
    if not task.business_object_type_id or not user.has_perm("crm.add_activity"):
        return ""
    from django.contrib.contenttypes.models import ContentType

    model = ContentType.objects.get_for_id(task.business_object_type_id).model
    key = {"customer": "customer", "opportunity": "opportunity"}.get(model)
    if key is None or not task.business_object_id.isdigit():
        return ""
    query = urlencode({key: task.business_object_id, "next": reverse("tasklist:task", args=[task.pk])})
    return f"{reverse('crm:activity_new')}?{query}"


def _handover_schema() -> dict:
    """The hand-over's one field: a colleague picked by name (the user picker), never typed by
    login name."""
    return {
        "type": "object",
        "properties": {"to_user": {"type": "string", "title": _("Colleague"), "x-widget": "user"}},
    }


def _handover_field(request, task: HumanTask):
    form = build_task_form(
        _handover_schema(),
        pickers=_pickers(request, task),
        search_url=reverse("tasklist:task_picker", args=[task.pk]) + "?form=handover",
    )
    handover = form.fields[0]
    handover.id_prefix = "handover-"  # beside the task's own form on the page
    return handover


def _render_task(request, task: HumanTask, *, form=None, problem: str = "", status: int = 200, comment=""):
    abilities = _abilities(request.user, task)
    history = history_lines(selectors.task_history(task))
    comments = [e for e in history if e.kind == InstanceEvent.Kind.COMMENT]
    set_offered_to([task])
    if form is None:
        form = _task_form(request, task)
    context = {
        "task": task,
        "instance": task.instance,
        "form": form,
        "problem": problem,
        "history": history,
        "decisions": decisions(history),
        "about": about_line(request.user, task),
        "comments": comments,
        "comment_text": comment,
        "customer_facing": _customer_facing(task),
        "now": timezone.now(),
        "attachments": selectors.instance_attachments(task.instance),
        "handover": _handover_field(request, task) if abilities["can_delegate"] else None,
        "next_url": _next_url(request, ""),
        "log_activity_url": _log_activity_url(request.user, task),
        "summary": business_object_summary(
            request.user, type_id=task.business_object_type_id, object_id=task.business_object_id
        ),
        **abilities,
    }
    return render(request, "tasklist/task.html", context, status=status)


@login_required
@require_GET
def task_detail(request, task_id: int):
    """The task page; GET values named like fields of its form preset them (the pipeline board
    opens a stage task with "move on" chosen), and `next` is where completing it returns."""
    task = _task_or_404(request, task_id)
    properties = (task.form_schema or {}).get("properties") or {}
    preset = {k: request.GET[k][:200] for k in properties if k in request.GET}
    form = build_task_form(task.form_schema, values=preset, known=task.instance.variables) if preset else None
    return _render_task(request, task, form=form)


@login_required
@require_POST
def task_complete(request, task_id: int):
    task = _task_or_404(request, task_id)
    data = form_data_from_post(task.form_schema, request.POST)
    decision = request.POST.get("decision")
    if decision:
        data["decision"] = decision
    try:
        services.complete_task(task.pk, user=request.user, data=data)
    except (TaskAlreadyCompleted, TaskNotActive) as error:
        task = _task_or_404(request, task_id)
        return _render_task(request, task, problem=str(error.message), status=409)
    except ValidationFailed as error:
        form = _task_form(request, task, values=data, errors=error.fields)
        return _render_task(request, task, form=form, problem=str(error.message), status=400)
    except DomainError as error:  # e.g. the vehicle was booked meanwhile: the task stays open
        form = _task_form(request, task, values=data, errors=getattr(error, "fields", None))
        return _render_task(request, task, form=form, problem=str(error.message), status=error.http_status)
    if decision == "approve":
        messages.success(request, _("Approved: “%(task)s”.") % {"task": task.name})
    elif decision == "reject":
        messages.success(request, _("Rejected: “%(task)s”.") % {"task": task.name})
    else:
        messages.success(request, _("Done: “%(task)s”.") % {"task": task.name})
    return redirect(_next_url(request, reverse("tasklist:inbox")))


@login_required
@require_GET
def task_picker(request, task_id: int):
    """Search-as-you-type for a picker field of the task's form ("technician", or "parts.product"
    for a line table's column): the options the viewer may pick, as JSON; only for whoever may
    work the task (a colleague following it has nothing to pick)."""
    task = _task_or_404(request, task_id)
    if not _abilities(request.user, task)["can_work"]:
        raise Http404(_("No such task, or it is not yours to see."))
    path = (request.GET.get("field") or "").split(".")
    schema = _handover_schema() if request.GET.get("form") == "handover" else task.form_schema
    properties = (schema or {}).get("properties") or {}
    prop = properties.get(path[0]) if path and path[0] else None
    if isinstance(prop, dict) and len(path) == 2 and prop.get("type") == "array":
        prop = ((prop.get("items") or {}).get("properties") or {}).get(path[1])
    elif len(path) != 1:
        prop = None
    source = picker_source(picker_kind(prop)) if isinstance(prop, dict) else None
    if source is None:
        raise Http404(_("This form has no such field to pick from."))
    query = (request.GET.get("q") or "").strip()[:100]
    options = source.options(_pickers(request, task).for_field(prop), query=query)
    return JsonResponse(
        {"results": [{"value": o.value, "label": o.label, "detail": o.detail} for o in options]}
    )


def _act(request, task_id: int, action, success: str):
    task = _task_or_404(request, task_id)
    default = reverse("tasklist:task", args=[task.pk])
    try:
        action(task)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, success % {"task": task.name})
    return redirect(_next_url(request, default))


@login_required
@require_POST
def task_claim(request, task_id: int):
    return _act(
        request,
        task_id,
        lambda task: services.claim(task.pk, user=request.user),
        _("“%(task)s” is now in your tasks."),
    )


@login_required
@require_POST
def task_unclaim(request, task_id: int):
    return _act(
        request,
        task_id,
        lambda task: services.unclaim(task.pk, user=request.user),
        _("“%(task)s” went back to the group queue."),
    )


@login_required
@require_POST
def task_delegate(request, task_id: int):
    username = (request.POST.get("to_user") or "").strip()
    to_user = User.objects.filter(username=username, is_active=True).first()

    def delegate(task):
        if to_user is None:
            raise ValidationFailed(_("There is no active user called “%(name)s”.") % {"name": username})
        services.delegate(task.pk, user=request.user, to_user=to_user)

    return _act(request, task_id, delegate, _("“%(task)s” was handed over."))


@login_required
@require_POST
def task_comment(request, task_id: int):
    task = _task_or_404(request, task_id)
    text = request.POST.get("text", "")
    problem = ""
    try:
        public = request.POST.get("public") == "on"
        services.add_comment(task.pk, user=request.user, text=text, public=public)
        text = ""
    except DomainError as error:
        problem = str(error.message)
    if request.htmx:
        comments = [e for e in selectors.task_history(task) if e.kind == InstanceEvent.Kind.COMMENT]
        return render(
            request,
            "tasklist/_comments.html",
            {
                "task": task,
                "comments": comments,
                "comment_text": text,
                "comment_problem": problem,
                "customer_facing": _customer_facing(task),
            },
            status=200,
        )
    if problem:
        messages.error(request, problem)
    return redirect(reverse("tasklist:task", args=[task.pk]) + "#comments")
