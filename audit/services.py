"""Recording audit events."""

from __future__ import annotations

from django.conf import settings

from core import rows

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


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
