"""Writes of the API app: issuing and revoking integration tokens."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed

from .models import ApiToken, hash_secret

SECRET_PREFIX = "bt_"  # noqa: S105  (a marker that helps secret scanners, not a secret)


@transaction.atomic
def token_create(*, user, name: str, request=None) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns it with the secret, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A token needs a name."), fields={"name": [_("This field is required.")]})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=secret[:10], key_hash=hash_secret(secret)
    )
    audit_record(action=AuditEvent.Action.CREATE, actor=user, request=request, obj=token)
    return token, secret


@transaction.atomic
def token_revoke(*, actor, token: ApiToken, request=None) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotPermitted(_("You can only revoke your own tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditEvent.Action.CHANGE,
            actor=actor,
            request=request,
            obj=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        )
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token for `secret`, with its user; marks it used (at most once a minute)."""
    # key_hash is unique: no ORDER BY/LIMIT needed (`first()` would sort by id)
    token = next(
        iter(ApiToken.objects.active().select_related("user").filter(key_hash=hash_secret(secret))), None
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
