"""Recording audit events."""

from __future__ import annotations

import ipaddress

from django.conf import settings

from core import rows

from .models import AuditEvent


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For
    entry the outermost of them wrote (the same rule as DRF's NUM_PROXIES).

    Entries left of that one come from the client and prove nothing; keying the sign-in lockout on
    them would let an attacker dodge it, keying it on the proxy's address would let anyone lock any
    account out for everybody. Also django-axes's AXES_CLIENT_IP_CALLABLE."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded.strip():
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    candidate = entries[-min(proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # a proxy that writes something else (a port, "unknown"): the connection's address is all
        # we know for sure
        return remote


def audit_record(
    *,
    action: str,
    actor=None,
    request=None,
    obj=None,
    actor_label: str = "",
    changes: dict | None = None,
    extra: dict | None = None,
) -> AuditEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    label = actor_label or (actor.get_username() if actor is not None else "")
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_label=label[:150],
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:255],
        changes=changes or {},
        extra=extra or {},
    )
    if obj is not None:
        event.object_type = obj._meta.label_lower
        event.object_id = str(obj.pk)
        event.object_label = str(obj)[:255]
    rows.insert([event])  # (a new row: what AuditEvent.save allows, without the ORM's statement building)
    return event
