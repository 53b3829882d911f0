"""Administration > Integrations (integrations.manage_webhooks): webhook subscriptions (the
secret is write-only), their delivery log with retry, and a test event."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import (
    EVENTS,
    webhook_retry,
    webhook_send_test,
    webhook_set_active,
    webhook_subscribe,
    webhook_update,
)

from . import field, general_errors, located, pk_or_none, section_required

INTEGRATIONS = "integrations"


def _fields(values: dict, errors: dict, *, has_secret: bool) -> list[dict]:
    return [
        field("name", _("Name"), value=values.get("name"), errors=errors, required=True, maxlength=100),
        field(
            "url", _("URL"), kind="url", value=values.get("url"), errors=errors, required=True, maxlength=500
        ),
        field(
            "events",
            _("Events"),
            kind="checks",
            value=values.get("events", []),
            choices=[("*", _("All events"))] + [(e, e) for e in EVENTS],
            errors=errors,
        ),
        field(
            "secret",
            _("Replace the signing secret") if has_secret else _("Signing secret"),
            kind="password",
            errors=errors,
            maxlength=128,
            help=_(
                "A secret is set. It is never shown again; type a new one to replace it, "
                "or leave this empty to keep it."
            )
            if has_secret
            else _("Leave empty to have one generated. It is never shown again after saving."),
        ),
    ]


@section_required(INTEGRATIONS)
def webhooks(request):
    rows = (
        WebhookSubscription.objects.select_related("created_by")
        .annotate(
            failed=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
            sent=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.DELIVERED)),
        )
        .order_by("name")
    )
    return render(request, "tasklist/admin/webhooks.html", {"subscriptions": rows})


@section_required(INTEGRATIONS)
def webhook_form(request, pk: int | None = None):
    subscription = get_object_or_404(WebhookSubscription, pk=pk) if pk else None
    errors: dict = {}
    if request.method == "POST":
        values = {
            "name": request.POST.get("name", "").strip(),
            "url": request.POST.get("url", "").strip(),
            "events": request.POST.getlist("events"),
        }
        secret = request.POST.get("secret", "")
        try:
            if subscription is None:
                subscription = webhook_subscribe(actor=request.user, secret=secret, **values)
            else:
                webhook_update(actor=request.user, subscription=subscription, secret=secret, **values)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:webhook", pk=subscription.pk)
    elif subscription is not None:
        values = {"name": subscription.name, "url": subscription.url, "events": list(subscription.events)}
    else:
        values = {}
    fields = _fields(values, errors, has_secret=subscription is not None)
    context = {
        "subscription": subscription,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/webhook_form.html", context, status=400 if errors else 200)


@section_required(INTEGRATIONS)
def webhook_detail(request, pk: int):
    """The subscription and its delivery log, newest first."""
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    deliveries = subscription.deliveries.order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    context = {
        "subscription": subscription,
        "page": page,
        "status": status,
        "statuses": WebhookDelivery.Status.choices,
        "retryable": {
            WebhookDelivery.Status.FAILED,
            WebhookDelivery.Status.RETRYING,
            WebhookDelivery.Status.PENDING,
        },
    }
    return render(request, "tasklist/admin/webhook_detail.html", context)


@require_POST
@section_required(INTEGRATIONS)
def webhook_action(request, pk: int):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    action = request.POST.get("action")
    try:
        if action in ("enable", "disable"):
            webhook_set_active(actor=request.user, subscription=subscription, active=action == "enable")
            messages.success(request, _("Switched on.") if action == "enable" else _("Switched off."))
        elif action == "test":
            delivery = webhook_send_test(actor=request.user, subscription=subscription)
            _report(request, delivery)
        elif action == "retry":
            delivery = get_object_or_404(
                WebhookDelivery, pk=pk_or_none(request.POST.get("delivery")), subscription=subscription
            )
            delivery = webhook_retry(actor=request.user, delivery=delivery)
            _report(request, delivery)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("manage:webhook", pk=subscription.pk)


def _report(request, delivery: WebhookDelivery) -> None:
    if delivery.status == WebhookDelivery.Status.DELIVERED:
        messages.success(
            request,
            _("Delivered: the receiver answered %(code)s in %(ms)s ms.")
            % {"code": delivery.response_status, "ms": delivery.duration_ms},
        )
    else:
        messages.error(
            request,
            _("Not delivered: %(error)s.") % {"error": delivery.last_error or delivery.get_status_display()},
        )
