"""Notifications: `notify(recipients, template, context)` records the in-app notification and
queues e-mail/SMS deliveries after commit; deliveries retry with backoff, each attempt logged."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed

from .connector_settings import account_id, app_for, enabled_messengers, mail_connection, robot_for
from .messengers.http import ChannelError, Message
from .models import MESSENGERS, Channel, Delivery, DeliveryAttempt, Notification, NotificationPreference
from .sms import SmsError, sms_backend
from .template_overrides import overrides_for
from .templates_registry import get_template

logger = logging.getLogger(__name__)
# A first attempt not made this long after the delivery was queued: its broker message was lost.
LOST_MESSAGE_AFTER = timedelta(minutes=5)


def default_channels(template, messengers: dict[str, dict]) -> list[str]:
    """The company's default for an event: the template's channels, plus every messenger IT
    switched on "for everyone by default" wherever the template goes beyond the in-app list."""
    channels = list(template.channels)
    if any(c != Channel.IN_APP for c in channels):
        channels += [c for c, config in messengers.items() if config.get("default_on") and c not in channels]
    return channels


def channels_for(user, template, messengers: dict[str, dict] | None = None) -> list[str]:
    """The user's channels for this event: their own setting for it, else their default, else
    the company's; a messenger that is switched off is left out."""
    messengers = enabled_messengers() if messengers is None else messengers
    prefs = {p.template: p.channels for p in NotificationPreference.objects.filter(user=user)}
    chosen = prefs.get(template.name, prefs.get("*"))
    channels = list(chosen) if chosen is not None else default_channels(template, messengers)
    return [c for c in channels if c not in MESSENGERS or c in messengers]


def _address(user, channel: str) -> str:
    if channel == Channel.EMAIL:
        return user.email or ""
    if channel in MESSENGERS:
        return account_id(user, channel)
    phone = getattr(user, "phone", "") or getattr(getattr(user, "employee", None), "phone", "")
    return phone or ""


def notify(
    *, recipients, template: str, context: dict, channels: list[str] | None = None, url: str = ""
) -> list[Notification]:
    """Tell each recipient (in their language) about an event. Unknown placeholders raise
    TemplateError before anything is written."""
    spec = get_template(template)
    spec.render(context)  # fail fast, with the template's name, on a missing placeholder
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    created = []
    messengers = enabled_messengers() if unique else {}
    reworded = overrides_for(template) if unique else {}
    with transaction.atomic():
        for user in unique.values():
            language = user.language or settings.LANGUAGE_CODE
            with translation.override(language):
                text = reworded.get(language, spec).render(context)
            wanted = channels if channels is not None else channels_for(user, spec, messengers)
            notification = Notification.objects.create(
                recipient=user,
                template=template,
                title=text["title"][:255],
                body=text["body"],
                url=url,
                read_at=None if Channel.IN_APP in wanted else timezone.now(),
            )
            for channel in (c for c in wanted if c != Channel.IN_APP):
                address = _address(user, channel)
                delivery = Delivery.objects.create(
                    notification=notification,
                    channel=channel,
                    address=address,
                    text=text["sms"] if channel == Channel.SMS else text["title"],
                    status=Delivery.Status.QUEUED if address else Delivery.Status.SKIPPED,
                )
                if address:
                    transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
            created.append(notification)
    return created


def process_name(instance) -> str:
    """A process as people read it (its definition's name), never its key."""
    definition = getattr(instance, "definition", None)
    return (definition.name if definition is not None else "") or instance.key


def subject_for(recipients, task) -> str:
    """What a notification about `task` says it is about: the business object's line as the one
    recipient may see it, else (several recipients, or a record they may not see) its label."""
    from engine import summaries

    people = [user for user in recipients if user is not None]
    if len(people) != 1:
        return task.business_object_label
    return summaries.line(
        people[0],
        type_id=task.business_object_type_id,
        object_id=task.business_object_id,
        fallback=task.business_object_label,
    )


def absolute_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path if path else ""


def _email_body(notification) -> str:
    """The notification's text, and the link to what it is about (a task, a request)."""
    link = absolute_url(notification.url)
    return f"{notification.body}\n\n{link}" if link else notification.body


def _enqueue(delivery_id: int) -> None:
    from .tasks import deliver_notification

    deliver_notification.delay(delivery_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** (attempts - 1), 3600))


def delivery_attempt(delivery_id: int) -> Delivery:
    """Send one queued delivery now; on failure schedule the next attempt or give up."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient")
            .filter(pk=delivery_id, status=Delivery.Status.QUEUED)
            .first()
        )
        if delivery is None:  # sent meanwhile, or another worker holds it
            return Delivery.objects.get(pk=delivery_id)
        delivery.attempts += 1
        notification = delivery.notification
        started = time.monotonic()
        try:
            delivery.external_id = _send(delivery, notification)[:128]
        except (SmsError, ChannelError, OSError) as error:
            retryable = getattr(error, "retryable", True)
            code = getattr(error, "code", "") or type(error).__name__
            delivery.last_error = str(error)[:2000]
            if not retryable or delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
            logger.warning("delivery %s (%s) failed: %s", delivery.pk, delivery.channel, error)
            _log_attempt(
                delivery, started, ok=False, code=code, error=delivery.last_error, retryable=retryable
            )
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            _log_attempt(delivery, started, ok=True)
        delivery.save()
        return delivery


def queue_robots() -> list[str]:
    """The messengers whose group robot hears of tasks waiting in a queue (IT switches it on)."""
    return [
        channel
        for channel, config in enabled_messengers().items()
        if config.get("robot_url") and config.get("robot_queue_tasks")
    ]


def robot_announce(*, title: str, text: str, url: str = "") -> list[Delivery]:
    """Post to the group robot of every messenger whose settings ask for it (a task waiting in a
    group's queue, which nobody is told about one by one); sent after commit, retried and logged
    like any delivery."""
    deliveries = []
    for channel in queue_robots():
        delivery = Delivery.objects.create(
            notification=None,
            channel=channel,
            address=str(_("group robot")),
            text=title[:500],
            payload={"title": title, "text": text, "url": absolute_url(url)},
        )
        transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
        deliveries.append(delivery)
    return deliveries


def _send(delivery: Delivery, notification: Notification | None) -> str:
    """Hand one delivery to its channel; the gateway's or messenger's message id back."""
    if notification is None:
        config = enabled_messengers().get(delivery.channel)
        if config is None or not config.get("robot_url"):
            raise ChannelError(
                f"the {delivery.channel} group robot is not set up", retryable=False, code="off"
            )
        with translation.override(settings.LANGUAGE_CODE):
            link_text = str(_("View details"))
        message = Message(**delivery.payload, link_text=link_text)
        return robot_for(delivery.channel, config).send(message=message)
    if delivery.channel == Channel.EMAIL:
        connection, sender = mail_connection()
        send_mail(
            notification.title, _email_body(notification), sender, [delivery.address], connection=connection
        )
        return ""
    if delivery.channel == Channel.SMS:
        return sms_backend().send(to=delivery.address, text=delivery.text)
    if delivery.channel in MESSENGERS:
        config = enabled_messengers().get(delivery.channel)
        return app_for(delivery.channel, config).send(
            to=delivery.address, message=messenger_message(notification)
        )
    raise ChannelError(f"unknown channel {delivery.channel}", retryable=False, code="channel")


def messenger_message(notification: Notification) -> Message:
    """The card a messenger shows: title, text and a button opening the page (the task page works
    on a phone) by its absolute address, in the recipient's language."""
    recipient = notification.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        link_text = str(_("View details"))
    return Message(
        title=notification.title,
        text=notification.body,
        url=absolute_url(notification.url),
        link_text=link_text,
    )


def _log_attempt(
    delivery, started: float, *, ok: bool, code: str = "", error: str = "", retryable=False
) -> None:
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        ok=ok,
        retryable=bool(retryable) and not ok and delivery.status == Delivery.Status.QUEUED,
        error_code=str(code)[:32],
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def retry_due_deliveries(now=None) -> int:
    """Beat: attempt every queued delivery whose retry time has come."""
    now = now or timezone.now()
    # A first attempt's message can be lost with the broker (Redis restarted without persistence):
    # a delivery still queued long after it was created is picked up here too. Never twice: the
    # attempt locks the row and re-checks its status.
    lost = Q(next_attempt_at__isnull=True, created_at__lte=now - LOST_MESSAGE_AFTER)
    due = list(
        Delivery.objects.filter(
            Q(next_attempt_at__lte=now) | lost, status=Delivery.Status.QUEUED
        ).values_list("pk", flat=True)[:500]
    )
    for pk in due:
        delivery_attempt(pk)
    return len(due)


def notification_mark_read(*, user, notification_ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def preference_set(*, user, template: str, channels: list[str]) -> NotificationPreference:
    unknown = set(channels) - set(Channel.values)
    if unknown:
        raise ValidationFailed(
            f"Unknown channel(s): {', '.join(sorted(unknown))}",
            fields={"channels": [f"Choose from {', '.join(Channel.values)}."]},
        )
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, template=template, defaults={"channels": channels}
    )
    return preference


def delivery_retry(*, actor, delivery_id: int) -> Delivery:
    """Send a failed delivery again now (IT fixed the connector, or the person's address): one more
    attempt, logged like the others, its outcome returned. Audited."""
    from audit.models import AuditEvent
    from audit.services import audit_record
    from core.errors import NotPermitted

    if actor is not None and not (actor.is_superuser or actor.has_perm("integrations.manage_webhooks")):
        raise NotPermitted(_("You may not retry notification deliveries."))
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status != Delivery.Status.FAILED:
            message = _("Only a failed delivery can be sent again.")
            raise ValidationFailed(message, fields={"delivery": [message]})
        delivery.status, delivery.next_attempt_at = Delivery.Status.QUEUED, None
        delivery.attempts = min(delivery.attempts, settings.DELIVERY_MAX_ATTEMPTS - 1)
        delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=actor,
            obj=delivery,
            extra={"retry_delivery": delivery.pk, "channel": delivery.channel},
        )
    return delivery_attempt(delivery.pk)
