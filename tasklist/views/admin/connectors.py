"""Administration > Integrations > Connectors (integrations.manage_webhooks): the SMS gateway, the
mail server and the WeCom / DingTalk / Feishu apps and robots. Secrets are write-only (shown as
"set · ends with …4f2a", replaced or cleared, never echoed); a test message shows the outside
service's answer; the notification delivery log lists every attempt."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from integrations.connector_settings import (
    CONNECTORS,
    connector_save,
    connector_send_test,
    enabled_messengers,
    secret_hint,
)
from integrations.models import MESSENGERS, Channel, ChannelAccount, ConnectorSetting, Delivery
from integrations.preferences import channel_account_set
from integrations.services import delivery_retry
from org.models import User

from . import field, located, section_required

INTEGRATIONS = "integrations"


def _connector(key: str):
    spec = CONNECTORS.get(key)
    if spec is None:
        raise Http404
    return spec


@section_required(INTEGRATIONS)
def connectors(request):
    stored = {s.connector: s for s in ConnectorSetting.objects.select_related("updated_by")}
    rows = [{"spec": spec, "setting": stored.get(key)} for key, spec in CONNECTORS.items()]
    return render(request, "tasklist/admin/connectors.html", {"rows": rows})


def _form(spec, setting, values: dict, errors: dict) -> tuple[list[dict], list[dict]]:
    """(plain fields as `_fields.html` renders them, secret fields with their hint)."""
    plain, secret = [], []
    stored = setting.secrets if setting else {}
    for item in spec.fields:
        if item.secret:
            secret.append(
                {
                    "name": item.name,
                    "label": item.label,
                    "hint": secret_hint(stored.get(item.name, "")),
                    "required": item.required,
                    "errors": errors.get(item.name, []),
                    "url": item.kind == "url",
                }
            )
            continue
        kind = {"number": "text", "url": "url"}.get(item.kind, item.kind)
        plain.append(
            field(
                item.name,
                item.label,
                kind=kind,
                value=values.get(item.name, False if item.kind == "bool" else ""),
                choices=item.choices,
                errors=errors,
                required=item.required,
                help=str(item.help),
                maxlength=300,
            )
        )
    return plain, secret


@section_required(INTEGRATIONS)
def connector_edit(request, key: str):
    spec = _connector(key)
    setting = ConnectorSetting.objects.filter(connector=key).first()
    errors: dict = {}
    enabled = setting.enabled if setting else False
    values = dict(setting.values) if setting else {}
    if request.method == "POST":
        enabled = request.POST.get("enabled") == "on"
        values = {f.name: request.POST.get(f.name, "") for f in spec.fields if not f.secret}
        try:
            setting = connector_save(
                actor=request.user,
                connector=key,
                enabled=enabled,
                values=values,
                new_secrets={
                    f.name: request.POST.get(f"secret__{f.name}", "") for f in spec.fields if f.secret
                },
                clear_secrets=[
                    f.name for f in spec.fields if f.secret and request.POST.get(f"clear__{f.name}")
                ],
            )
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:connector", key=key)
    return _render_edit(request, spec, setting, enabled, values, errors)


def _render_edit(request, spec, setting, enabled, values, errors, *, results=None, to="", status=None):
    plain, secret = _form(spec, setting, values, errors)
    names = [f["name"] for f in plain] + [f["name"] for f in secret] + ["to"]
    context = {
        "spec": spec,
        "setting": setting,
        "enabled": enabled,
        "fields": plain,
        "secret_fields": secret,
        "errors": errors,
        "general_errors": [m for k, ms in errors.items() if k not in names for m in ms],
        "test_errors": errors.get("to", []),
        "results": results,
        "to": to,
        "to_label": {
            "sms": _("Phone number"),
            "mail": _("E-mail address"),
        }.get(spec.key, _("Account id (empty: your own)")),
    }
    if status is None:
        status = 400 if errors else 200
    return render(request, "tasklist/admin/connector_form.html", context, status=status)


@require_POST
@section_required(INTEGRATIONS)
def connector_test(request, key: str):
    spec = _connector(key)
    setting = ConnectorSetting.objects.filter(connector=key).first()
    to = request.POST.get("to", "").strip()[:200]
    errors: dict = {}
    results = None
    try:
        results = connector_send_test(actor=request.user, connector=key, to=to)
    except DomainError as error:
        errors = located(error)
    enabled = setting.enabled if setting else False
    values = dict(setting.values) if setting else {}
    return _render_edit(request, spec, setting, enabled, values, errors, results=results, to=to)


@section_required(INTEGRATIONS)
def deliveries(request):
    """The notification delivery log: each e-mail / SMS / messenger delivery with its attempts."""
    rows = Delivery.objects.select_related("notification__recipient").prefetch_related("attempt_log")
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    status = request.GET.get("status", "")
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "channel": channel,
        "status": status,
        "channels": [c for c in Channel.choices if c[0] != Channel.IN_APP],
        "statuses": Delivery.Status.choices,
    }
    return render(request, "tasklist/admin/notification_deliveries.html", context)


@section_required(INTEGRATIONS)
def accounts(request):
    """People's user ids in the messengers switched on, filled in by IT (as in WeCom's / DingTalk's
    / Feishu's address book); all cells of the page saved at once, or none."""
    messengers = [c for c in MESSENGERS if c in enabled_messengers()]
    q = request.GET.get("q", "").strip()[:100]
    people = User.objects.filter(is_active=True, employee__isnull=False).select_related(
        "employee__department"
    )
    if q:
        people = people.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = Paginator(people.order_by("display_name", "username"), 50).get_page(request.GET.get("page"))
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and messengers:
        with transaction.atomic():
            for person in page:
                for channel in messengers:
                    key = f"acct__{person.pk}__{channel}"
                    if key not in request.POST:
                        continue
                    try:
                        channel_account_set(
                            actor=request.user, user=person, channel=channel, account_id=request.POST[key]
                        )
                    except DomainError as error:
                        errors[key] = [str(m) for ms in error.fields.values() for m in ms] or [
                            str(error.message)
                        ]
            if errors:
                transaction.set_rollback(True)
        if not errors:
            messages.success(request, _("Saved."))
            return redirect(request.get_full_path())
    ids = {
        (row.user_id, row.channel): row.account_id
        for row in ChannelAccount.objects.filter(user__in=list(page), channel__in=messengers)
    }
    rows = [
        {
            "person": person,
            "cells": [
                {
                    "name": f"acct__{person.pk}__{channel}",
                    "label": Channel(channel).label,
                    "value": request.POST.get(f"acct__{person.pk}__{channel}", "")
                    if errors
                    else ids.get((person.pk, channel), ""),
                    "errors": errors.get(f"acct__{person.pk}__{channel}", []),
                }
                for channel in messengers
            ],
        }
        for person in page
    ]
    context = {
        "rows": rows,
        "page": page,
        "q": q,
        "messengers": [Channel(c).label for c in messengers],
        "errors": errors,
        "general_errors": [],
    }
    return render(request, "tasklist/admin/messenger_accounts.html", context, status=400 if errors else 200)


@require_POST
@section_required(INTEGRATIONS)
def delivery_retry_view(request, pk: int):
    try:
        delivery = delivery_retry(actor=request.user, delivery_id=pk)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if delivery.status == Delivery.Status.SENT:
            messages.success(request, _("Sent."))
        else:
            messages.error(request, _("Not sent: %(error)s") % {"error": delivery.last_error})
    return redirect("manage:notification_deliveries")
