"""Writes of the API app: issuing and revoking integration tokens."""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed
from core.memo import remembered

from .models import ApiToken, hash_secret


@transaction.atomic
def integration_user_create(*, actor, username: str, display_name: str):
    """A technical account for an integration: no password (it signs in with its tokens only)."""
    from audit.services import diff, snapshot

    if not (actor.is_superuser or actor.has_perm(MANAGE_TOKENS)):
        raise NotPermitted(_("You may not issue tokens for other accounts."))
    username = (username or "").strip()
    users = get_user_model()
    if not username:
        raise ValidationFailed(
            _("This field is required."), fields={"username": [_("This field is required.")]}
        )
    if users.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            _("This user name is taken."), fields={"username": [_("This user name is taken.")]}
        )
    # staff (the staff API admits it, is_staff_member) but without a password: no browser sign-in
    user = users(username=username[:150], display_name=(display_name or "").strip()[:150], is_staff=True)
    user.set_unusable_password()
    user.save()
    audit_record(action=AuditEvent.Action.CREATE, actor=actor, obj=user, changes=diff({}, snapshot(user)))
    return user


SECRET_PREFIX = "bt_"  # noqa: S105  (a marker that helps secret scanners, not a secret)


MANAGE_TOKENS = "integrations.manage_webhooks"


def is_integration_user(user) -> bool:
    """A technical account (an ERP, a BI tool): active, no password to sign in with (tokens only),
    no employee record, not a superuser. IT issues tokens for these only, so no administrator can
    mint a token acting as a colleague."""
    from org.models import Employee

    return (
        user.is_active
        and not user.is_superuser
        and not user.has_usable_password()
        and not Employee.objects.filter(user_id=user.pk).exists()
    )


@transaction.atomic
def token_create(
    *,
    user,
    name: str,
    read_only: bool = False,
    credential: ApiToken | None = None,
    request=None,
    actor=None,
) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns it with the secret, which is never shown again.

    `credential` is the token the caller signed in with, if any: a token never issues tokens, or
    a leaked one would outlive its revocation through the tokens it made. `actor`: an IT
    administrator issuing a token for an integration user (default: the user themselves)."""
    if actor is not None and actor.pk != user.pk:
        if not (actor.is_superuser or actor.has_perm(MANAGE_TOKENS)):
            raise NotPermitted(_("You may not issue tokens for other accounts."))
        if not is_integration_user(user):
            message = _("Tokens are issued for integration accounts only (no password, no employee record).")
            raise ValidationFailed(message, fields={"user": [message]})
    if credential is not None:
        raise NotPermitted(
            _("API tokens are issued in a signed-in browser session only, never with another token.")
        )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A token needs a name."), fields={"name": [_("This field is required.")]})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=secret[:10], key_hash=hash_secret(secret), read_only=read_only
    )
    audit_record(action=AuditEvent.Action.CREATE, actor=actor or user, request=request, obj=token)
    return token, secret


@transaction.atomic
def token_revoke(*, actor, token: ApiToken, request=None) -> ApiToken:
    if token.user_id != actor.pk and not (actor.is_superuser or actor.has_perm(MANAGE_TOKENS)):
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
    """The active token for `secret`, with its user; marks it used (at most once a minute).

    The token and its user are remembered across requests (core.memo, scope "tokens") until a
    token or a user changes (see ApiConfig.ready): revoking a token or switching a user off is
    seen by every web process on its next request. Each request gets fresh model instances."""
    key_hash = hash_secret(secret)
    row = remembered(("token", key_hash), lambda: _token_row(key_hash), scope="tokens")
    if row is None:
        return None
    token_values, user_values = row
    token = ApiToken.from_db(DEFAULT_DB_ALIAS, _attnames(ApiToken), token_values)
    user = get_user_model().from_db(DEFAULT_DB_ALIAS, _attnames(get_user_model()), user_values)
    token.user = user
    if not user.is_active:
        return None
    now = timezone.now()
    last_used = max(filter(None, (token.last_used_at, _last_used.get(key_hash))), default=None)
    if last_used is None or (now - last_used).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        _last_used[key_hash] = last_used = now
    token.last_used_at = last_used
    return token


# when this process last marked each token used, by key hash (the remembered row keeps the value it
# was read with)
_last_used: dict[str, datetime.datetime] = {}


def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _token_row(key_hash: str) -> tuple[tuple, tuple] | None:
    # key_hash is unique: no ORDER BY/LIMIT needed (`first()` would sort by id)
    token = next(iter(ApiToken.objects.active().select_related("user").filter(key_hash=key_hash)), None)
    if token is None:
        return None
    return (
        tuple(getattr(token, name) for name in _attnames(ApiToken)),
        tuple(getattr(token.user, name) for name in _attnames(get_user_model())),
    )
