"""Recording audit events."""

from __future__ import annotations

import datetime
import ipaddress
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from core import rows

from .middleware import current_request
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
    defer: bool = False,
) -> AuditEvent:
    """The one audit path: services (and the engine's sign-in/view/export hooks) call this in the
    transaction of the write. `actor` is a user or a running process (engine's ProcessActor):
    then the row names the user who drove the step, is labelled "<process> · <user>" and carries
    the instance id in `extra`. `defer`: the caller needs no key back, the row may go with the
    other writes of an open `core.rows.batched()` block."""
    event = _event(action, actor, request, obj, actor_label, changes, extra)
    # (a new row: what AuditEvent.save allows, without the ORM's statement building)
    rows.insert([event], defer=defer)
    return event


def _event(action, actor, request, obj, actor_label, changes, extra) -> AuditEvent:
    identity = getattr(actor, "audit_identity", None)
    if identity is not None:
        actor, process_label, process_extra = identity()
        actor_label = actor_label or process_label
        extra = {**process_extra, **(extra or {})}
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is None:
        request = current_request()
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
    return event


class _Entity:
    """Stands in for a record in audit_record when the row is about a whole entity (an export)."""

    def __init__(self, model):
        self._meta = model._meta
        self.pk = ""

    def __str__(self) -> str:
        return str(self._meta.verbose_name_plural)


def audit_view(request, obj, *, via: str, window: datetime.timedelta = datetime.timedelta(hours=1)) -> bool:
    """One "view" row per user, sensitive record (customer card, contact, order, document) and
    hour; True when a row was written."""
    user = request.user
    seen = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action=AuditEvent.Action.VIEW,
        actor=user,
        at__gte=timezone.now() - window,
    ).exists()
    if seen:
        return False
    audit_record(action=AuditEvent.Action.VIEW, actor=user, request=request, obj=obj, extra={"via": via})
    return True


def audit_export(request, model, *, count: int, params: dict, via: str) -> AuditEvent:
    """An export of `count` rows of `model` with the filters that chose them."""
    return audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        request=request,
        obj=_Entity(model),
        extra={"via": via, "entity": model._meta.label_lower, "rows": count, "filters": params},
    )


def audit_changes(*, actor, changes: list[tuple], extra: dict | None = None) -> None:
    """One "change" row per (record, {field: [old, new]}) pair, written in one statement (imports
    updating thousands of records); the same rows audit_record would write one by one."""
    events = [_event(AuditEvent.Action.CHANGE, actor, None, obj, "", diff_, extra) for obj, diff_ in changes]
    if events:
        rows.insert(events)


# Never copied into the audit log.
_SECRET_FIELDS = {"password", "key_hash", "secret"}


def snapshot(obj: models.Model) -> dict:
    """The object's concrete field values, JSON-safe (foreign keys as ids), for a change diff."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SECRET_FIELDS or getattr(field, "auto_now", False):
            continue
        value = field.value_from_object(obj)
        if isinstance(value, FieldFile):
            value = value.name or None
        values[field.attname if field.is_relation else field.name] = value
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for every field whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
