"""The pipeline board (opportunities by stage), moving a deal through its stage task, closing
with a reason and the reasons report; converting a lead; the public lead form."""

from __future__ import annotations

import datetime

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from audit.services import client_ip
from core.errors import DomainError
from crm.models import Customer, Opportunity, SalesProcess
from crm.sales.selectors import (
    BoardFilters,
    close_reasons,
    default_process,
    next_stage,
    pipeline_board,
    process_stages,
    recent_close_notes,
    stage_task,
    task_is_for,
)
from crm.sales.services import (
    LEAD_COLUMNS,
    WEB_FORM_PER_HOUR,
    lead_capture,
    lead_convert,
    lead_disqualify,
    lead_import,
    opportunity_close,
)
from crm.services.customers import DuplicateFound
from org.models import Department

from ..objects import allowed, get_or_404
from .common import permission
from .sales import LEADS, OPPORTUNITIES, people


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


# --- the board ----------------------------------------------------------------------------------


@permission("crm.view_opportunity")
@require_GET
def opportunity_board(request):
    get = request.GET
    owner = get.get("owner", "")
    filters = BoardFilters(
        owner_id=request.user.pk if owner == "me" else (int(owner) if owner.isdigit() else None),
        department_id=int(get["team"]) if get.get("team", "").isdigit() else None,
        close_from=_date(get.get("close_from", "")),
        close_to=_date(get.get("close_to", "")),
    )
    processes = list(SalesProcess.objects.filter(active=True))
    chosen = get.get("process", "")
    process = next((p for p in processes if str(p.pk) == chosen), None) or default_process()
    columns = pipeline_board(user=request.user, filters=filters, process=process)
    context = {
        "columns": columns,
        "processes": processes if len(processes) > 1 else [],
        "process": process,
        "get": get,
        "owners": people(request.user),
        "teams": list(Department.objects.order_by("name").values_list("pk", "name")[:200]),
        "total": sum((c.total for c in columns), 0),
        "count": sum(c.count for c in columns),
        "can_add": allowed(request.user, OPPORTUNITIES, "add"),
    }
    return render(request, "tasklist/crm/opportunity_board.html", context)


@permission("crm.view_opportunity")
@require_GET
def opportunity_move(request, pk: int):
    """A card dropped on another column: the move goes through the stage task's form, never
    around it. Says why when the user holds no such task or the move skips a stage."""
    opportunity = get_or_404(request.user, OPPORTUNITIES, pk, "view")
    board = reverse("crm:opportunity_board")
    target = request.GET.get("to", "")
    labels = {s.key: s.label for s in process_stages(opportunity.stage.process)}
    if not opportunity.stage.process.is_default:
        board = board + "?" + urlencode({"process": opportunity.stage.process_id})
    if opportunity.status != Opportunity.Status.OPEN:
        messages.error(request, _("This deal is closed; it stays where it is."))
        return redirect(board)
    if target == opportunity.stage_id:
        return redirect(board)
    following = next_stage(opportunity.stage_id)
    if target not in labels or target != following:
        messages.error(
            request,
            _("“%(deal)s” moves one stage at a time: next comes “%(next)s”.")
            % {"deal": opportunity.name, "next": labels.get(following or "", "—")},
        )
        return redirect(board)
    task = stage_task(opportunity=opportunity)
    if task is None:
        messages.error(
            request,
            _("No stage task is open for “%(deal)s”: its stage process is not running, so it cannot move on.")
            % {"deal": opportunity.name},
        )
        return redirect(board)
    if not task_is_for(request.user, task):
        holder = str(task.assignee) if task.assignee else _("a group queue")
        messages.error(
            request,
            _("The stage task of “%(deal)s” is with %(holder)s; only they can move it on.")
            % {"deal": opportunity.name, "holder": holder},
        )
        return redirect(board)
    query = urlencode({"outcome": "advance", "next": board})
    return redirect(reverse("tasklist:task", args=[task.pk]) + "?" + query)


@permission("crm.change_opportunity")
@require_POST
def opportunity_close_view(request, pk: int):
    opportunity = get_or_404(request.user, OPPORTUNITIES, pk, "change")
    try:
        opportunity_close(
            actor=request.user,
            opportunity=opportunity,
            won=request.POST.get("outcome") == "won",
            reason=request.POST.get("reason", "")[:2000],
            category=request.POST.get("category", ""),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The deal is closed."))
    return redirect("crm:opportunity_detail", pk=opportunity.pk)


@permission("crm.view_opportunity")
@require_GET
def opportunity_reasons(request):
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    rows = close_reasons(user=request.user, since=since, until=until)
    labels = dict(Opportunity.CloseReason.choices)
    statuses = dict(Opportunity.Status.choices)
    context = {
        "rows": [
            {
                "status": statuses.get(r.status, r.status),
                "won": r.status == Opportunity.Status.WON,
                "reason": labels.get(r.reason, _("Not given")),
                "count": r.count,
                "amount": r.amount,
            }
            for r in rows
        ],
        "notes": recent_close_notes(user=request.user),
        "get": request.GET,
    }
    return render(request, "tasklist/crm/opportunity_reasons.html", context)


# --- leads -----------------------------------------------------------------------------------------


@permission("crm.change_lead")
@require_POST
def lead_convert_view(request, pk: int):
    """Lead → customer + contact + opportunity in one step (crm's service, atomic). A likely
    duplicate customer stops it and is shown; the user attaches the lead to it or creates anyway."""
    lead = get_or_404(request.user, LEADS, pk, "change")
    post = request.POST
    customer = None
    if post.get("customer", "").isdigit():
        customer = (
            Customer.objects.visible_to(request.user, "change").filter(pk=int(post["customer"])).first()
        )
        if customer is None:
            messages.error(request, _("Choose a customer you may change."))
            return redirect("crm:lead_detail", pk=lead.pk)
    try:
        customer, _contact, opportunity = lead_convert(
            actor=request.user,
            lead=lead,
            customer=customer,
            opportunity_name=post.get("opportunity_name", "")[:200],
            amount=post.get("amount") or 0,
            expected_close=post.get("expected_close") or None,
            allow_duplicate=post.get("allow_duplicate") == "on",
        )
    except DuplicateFound:
        messages.error(
            request,
            _("A customer like this one exists: attach the lead to it, or tick “create anyway”."),
        )
        return redirect(reverse("crm:lead_detail", args=[lead.pk]) + "?duplicates=1#convert")
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("crm:lead_detail", pk=lead.pk)
    messages.success(
        request,
        _("Converted: customer %(customer)s with the opportunity “%(deal)s”.")
        % {"customer": customer.name, "deal": opportunity.name},
    )
    return redirect("crm:customer_detail", pk=customer.pk)


@permission("crm.change_lead")
@require_POST
def lead_disqualify_view(request, pk: int):
    lead = get_or_404(request.user, LEADS, pk, "change")
    try:
        lead_disqualify(actor=request.user, lead=lead, reason=request.POST.get("reason", "")[:2000])
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The lead was disqualified."))
    return redirect("crm:lead_detail", pk=lead.pk)


@permission("crm.add_lead")
@require_GET
def lead_form_help(request):
    """How to put the public lead form on the company's site."""
    url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("crm:lead_web_form")
    return render(request, "tasklist/crm/lead_form_help.html", {"form_url": url})


def _web_form(request, *, values=None, errors=None, status=200, done=False):
    context = {"values": values or {}, "errors": errors or {}, "done": done}
    return render(request, "tasklist/crm/lead_web_form.html", context, status=status)


def _over_limit(request) -> bool:
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"lead-web-form:{client_ip(request)}:{hour}"
    if cache.add(key, 1, 3600):
        return False
    try:
        return cache.incr(key) > WEB_FORM_PER_HOUR
    except ValueError:
        return False


def lead_web_form(request):
    """The public, embeddable lead form: no sign-in; a honeypot field and a per-address limit keep
    robots out. Its answers never echo what the visitor typed into another page."""
    if request.method != "POST":
        return _web_form(request)
    post = request.POST
    values = {
        k: post.get(k, "")[:2000] for k in ("company_name", "contact_name", "phone", "email", "message")
    }
    if post.get("website"):  # the honeypot: people do not see it, robots fill it
        return _web_form(request, done=True)
    if _over_limit(request):
        return HttpResponse(_("Too many requests from your address; try again later."), status=429)
    try:
        lead_capture(client_address=client_ip(request) or "", **values)
    except DomainError as error:
        errors = {k: [str(m) for m in v] for k, v in error.fields.items()}
        return _web_form(request, values=values, errors=errors, status=400)
    return _web_form(request, done=True)


# Embeddable: any site may frame it; the form posts without a session (a third-party frame gets
# no cookie), so it carries no CSRF token and changes nothing but a new lead.
lead_web_form = csp_replace({"frame-ancestors": ["*"]})(xframe_options_exempt(csrf_exempt(lead_web_form)))


@permission("crm.add_lead")
def lead_import_view(request):
    """Upload a sheet of leads; the good rows become leads, the bad ones are listed by row."""
    context: dict = {"columns": LEAD_COLUMNS}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["file_errors"] = [_("Choose a file.")]
            status = 400
        else:
            try:
                result = lead_import(actor=request.user, data=upload.read(), filename=upload.name[:200])
            except DomainError as error:
                context["file_errors"] = [str(m) for ms in error.fields.values() for m in ms] or [
                    str(error.message)
                ]
                status = 400
            else:
                context["result"] = result
                if result.created:
                    messages.success(request, _("%(n)d leads imported.") % {"n": len(result.created)})
    return render(request, "tasklist/crm/lead_import.html", context, status=status)
