"""Starting a process by hand (/requests/start/<key>/): the processes a designer offered in the
"Start a request" menu or on a record's page, each with its start form."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.jsonforms import build_task_form, form_data_from_post
from processes import selectors as processes
from processes.services import process_start_by_hand


def _record(request, rule):
    """The record the process is started from (?record=<pk>), of the kind its manual start names."""
    if not rule.record_type:
        return None
    pk = request.GET.get("record") or request.POST.get("record") or ""
    if not pk.isdigit():
        raise Http404(_("Open the record first and start the process from there."))
    model = apps.get_model(rule.record_type)
    record = model.objects.visible_to(request.user, "view").filter(pk=int(pk)).first()
    if record is None:
        raise Http404(_("Not found, or not yours to see."))
    return record


@login_required
def process_start(request, key: str):
    rule = processes.manual_start(key)
    if rule is None or not processes.rule_admits(request.user, rule):
        raise Http404(_("You cannot start this process."))
    record = _record(request, rule)
    schema = processes.start_form_of(key)
    values, errors = {}, {}
    if request.method == "POST":
        values = form_data_from_post(schema, request.POST)
        try:
            instance = process_start_by_hand(actor=request.user, key=key, form_data=values, record=record)
        except DomainError as error:
            errors = {k: [str(m) for m in v] for k, v in error.fields.items()} or {
                "__all__": [str(error.message)]
            }
        else:
            messages.success(request, _("Started: %(name)s.") % {"name": processes.process_name(key)})
            return redirect(reverse("tasklist:instance", args=[instance.pk]))
    context = {
        "key": key,
        "name": processes.process_name(key),
        "record": record,
        "form": build_task_form(schema, values=values, errors=errors) if schema else None,
        "errors": errors.get("__all__", []),
    }
    return render(request, "tasklist/process_start.html", context, status=400 if errors else 200)
