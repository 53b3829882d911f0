"""A person's own notification settings: which events reach them over which channels, and their
account ids in the messengers the company switched on. Rows are kept only where the person's choice
differs from the company's default, so a later change of the default reaches everyone else."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _g

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed

from .connector_settings import enabled_messengers
from .models import MESSENGERS, Channel, ChannelAccount, NotificationPreference
from .services import channels_for, default_channels
from .template_overrides import label
from .templates_registry import TEMPLATES

ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_.@\-]{1,128}$")


def events() -> list[tuple[str, str]]:
    """(template name, what people read), tasks first: the order the events were registered in."""
    return [(name, label(name)) for name in TEMPLATES]


def available_channels(messengers: dict | None = None) -> list[tuple[str, str]]:
    messengers = enabled_messengers() if messengers is None else messengers
    fixed = [Channel.IN_APP, Channel.EMAIL, Channel.SMS]
    return [(c.value, str(c.label)) for c in fixed] + [
        (c.value, str(c.label)) for c in MESSENGERS if c.value in messengers
    ]


def preference_table(user) -> list[dict]:
    """Each event with the channels the person gets it on now (their choice or the default)."""
    messengers = enabled_messengers()
    own = set(NotificationPreference.objects.filter(user=user).values_list("template", flat=True))
    return [
        {
            "name": name,
            "label": text,
            "channels": channels_for(user, TEMPLATES[name], messengers),
            "custom": name in own,
        }
        for name, text in events()
    ]


@transaction.atomic
def preferences_save(*, user, choices: dict[str, list[str]]) -> list[str]:
    """Store the person's channels per event; returns the events whose choice differs from the
    company's default. Unknown events or channels are refused, located on the event."""
    messengers = enabled_messengers()
    allowed = {c for c, _l in available_channels(messengers)}
    errors: dict[str, list[str]] = {}
    for name, channels in choices.items():
        if name not in TEMPLATES:
            errors[name] = [_g("Unknown event.")]
        elif set(channels) - allowed:
            errors[name] = [_g("Choose from the channels shown.")]
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], fields=errors)
    differing = []
    NotificationPreference.objects.filter(user=user, template="*").delete()
    for name in TEMPLATES:
        chosen = [c for c, _l in available_channels(messengers) if c in choices.get(name, [])]
        default = [c for c in default_channels(TEMPLATES[name], messengers) if c in allowed]
        if sorted(chosen) == sorted(default):
            NotificationPreference.objects.filter(user=user, template=name).delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=user, template=name, defaults={"channels": chosen}
            )
            differing.append(name)
    audit_record(
        action=AuditEvent.Action.CHANGE, actor=user, obj=user, extra={"notification_preferences": differing}
    )
    return differing


def accounts_of(user) -> dict[str, str]:
    return dict(ChannelAccount.objects.filter(user=user).values_list("channel", "account_id"))


@transaction.atomic
def channel_account_set(*, actor, user, channel: str, account_id: str) -> ChannelAccount | None:
    """Set (or with an empty id remove) a person's account id in a messenger. People set their
    own; IT (integrations.manage_webhooks) sets anyone's."""
    if (
        actor is not None
        and actor.pk != user.pk
        and not (actor.is_superuser or actor.has_perm("integrations.manage_webhooks"))
    ):
        raise NotPermitted(_g("You may set only your own accounts."))
    if channel not in MESSENGERS:
        raise ValidationFailed(_g("Unknown messenger."), fields={channel: [_g("Unknown messenger.")]})
    account_id = (account_id or "").strip()
    existing = ChannelAccount.objects.filter(user=user, channel=channel).first()
    before = existing.account_id if existing else ""
    if before == account_id:
        return existing
    if not account_id:
        existing.delete()
        row = None
    else:
        if not ACCOUNT_ID.match(account_id):
            message = _g("Letters, digits and _ . @ - only, at most 128.")
            raise ValidationFailed(message, fields={channel: [message]})
        if ChannelAccount.objects.filter(channel=channel, account_id=account_id).exclude(user=user).exists():
            message = _g("This account id belongs to another person here.")
            raise ValidationFailed(message, fields={channel: [message]})
        try:
            with transaction.atomic():
                row, _created = ChannelAccount.objects.update_or_create(
                    user=user, channel=channel, defaults={"account_id": account_id}
                )
        except IntegrityError:
            message = _g("This account id belongs to another person here.")
            raise ValidationFailed(message, fields={channel: [message]}) from None
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        obj=user,
        changes={f"{channel}_account": [before, account_id]},
    )
    return row
