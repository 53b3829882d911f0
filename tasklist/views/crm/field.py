"""Field service screens: the dispatch board (technicians x days; drop a waiting request on a cell
to assign it through its dispatch task), the technician's day on a phone (map, call, accept, the
work record with parts, photos and the customer's signature), and product issues (the generic
list for product development, reported from a complaint or a job)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from crm.field.selectors import (
    dispatch_board as board_of,
)
from crm.field.selectors import (
    job_photos,
    open_task,
    task_is_for,
    technician_day,
    technicians,
)
from crm.field.services import (
    dispatch_assign,
    job_accept,
    product_issue_report,
    technician_profile_set,
    work_record_submit,
)
from crm.models import Complaint, FieldPhoto, Product, ProductIssue, ServiceRequest, StockLevel
from crm.summaries import map_link

from ..objects import Column, Filter, FormField, ObjectType, allowed, located
from .common import permission
from .sales import model_choices

# --- helpers ------------------------------------------------------------------------------------


def _day(value: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value[:10]) if value else default
    except ValueError:
        return default


def _tel(phone: str) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")


def _back(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return default


def _visible_request(user, pk: int) -> ServiceRequest:
    request = (
        ServiceRequest.objects.visible_to(user, "view")
        .select_related("customer", "contact", "product", "technician")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404(_("Not found, or not yours to see."))
    return request


def _contact_facts(request: ServiceRequest) -> dict:
    address = request.address or request.customer.address
    phone = (request.contact and (request.contact.mobile or request.contact.phone)) or request.customer.phone
    return {
        "address": address,
        "map_url": map_link(address),
        "contact_name": request.contact.name if request.contact else "",
        "phone": phone,
        "tel": _tel(phone),
    }


# --- the dispatch board (派工看板) ------------------------------------------------------------------


def _board_page(request, day: datetime.date, *, failed=None, error=None, status: int = 200):
    today = timezone.localdate()
    board = board_of(user=request.user, day=day)
    if failed is not None and error is not None:
        for waiting in board.waiting:
            if waiting.request.pk == failed:
                errors = located(error)
                waiting.errors = errors
                waiting.posted = {k: request.POST.get(k, "") for k in ("technician", "day", "time")}
                shown = {"technician", "day", "time"}
                waiting.problems = [m for k, ms in errors.items() if k not in shown for m in ms]
    context = {
        "board": board,
        "previous_week": (board.days[0] - datetime.timedelta(days=7)).isoformat(),
        "next_week": (board.days[0] + datetime.timedelta(days=7)).isoformat(),
        "this_week": today.isoformat(),
        "technician_choices": [(t.get_username(), t.get_full_name() or str(t)) for t in technicians()],
        "problem": str(error.message) if error is not None else "",
    }
    return render(request, "tasklist/crm/dispatch_board.html", context, status=status)


@permission("crm.change_technicianprofile")
@require_GET
def dispatch_board(request):
    return _board_page(request, _day(request.GET.get("week", ""), timezone.localdate()))


@permission("crm.change_technicianprofile")
@require_POST
def dispatch_assign_view(request, pk: int):
    """A request dropped on a technician's day (or the form of its card): assigned through its
    dispatch task; an error is shown on the card's fields, nothing changes."""
    service_request = _visible_request(request.user, pk)
    post = request.POST
    day = _day(post.get("day", ""), timezone.localdate())
    try:
        dispatch_assign(
            actor=request.user,
            request=service_request,
            technician=post.get("technician", ""),
            day=post.get("day", ""),
            time=post.get("time", "") or "09:00",
            instructions=post.get("instructions", ""),
        )
    except DomainError as error:
        status = error.http_status if error.http_status != 404 else 400
        return _board_page(request, day, failed=service_request.pk, error=error, status=status)
    service_request.refresh_from_db()
    messages.success(
        request,
        _("%(request)s is assigned to %(technician)s.")
        % {"request": service_request.code, "technician": service_request.technician},
    )
    return redirect(reverse("crm:dispatch_board") + "?" + urlencode({"week": day.isoformat()}))


@permission("crm.change_technicianprofile")
@require_POST
def technician_skills(request, user_id: int):
    """The skills and area the dispatcher reads beside a technician (edited on the board)."""
    person = next((t for t in technicians() if t.pk == user_id), None)
    if person is None:
        raise Http404(_("Not found, or not yours to see."))
    try:
        technician_profile_set(
            actor=request.user,
            user=person,
            skills=request.POST.get("skills", ""),
            area=request.POST.get("area", ""),
        )
    except DomainError as error:
        messages.error(request, " ".join(m for ms in located(error).values() for m in ms))
    else:
        messages.success(request, _("Saved."))
    return redirect(_back(request, reverse("crm:dispatch_board")))


# --- the technician's day (phone) ---------------------------------------------------------------


@permission("crm.view_servicerequest")
@require_GET
def technician_today(request):
    today = timezone.localdate()
    day = _day(request.GET.get("day", ""), today)
    jobs = technician_day(user=request.user, day=day)
    rows = [{"job": job, **_contact_facts(job.request)} for job in jobs]
    context = {
        "rows": rows,
        "day": day,
        "today": today,
        "previous_day": (day - datetime.timedelta(days=1)).isoformat(),
        "next_day": (day + datetime.timedelta(days=1)).isoformat(),
    }
    return render(request, "tasklist/crm/technician_day.html", context)


@permission("crm.view_servicerequest")
@require_POST
def job_accept_view(request, pk: int):
    service_request = _visible_request(request.user, pk)
    accepted = request.POST.get("accepted") != "no"
    try:
        job_accept(
            actor=request.user, request=service_request, accepted=accepted, note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, " ".join(m for ms in located(error).values() for m in ms))
    else:
        if accepted:
            messages.success(request, _("You took %(request)s.") % {"request": service_request.code})
        else:
            messages.success(
                request, _("%(request)s went back to the dispatcher.") % {"request": service_request.code}
            )
    return redirect(_back(request, reverse("crm:technician_today")))


WORK_FIELDS = {"hours", "result", "photos", "signature", "confirmed_by"}


def _part_choices() -> list[tuple[str, str]]:
    rows = Product.objects.filter(active=True).order_by("code").values_list("code", "name", "unit")[:500]
    return [(code, f"{name} · {code}" + (f" ({unit})" if unit else "")) for code, name, unit in rows]


def _part_lines(post) -> list[dict]:
    codes, quantities = post.getlist("part_product"), post.getlist("part_quantity")
    return [
        {
            "product": codes[i] if i < len(codes) else "",
            "quantity": quantities[i] if i < len(quantities) else "",
        }
        for i in range(min(max(len(codes), len(quantities)), 20))
    ]


@permission("crm.view_servicerequest")
@require_http_methods(["GET", "POST"])
def job_work(request, pk: int):
    """The job's page on the technician's phone: its facts and, while the work step is theirs, the
    work record (hours, result, parts used, photos, the customer's signature or name)."""
    service_request = _visible_request(request.user, pk)
    task = open_task(service_request, "work")
    may_record = task is not None and task_is_for(request.user, task)
    values = {"hours": "", "result": "", "confirmed_by": ""}
    lines = [{"product": "", "quantity": ""}]
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        values = {k: request.POST.get(k, "") for k in values}
        lines = _part_lines(request.POST) or lines
        try:
            work_record_submit(
                actor=request.user,
                request=service_request,
                hours=values["hours"],
                result=values["result"],
                parts=lines,
                photos=request.FILES.getlist("photos"),
                signature=request.POST.get("signature", ""),
                confirmed_by=values["confirmed_by"],
            )
        except DomainError as error:
            errors = located(error)
            status = 400
        else:
            messages.success(
                request, _("The work record of %(request)s is saved.") % {"request": service_request.code}
            )
            return redirect("crm:technician_today")
    stock = dict(
        StockLevel.objects.filter(product__active=True)
        .values_list("product__code")
        .order_by()
        .annotate(n=Sum(F("on_hand") - F("reserved")))
    )
    part_rows = [
        {
            "index": i,
            "product": line["product"],
            "quantity": line["quantity"],
            "product_errors": errors.get(f"parts.{i}.product", []),
            "quantity_errors": errors.get(f"parts.{i}.quantity", []),
        }
        for i, line in enumerate(lines)
    ]
    context = {
        "r": service_request,
        **_contact_facts(service_request),
        "task": task,
        "may_record": may_record,
        "values": values,
        "part_rows": part_rows,
        "parts": _part_choices(),
        "stock": stock,
        "errors": errors,
        # what no field of the form shows (a stock race on the parts, the step gone meanwhile)
        "general_errors": [
            m for k, ms in errors.items() if k not in WORK_FIELDS and not k.startswith("parts.") for m in ms
        ],
        "photos": job_photos(service_request),
        "can_report_issue": allowed(request.user, PRODUCT_ISSUES, "add"),
    }
    return render(request, "tasklist/crm/job_work.html", context, status=status)


@login_required
@require_GET
def field_photo(request, pk: int):
    photo = FieldPhoto.objects.visible_to(request.user, "view").filter(pk=pk).first()
    if photo is None:
        raise Http404(_("Not found, or not yours to see."))
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="{photo.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- product issues (产品问题) ---------------------------------------------------------------------


def _products(_user) -> list[tuple[str, str]]:
    return [
        (str(pk), f"{name} · {code}")
        for pk, code, name in Product.objects.filter(active=True)
        .order_by("code")
        .values_list("pk", "code", "name")[:500]
    ]


def _source(user, get) -> tuple[Complaint | None, ServiceRequest | None]:
    complaint = service_request = None
    if str(get.get("complaint", "")).isdigit():
        complaint = Complaint.objects.visible_to(user, "view").filter(pk=int(get["complaint"])).first()
    if str(get.get("service_request", "")).isdigit():
        service_request = (
            ServiceRequest.objects.visible_to(user, "view").filter(pk=int(get["service_request"])).first()
        )
    return complaint, service_request


def _issue_initial(user, get) -> dict:
    complaint, service_request = _source(user, get)
    record = service_request or complaint
    product = getattr(service_request, "product_id", None)
    return {
        "product": str(product or ""),
        "severity": ProductIssue.Severity.NORMAL,
        "details": f"{record.code} {record.subject}" if record else "",
    }


def _issue_create(actor, values, request):
    complaint, service_request = _source(actor, request.GET)
    return product_issue_report(
        actor=actor,
        product=values.get("product", ""),
        summary=values.get("summary", ""),
        details=values.get("details", ""),
        severity=values.get("severity", ""),
        complaint=complaint,
        service_request=service_request,
        photos=request.FILES.getlist("photos"),
    )


PRODUCT_ISSUES = ObjectType(
    key="product_issue",
    model=ProductIssue,
    list_entity="product_issue",
    url_prefix="product-issues",
    title=gettext_lazy("product issue"),
    title_plural=gettext_lazy("Product issues"),
    columns=(
        Column("code", gettext_lazy("Code"), link=True),
        Column("summary", gettext_lazy("What is wrong")),
        Column("product.name", gettext_lazy("Product")),
        Column("severity", gettext_lazy("Severity"), kind="choice"),
        Column("status", gettext_lazy("Status"), kind="choice"),
        Column("reported_by", gettext_lazy("Reported by"), kind="user"),
        Column("created_at", gettext_lazy("Reported"), kind="datetime"),
    ),
    filters=(
        Filter("status", gettext_lazy("Status"), model_choices(ProductIssue.Status)),
        Filter("severity", gettext_lazy("Severity"), model_choices(ProductIssue.Severity)),
        Filter("product", gettext_lazy("Product"), _products),
    ),
    sorts=(("-created", gettext_lazy("Newest first")), ("status", gettext_lazy("Status"))),
    groups=(("status", gettext_lazy("Status")), ("product", gettext_lazy("Product"))),
    search_label=gettext_lazy("Code or summary"),
    detail_fields=(
        "code",
        "product",
        "summary",
        "details",
        "severity",
        "status",
        "decision_reason",
        "fix",
        "complaint",
        "service_request",
        "reported_by",
        "created_at",
        "fixed_at",
    ),
    form_fields=(
        FormField("product", kind="select", required=True, choices=_products),
        FormField("summary", required=True, maxlength=200),
        FormField("severity", kind="select", required=True, choices=model_choices(ProductIssue.Severity)),
        FormField("details", kind="textarea"),
        FormField(
            "photos", gettext_lazy("Photos"), kind="file", accept="image/*", multiple=True, capture=True
        ),
    ),
    create=_issue_create,
    select_related=("product", "reported_by", "complaint", "service_request"),
    initial=_issue_initial,
    detail_panels="tasklist/crm/_product_issue_photos.html",
    detail_context=lambda request, obj: {"photos": list(obj.photos.all())},
)
