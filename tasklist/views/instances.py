"""A process instance seen by the people involved: the diagram with done / current / failed
elements, the open steps and who holds them, the history; cancel and retry. Also "My requests"."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from engine import services, summaries
from engine.selectors import ProcessInstance
from processes.selectors import startable_processes

from .. import selectors
from ..history import decisions, history_lines
from ..summaries import set_about_lines, set_offered_to


def _instance_or_404(request, instance_id: int) -> ProcessInstance:
    instance = selectors.instance_for_user(request.user, instance_id)
    if instance is None:
        raise Http404(_("No such process instance, or it is not yours to see."))
    return instance


def _is_process_admin(user) -> bool:
    return services.is_process_admin(user)


def _pretty(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str)


@login_required
@require_GET
def instance_detail(request, instance_id: int):
    instance = _instance_or_404(request, instance_id)
    open_tasks = selectors.instance_open_tasks(instance)
    incidents = selectors.instance_open_incidents(instance)
    xml, marks = selectors.instance_diagram(instance, open_tasks, incidents)
    admin = _is_process_admin(request.user)
    history = history_lines(selectors.instance_history(instance))
    set_offered_to(open_tasks)
    from .instance_ops import reassign_choices

    context = {
        "instance": instance,
        "open_tasks": open_tasks,
        "incidents": incidents,
        "diagram_xml": xml,
        "diagram_marks": marks,
        "history": history,
        "decisions": decisions(history),
        "about": summaries.task_lines(request.user, [instance]).get(instance.pk, ""),
        "show_data": admin,
        "variables_json": _pretty(services.instance_variables(instance, user=request.user)) if admin else "",
        "can_cancel": instance.is_running and (admin or instance.started_by_id == request.user.pk),
        "can_retry": admin,
        "can_operate": admin and instance.is_running,
        "people": reassign_choices() if admin and instance.is_running and open_tasks else [],
    }
    return render(request, "tasklist/instance.html", context)


@login_required
@require_POST
def instance_cancel(request, instance_id: int):
    from ..services import request_withdraw

    instance = _instance_or_404(request, instance_id)
    reason = request.POST.get("reason", "")[:500]
    try:
        if instance.started_by_id == request.user.pk:  # the requester: what the request held is released
            request_withdraw(actor=request.user, instance=instance, reason=reason)
        else:
            services.cancel_instance(instance.pk, user=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The process was cancelled."))
    return redirect(reverse("tasklist:instance", args=[instance.pk]))


@login_required
@require_POST
def incident_retry(request, instance_id: int, incident_id: int):
    instance = _instance_or_404(request, instance_id)
    if not _is_process_admin(request.user):
        messages.error(request, _("Only process administrators may retry incidents."))
    elif incident_id not in {i.pk for i in selectors.instance_open_incidents(instance)}:
        messages.error(request, _("This incident is not open on this process."))
    else:
        try:
            incident = services.retry_incident(incident_id, user=request.user)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            if incident.status == incident.Status.OPEN:
                messages.warning(
                    request, _("Retried, but it failed again: %(message)s") % {"message": incident.message}
                )
            else:
                messages.success(request, _("The incident is resolved; the process goes on."))
    return redirect(reverse("tasklist:instance", args=[instance.pk]))


@login_required
@require_GET
def my_requests(request):
    """The processes I started: running ones with their current step and who holds it."""
    finished = request.GET.get("show") == "finished"
    try:
        page = max(1, min(int(request.GET.get("page", 1)), 10_000))
    except ValueError:
        page = 1
    rows, has_next = selectors.my_requests(request.user, running=not finished, page=page)
    kinds = selectors.request_kinds_for(request.user)
    offered = {kind.key for kind in kinds}
    set_about_lines(request.user, [row.instance for row in rows])
    context = {
        "kinds": kinds,
        "startable": startable_processes(request.user),
        "offered": offered,
        "rows": rows,
        "finished": finished,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
    }
    return render(request, "tasklist/requests.html", context)


@login_required
@require_POST
def request_withdraw(request, instance_id: int):
    """The requester withdraws a running request of theirs (with an optional reason)."""
    from ..services import request_withdraw as withdraw

    instance = _instance_or_404(request, instance_id)
    try:
        withdraw(actor=request.user, instance=instance, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect(reverse("tasklist:requests"))


# -- starting a request ------------------------------------------------------------------------------


@login_required
def request_new(request, kind: str):
    """The form of one kind of request; on success the process its binding started is shown."""
    from .. import applications

    offered = {k.key: k for k in selectors.request_kinds_for(request.user)}
    if kind not in offered:
        raise Http404(_("You cannot start this kind of request."))
    request_kind = offered[kind]
    initial, resubmitting = {}, False
    if request.method == "GET" and request.GET.get("from", "").isdigit():
        previous = selectors.resubmit_values(request.user, int(request.GET["from"]))
        if previous is not None and previous[0] == kind:
            initial, resubmitting = previous[1], True
    elif request.method == "GET" and request.GET.get("employee", "").isdigit():
        initial = {"employee": int(request.GET["employee"])}  # started from an employee file
    form = request_kind.form(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            before = selectors.last_instance_id()
            try:
                business_object = applications.request_start(kind=request_kind, user=request.user, form=form)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                if business_object is not None:
                    instance = selectors.instance_started_since(request.user, before)
                    messages.success(request, _("Your request has been sent."))
                    if instance is not None:
                        return redirect(reverse("tasklist:instance", args=[instance.pk]))
                    return redirect(reverse("tasklist:requests"))
    form.annotate_errors()
    context = {
        "kind": request_kind,
        "form": form,
        "resubmitting": resubmitting,
        "customer_hints": selectors.customer_hints(request.user) if "customer" in form.fields else [],
        "product_hints": selectors.product_hints() if "product" in form.fields else [],
    }
    return render(request, "tasklist/request_new.html", context, status=status)
