"""Webhooks: subscriptions per event type, HMAC-signed JSON deliveries, retries with backoff,
a delivery log, and a subscription switched off after too many failures in a row.

The receiver checks `X-Baton-Signature: sha256=<hex>` = HMAC-SHA256(secret, "<timestamp>.<body>")
with the `X-Baton-Timestamp` header, and uses `X-Baton-Delivery` to drop duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record, diff, snapshot
from core.errors import NotPermitted, ValidationFailed
from core.memo import remembered

from .models import WebhookDelivery, WebhookSubscription
from .services import LOST_MESSAGE_AFTER

logger = logging.getLogger(__name__)

EVENTS = (
    "instance.started",
    "instance.completed",
    "instance.cancelled",
    "task.created",
    "task.completed",
    # the business events of the CRM (crm.signals, through core.events.business_event)
    "customer.created",
    "customer.merged",
    "customer.level_change_requested",
    "opportunity.created",
    "opportunity.stage_changed",
    "opportunity.won",
    "opportunity.lost",
    "order.submitted",
    "order.status_changed",
    "contract.submitted",
    "complaint.submitted",
    "service_request.submitted",
)
# sent by the "send test event" button only; no subscription needs to ask for it
TEST_EVENT = "webhook.test"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _check_url(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ValidationFailed(
            _("Enter a full http(s) URL."), fields={"url": [_("Enter a full http(s) URL.")]}
        )
    allowed = settings.WEBHOOK_ALLOWED_HOSTS
    if "*" not in allowed and parsed.hostname not in allowed:
        message = _("%(host)s is not on the webhook allow-list (WEBHOOK_ALLOWED_HOSTS).") % {
            "host": parsed.hostname
        }
        raise ValidationFailed(message, fields={"url": [message]})


def webhook_subscribe(
    *, actor, name: str, url: str, events: list[str], secret: str = ""
) -> WebhookSubscription:
    _require_manager(actor, "integrations.add_webhooksubscription")
    _check_subscription(name, url, events)
    subscription = WebhookSubscription.objects.create(
        name=name.strip(),
        url=url,
        events=list(events),
        secret=secret or secrets.token_hex(32),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # the secret never reaches the audit log (audit.services leaves it out of snapshots)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        obj=subscription,
        changes=diff({}, snapshot(subscription)),
    )
    return subscription


def _require_manager(actor, permission: str) -> None:
    if actor is not None and not (
        actor.is_superuser or actor.has_perm(permission) or actor.has_perm("integrations.manage_webhooks")
    ):
        raise NotPermitted(_("You may not manage webhooks."))


def _check_subscription(name: str, url: str, events: list[str]) -> None:
    if not (name or "").strip():
        raise ValidationFailed(
            _("A subscription needs a name."), fields={"name": [_("This field is required.")]}
        )
    _check_url(url)
    unknown = sorted(set(events) - set(EVENTS) - {"*"})
    if not events or unknown:
        message = _("Unknown event type(s): %(names)s. Choose from %(known)s.") % {
            "names": ", ".join(unknown) or "-",
            "known": ", ".join(EVENTS),
        }
        if not events:
            message = _("Choose at least one event.")
        raise ValidationFailed(message, fields={"events": [message]})


@transaction.atomic
def webhook_update(
    *, actor, subscription: WebhookSubscription, name: str, url: str, events: list[str], secret: str = ""
) -> WebhookSubscription:
    """Change a subscription; an empty `secret` keeps the stored one (it is write-only: set or
    replaced, never shown)."""
    _require_manager(actor, "integrations.change_webhooksubscription")
    _check_subscription(name, url, events)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = snapshot(subscription)
    subscription.name, subscription.url, subscription.events = name.strip(), url, list(events)
    replaced = bool(secret)
    if replaced:
        subscription.secret = secret
    subscription.save()
    changes = diff(before, snapshot(subscription))
    if changes or replaced:
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=actor,
            obj=subscription,
            changes=changes,
            extra={"secret_replaced": True} if replaced else None,
        )
    return subscription


@transaction.atomic
def webhook_set_active(*, actor, subscription: WebhookSubscription, active: bool) -> WebhookSubscription:
    """Switch a subscription on (its failure count starts again) or off."""
    _require_manager(actor, "integrations.change_webhooksubscription")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = snapshot(subscription)
    subscription.active = active
    if active:
        subscription.consecutive_failures, subscription.disabled_reason = 0, ""
    subscription.save(update_fields=["active", "consecutive_failures", "disabled_reason"])
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        obj=subscription,
        changes=diff(before, snapshot(subscription)),
    )
    return subscription


def webhook_retry(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed or waiting delivery again now (same event id: the receiver drops a
    duplicate); the attempt is made at once and its outcome returned."""
    _require_manager(actor, "integrations.change_webhooksubscription")
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == WebhookDelivery.Status.DELIVERED:
            raise ValidationFailed(
                _("This delivery has arrived already."),
                fields={"delivery": [_("This delivery has arrived already.")]},
            )
        before = delivery.status
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.RETRYING, None
        if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.attempts = settings.WEBHOOK_MAX_ATTEMPTS - 1  # one more try, not a new series
        delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=actor,
            obj=delivery.subscription,
            extra={"retry_delivery": delivery.pk, "event": delivery.event, "status_before": before},
        )
    return webhook_attempt(delivery.pk)


def webhook_send_test(*, actor, subscription: WebhookSubscription) -> WebhookDelivery:
    """A "ping" event to this subscription alone, sent at once, so an administrator sees the
    receiver answer (or not) before real events flow."""
    _require_manager(actor, "integrations.change_webhooksubscription")
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            event=TEST_EVENT,
            event_id=uuid.uuid4().hex,
            payload={"test": True, "subscription": subscription.name, "sent_by": str(actor) if actor else ""},
        )
        audit_record(
            action=AuditEvent.Action.CHANGE, actor=actor, obj=subscription, extra={"test_event": delivery.pk}
        )
    return webhook_attempt(delivery.pk)


def _active_subscriptions() -> tuple[tuple[int, frozenset[str]], ...]:
    """(id, event types) of the active subscriptions; remembered (core.memo) until one changes."""

    def read():
        rows = WebhookSubscription.objects.filter(active=True).order_by("pk").values_list("pk", "events")
        return tuple((pk, frozenset(events)) for pk, events in rows)

    return remembered("active_subscriptions", read, scope="webhooks")


def publish(event: str, data) -> list[WebhookDelivery]:
    """Queue a delivery of `event` to every subscription that wants it (sent after commit).
    `data`: the payload, or a function making it (called only when a subscription wants it)."""
    wanting = [pk for pk, events in _active_subscriptions() if "*" in events or event in events]
    if not wanting:
        return []
    payload = json.loads(json.dumps(data() if callable(data) else data, cls=DjangoJSONEncoder))
    deliveries = [
        WebhookDelivery.objects.create(
            subscription_id=pk, event=event, event_id=uuid.uuid4().hex, payload=payload
        )
        for pk in wanting
    ]
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
    return deliveries


def _enqueue(delivery_id: int) -> None:
    from .tasks import deliver_webhook

    deliver_webhook.delay(delivery_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), 6 * 3600))


def _post(subscription: WebhookSubscription, delivery: WebhookDelivery) -> int:
    body = json.dumps(
        {
            "id": delivery.event_id,
            "event": delivery.event,
            "created_at": delivery.created_at.isoformat(),
            "data": delivery.payload,
        },
        separators=(",", ":"),
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - host checked against the allow-list
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Baton-Webhooks/1",
            "X-Baton-Event": delivery.event,
            "X-Baton-Delivery": delivery.event_id,
            "X-Baton-Timestamp": timestamp,
            "X-Baton-Signature": sign(subscription.secret, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
        return response.status


def webhook_attempt(delivery_id: int) -> WebhookDelivery:
    """One attempt; failures schedule a retry, then give up; a subscription failing too often in a
    row is switched off with the reason."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(
                pk=delivery_id, status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING]
            )
            .first()
        )
        if delivery is None:
            return WebhookDelivery.objects.get(pk=delivery_id)
        subscription = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
        before = (subscription.consecutive_failures, subscription.active)
        delivery.attempts += 1
        error = ""
        started = time.monotonic()
        try:
            delivery.response_status = _post(subscription, delivery)
        except urllib.error.HTTPError as http_error:
            delivery.response_status = http_error.code
            error = f"HTTP {http_error.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as network_error:
            error = f"{getattr(network_error, 'reason', network_error)}"
        delivery.duration_ms = int((time.monotonic() - started) * 1000)
        now = timezone.now()
        if not error and 200 <= (delivery.response_status or 0) < 300:
            delivery.status, delivery.delivered_at, delivery.last_error = (
                WebhookDelivery.Status.DELIVERED,
                now,
                "",
            )
            delivery.next_attempt_at = None
            subscription.consecutive_failures = 0
        else:
            delivery.last_error = (error or f"HTTP {delivery.response_status}")[:2000]
            subscription.consecutive_failures += 1
            if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
            else:
                delivery.status = WebhookDelivery.Status.RETRYING
                delivery.next_attempt_at = now + _backoff(delivery.attempts)
            if subscription.active and subscription.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER:
                subscription.active = False
                subscription.disabled_reason = _(
                    "Switched off after %(n)d failed deliveries in a row; last: %(e)s"
                ) % {"n": subscription.consecutive_failures, "e": delivery.last_error}
            logger.warning(
                "webhook %s to %s failed: %s", delivery.event, subscription.url, delivery.last_error
            )
        delivery.save()
        if (subscription.consecutive_failures, subscription.active) != before:
            subscription.save(update_fields=["consecutive_failures", "active", "disabled_reason"])
        return delivery


def retry_due_webhooks(now=None) -> int:
    now = now or timezone.now()
    # Retries whose time has come, and first attempts whose message was lost with the broker.
    lost = Q(status=WebhookDelivery.Status.PENDING, created_at__lte=now - LOST_MESSAGE_AFTER)
    due = list(
        WebhookDelivery.objects.filter(
            Q(status=WebhookDelivery.Status.RETRYING, next_attempt_at__lte=now) | lost,
            subscription__active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in due:
        webhook_attempt(pk)
    return len(due)
