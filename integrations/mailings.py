"""Mass e-mail/SMS (群发): a mailing snapshots its recipients when it is sent, skips unsubscribed
addresses, and goes out throttled (MAILING_RATE_PER_MINUTE) from the beat sweep; every e-mail
carries a signed one-click unsubscribe link.

Who receives it is the caller's choice (the UI resolves a favourites list or a saved customer
query through crm's selectors, which only return records the sender may see).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from html import escape

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed

from .connector_settings import mail_connection
from .models import Channel, Mailing, MailingMessage, OptOut
from .sms import SmsError, sms_backend

logger = logging.getLogger(__name__)
SALT = "integrations.unsubscribe"
OPEN_SALT = "integrations.mailing-opened"


def normalize(channel: str, address: str) -> str:
    address = (address or "").strip()
    if channel == Channel.SMS:
        return re.sub(r"[^\d+]", "", address)
    return address.lower()


def unsubscribe_token(channel: str, address: str) -> str:
    return signing.dumps([channel, normalize(channel, address)], salt=SALT, compress=True)


def unsubscribe_url(channel: str, address: str) -> str:
    path = reverse("unsubscribe", args=[unsubscribe_token(channel, address)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def opt_out(*, token: str) -> OptOut:
    """Record the unsubscribe a signed link asks for (the same link twice is fine)."""
    try:
        channel, address = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationFailed(_("This unsubscribe link is not valid."), fields={"token": ["bad"]}) from None
    try:
        with transaction.atomic():
            return OptOut.objects.get_or_create(channel=channel, address=address)[0]
    except IntegrityError:  # the same link clicked twice at once
        return OptOut.objects.get(channel=channel, address=address)


NAME_PLACEHOLDER = re.compile(r"\{\{\s*name\s*\}\}")


def personalize(text: str, name: str) -> str:
    """The text as one recipient reads it: `{{ name }}` becomes their name (the only variable; any
    other text is sent as written)."""
    return NAME_PLACEHOLDER.sub(lambda _m: name or "", text or "")


def open_token(message_id: int) -> str:
    return signing.dumps(message_id, salt=OPEN_SALT)


def open_url(message_id: int) -> str:
    path = reverse("mailing_opened", args=[open_token(message_id)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def mailing_opened(*, token: str) -> bool:
    """Record the first time an e-mail's tracking image was loaded; a bad token changes nothing."""
    try:
        message_id = signing.loads(token, salt=OPEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return bool(
        MailingMessage.objects.filter(pk=message_id, opened_at__isnull=True).update(opened_at=timezone.now())
    )


def mailing_create(
    *,
    actor,
    name: str,
    channel: str,
    body: str,
    recipients: list[dict],
    subject: str = "",
    source: str = "",
    topic: str = "",
) -> Mailing:
    """Snapshot the recipients ({"name", "address"}) and start sending after commit; `topic` tags
    the mailing for the app it was sent from (e.g. "crm.campaign:12")."""
    if not actor.has_perm("integrations.add_mailing"):
        raise NotPermitted(_("You may not send mass mailings."))
    with transaction.atomic():
        mailing = _mailing_create(
            sender=actor,
            name=name,
            channel=channel,
            body=body,
            recipients=recipients,
            subject=subject,
            source=source,
            topic=topic,
        )
        audit_record(action="create", actor=actor, obj=mailing, extra={"source": source, "topic": topic})
    return mailing


def greeting_send(*, sender, channel: str, address: str, name: str, subject: str, body: str) -> Mailing:
    """A single greeting (e.g. a contact's birthday) from the system on the owner's behalf, sent
    like a mailing: logged, throttled, unsubscribe respected."""
    return _mailing_create(
        sender=sender,
        name=subject,
        channel=channel,
        body=body,
        subject=subject,
        recipients=[{"name": name, "address": address}],
        source=_("greeting"),
    )


def _mailing_create(*, sender, name, channel, body, recipients, subject, source, topic="") -> Mailing:
    errors: dict[str, list[str]] = {}
    if channel not in (Channel.EMAIL, Channel.SMS):
        errors["channel"] = [_("Choose e-mail or SMS.")]
    if not (name or "").strip():
        errors["name"] = [_("Give the mailing a name.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the text to send.")]
    if channel == Channel.EMAIL and not (subject or "").strip():
        errors["subject"] = [_("An e-mail needs a subject.")]
    addresses: dict[str, str] = {}
    for recipient in recipients:
        address = normalize(channel, recipient.get("address", ""))
        if address and address not in addresses:
            addresses[address] = (recipient.get("name") or "")[:200]
    if not addresses:
        errors["recipients"] = [_("None of the chosen records has an address for this channel.")]
    if errors:
        raise ValidationFailed(_("The mailing was not sent."), fields=errors)
    opted_out = set(
        OptOut.objects.filter(channel=channel, address__in=list(addresses)).values_list("address", flat=True)
    )
    with transaction.atomic():
        mailing = Mailing.objects.create(
            name=name.strip(),
            channel=channel,
            subject=subject.strip(),
            body=body,
            source=source,
            topic=topic[:100],
            created_by=sender,
        )
        MailingMessage.objects.bulk_create(
            MailingMessage(
                mailing=mailing,
                name=person,
                address=address,
                status=MailingMessage.Status.SKIPPED
                if address in opted_out
                else MailingMessage.Status.QUEUED,
            )
            for address, person in addresses.items()
        )
        transaction.on_commit(_kick)
    return mailing


def _kick() -> None:
    from .tasks import send_mailings

    send_mailings.delay()


def _send(message: MailingMessage) -> None:
    mailing = message.mailing
    body = personalize(mailing.body, message.name)
    if mailing.channel == Channel.SMS:
        sms_backend().send(to=message.address, text=body)
        return
    link = unsubscribe_url(Channel.EMAIL, message.address)
    connection, sender = mail_connection()  # the mail server IT set up, else the deployment's
    email = EmailMultiAlternatives(
        subject=personalize(mailing.subject, message.name),
        body=f"{body}\n\n--\n{_('Unsubscribe')}: {link}",
        from_email=sender,
        to=[message.address],
        connection=connection,
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    # the HTML twin carries a one-pixel image: its first load marks the message opened
    html = "<br>".join(escape(line) for line in body.splitlines())
    email.attach_alternative(
        f'<div>{html}</div><hr><p><a href="{escape(link)}">{escape(_("Unsubscribe"))}</a></p>'
        f'<img src="{escape(open_url(message.pk))}" width="1" height="1" alt="">',
        "text/html",
    )
    email.send()


def mailings_send_due(now=None) -> int:
    """Send what the rate allows this minute; returns how many were attempted."""
    now = now or timezone.now()
    recent = MailingMessage.objects.filter(sent_at__gt=now - timedelta(minutes=1)).count()
    allowed = settings.MAILING_RATE_PER_MINUTE - recent
    attempted = 0
    if allowed > 0:
        with transaction.atomic():
            batch = list(
                MailingMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("mailing")
                .filter(status=MailingMessage.Status.QUEUED, mailing__status=Mailing.Status.SENDING)
                .order_by("id")[:allowed]
            )
            for message in batch:
                attempted += 1
                _attempt(message, now)
    for mailing in Mailing.objects.filter(status=Mailing.Status.SENDING).exclude(
        messages__status=MailingMessage.Status.QUEUED
    ):
        Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.DONE, finished_at=now)
    return attempted


def _attempt(message: MailingMessage, now) -> None:
    # An unsubscribe that arrived after the snapshot still counts.
    if OptOut.objects.filter(channel=message.mailing.channel, address=message.address).exists():
        message.status = MailingMessage.Status.SKIPPED
        message.save(update_fields=["status"])
        return
    message.attempts += 1
    message.sent_at = now
    try:
        _send(message)
    except (SmsError, OSError) as error:
        message.last_error = str(error)[:2000]
        if not getattr(error, "retryable", True) or message.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            message.status = MailingMessage.Status.FAILED
        logger.warning("mailing %s to %s failed: %s", message.mailing_id, message.address, error)
    else:
        message.status = MailingMessage.Status.SENT
        message.last_error = ""
    message.save(update_fields=["status", "attempts", "sent_at", "last_error"])


def mailing_progress(mailing: Mailing) -> dict[str, int]:
    counts = mailing.messages.aggregate(
        total=Count("pk"),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        **{status: Count("pk", filter=Q(status=status)) for status in MailingMessage.Status.values},
    )
    return counts


def mailings_for_topic(*, user, topic: str) -> list[tuple[Mailing, dict[str, int]]]:
    """The mailings of a topic the user may see, newest first, each with its delivery and open
    counts (one query for the counts of all of them)."""
    mailings = list(Mailing.objects.visible_to(user).filter(topic=topic).order_by("-created_at", "-pk")[:50])
    counts = {
        row["mailing"]: row
        for row in MailingMessage.objects.filter(mailing__in=mailings)
        .values("mailing")
        .annotate(
            total=Count("pk"),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            **{status: Count("pk", filter=Q(status=status)) for status in MailingMessage.Status.values},
        )
    }
    empty = {"total": 0, "opened": 0, **{status: 0 for status in MailingMessage.Status.values}}
    return [(m, counts.get(m.pk, empty)) for m in mailings]
