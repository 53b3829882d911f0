"""Read-only pages of the records around a customer (contact, opportunity, order) with their
processes; contacts and opportunities are edited through the generic object views
(tasklist.views.crm.sales), complaints and service requests are the service desk's
(tasklist.views.crm.service)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from crm.models import Complaint, Contact, Opportunity, Order, ServiceRequest
from crm.sales.selectors import process_stages
from crm.selectors.custom_fields import custom_rows
from crm.selectors.receivables import order_balance
from crm.summaries import money
from engine.selectors import ProcessInstance, worklist

from ..objects import facts
from .common import viewable


def _visible_or_404(user, model, pk, *related, action="view"):
    obj = model.objects.visible_to(user, action).select_related(*related).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("Not found, or not yours to see."))
    return obj


def processes_of(obj) -> list[ProcessInstance]:
    content_type = ContentType.objects.get_for_model(type(obj))
    return list(
        worklist.instances_of_object(content_type, str(obj.pk))
        .select_related("definition")
        .order_by("-started_at")[:20]
    )


def _edit_url(user, obj, url_name: str) -> str:
    """The edit link, only for people who may change this very record."""
    model = type(obj)
    if not user.has_perm(f"crm.change_{model._meta.model_name}"):
        return ""
    if model.objects.visible_to(user, "change").filter(pk=obj.pk).exists():
        return reverse(url_name, args=[obj.pk])
    return ""


def _facts(obj, names) -> list[tuple[str, object]]:
    """The record's facts (`objects.facts`), its amounts as money."""
    return [
        (label, money(value) if name.endswith("amount") and isinstance(value, Decimal) else value)
        for name, (label, value) in zip(names, facts(obj, names), strict=True)
    ]


def _page(request, *, obj, title, facts, extra=None, edit_url=""):
    context = {
        "obj": obj,
        "title": title,
        "facts": facts,
        "customer": obj.customer,
        "processes": processes_of(obj),
        "edit_url": edit_url,
        **(extra or {}),
    }
    return render(request, "tasklist/crm/record_detail.html", context)


@viewable(Contact)
@require_GET
def contact_detail(request, pk: int):
    contact = _visible_or_404(request.user, Contact, pk, "customer", "superior")
    employments = list(contact.employments.select_related("customer").order_by("-started_on", "-pk"))
    edit_url = _edit_url(request.user, contact, "crm:contact_edit")
    return _page(
        request,
        obj=contact,
        title=contact.name,
        facts=_facts(
            contact,
            [
                "department",
                "title",
                "role",
                "superior",
                "phone",
                "mobile",
                "email",
                "birthday",
                "interests",
                "notes",
            ],
        )
        + custom_rows(request.user, contact),
        extra={"employments": employments, "kind": gettext_lazy("Contact")},
        edit_url=edit_url,
    )


@viewable(Opportunity)
@require_GET
def opportunity_detail(request, pk: int):
    opportunity = _visible_or_404(
        request.user, Opportunity, pk, "customer", "contact", "owner", "campaign", "source", "stage__process"
    )
    return _page(
        request,
        obj=opportunity,
        title=opportunity.name,
        facts=_facts(
            opportunity,
            [
                "stage",
                "status",
                "amount",
                "probability",
                "expected_close",
                "contact",
                "owner",
                "campaign",
                "source",
                "importance",
                "close_reason",
                "win_loss_reason",
                "closed_at",
            ],
        )
        + custom_rows(request.user, opportunity),
        extra={
            "kind": gettext_lazy("Opportunity"),
            "stages": [(s.key, s.label) for s in process_stages(opportunity.stage.process, open_only=False)],
            "sales_process": opportunity.stage.process,
            "close_reasons": Opportunity.CloseReason.choices,
            "can_close": opportunity.status == Opportunity.Status.OPEN
            and Opportunity.objects.visible_to(request.user, "change").filter(pk=opportunity.pk).exists(),
            "activities": list(opportunity.activities.select_related("owner").order_by("-occurred_at")[:20]),
        },
        edit_url=_edit_url(request.user, opportunity, "crm:opportunity_edit")
        if opportunity.status == Opportunity.Status.OPEN
        else "",
    )


@viewable(Order)
@require_GET
def order_detail(request, pk: int):
    order = _visible_or_404(request.user, Order, pk, "customer", "contract", "opportunity", "owner")
    lines = list(order.lines.select_related("product"))
    payments = list(order.payments.all())
    balance = order_balance(order=order)
    return _page(
        request,
        obj=order,
        title=order.code,
        facts=[
            *_facts(
                order,
                [
                    "status",
                    "ordered_on",
                    "delivery_on",
                    "total_amount",
                    "contract",
                    "opportunity",
                    "owner",
                    "notes",
                ],
            ),
            (gettext_lazy("Paid (CNY)"), balance.paid),
            (gettext_lazy("Outstanding (CNY)"), balance.outstanding),
            *custom_rows(request.user, order),
        ],
        extra={"lines": lines, "payments": payments, "kind": gettext_lazy("Order")},
    )


PORTAL_ATTACHMENT_RECORDS = {"complaints": Complaint, "service-requests": ServiceRequest}


@login_required
@require_GET
def portal_attachment(request, kind: str, pk: int, attachment_id: int):
    """A file the customer attached in the portal, for whoever may see the record (its handlers and
    the people holding a task on it included); images open in the browser, other files download."""
    model = PORTAL_ATTACHMENT_RECORDS.get(kind)
    record = model.objects.visible_to(request.user, "view").filter(pk=pk).first() if model else None
    attachment = record.portal_attachments.filter(pk=attachment_id).first() if record else None
    if attachment is None:
        raise Http404(_("No such attachment."))
    image = attachment.content_type in INLINE_IMAGE_TYPES
    response = FileResponse(attachment.file.open("rb"), as_attachment=not image, filename=attachment.name)
    if image:
        response["Content-Type"] = attachment.content_type
    return response


# Shown inline only when the browser cannot be talked into running them (no SVG, no HTML).
INLINE_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
