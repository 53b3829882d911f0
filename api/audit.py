"""Audit rows for API writes (field-level diffs), views of sensitive cards and exports.

Writes made through the API always leave one audit row. Some domain services already record
their own; then the API adds none, so the log holds one row per write.
"""

from __future__ import annotations

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record

# Never copied into the audit log.
_SECRET_FIELDS = {"password", "key_hash"}


def snapshot(obj: models.Model) -> dict:
    """The object's concrete field values, JSON-safe (foreign keys as ids)."""
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


def watermark() -> int:
    """The newest audit row id; rows above it were written during the current request."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def already_audited(mark: int, *, action: str, object_type: str, object_id: str) -> bool:
    return AuditEvent.objects.filter(
        id__gt=mark, action=action, object_type=object_type, object_id=object_id
    ).exists()


class _Ref:
    """Stands in for an object in audit_record: a deleted one (its pk is gone) or a whole entity."""

    def __init__(self, obj: models.Model, pk, label: str):
        self._meta = obj._meta
        self.pk = pk
        self._label = label

    def __str__(self) -> str:
        return self._label


def record_write(request, *, action: str, obj, mark: int, changes: dict, pk=None, label=None) -> None:
    object_type = obj._meta.label_lower
    object_id = str(pk if pk is not None else obj.pk)
    if already_audited(mark, action=action, object_type=object_type, object_id=object_id):
        return
    target = _Ref(obj, object_id, label or str(obj)) if action == AuditEvent.Action.DELETE else obj
    audit_record(
        action=action,
        actor=request.user,
        request=request,
        obj=target,
        changes=changes,
        extra={"via": "api", "path": request.path[:200]},
    )


def create_audited(request, make):
    """`make()` (a service creating one record) and the record's audit row, in one transaction."""
    with transaction.atomic():
        mark = watermark()
        obj = make()
        record_write(
            request, action=AuditEvent.Action.CREATE, obj=obj, mark=mark, changes=diff({}, snapshot(obj))
        )
    return obj


def record_view(request, obj, *, window: datetime.timedelta = datetime.timedelta(hours=1)) -> bool:
    """One 'view' row per user, object and hour; True when a row was written."""
    user = request.user
    since = timezone.now() - window
    object_type = obj._meta.label_lower
    seen = AuditEvent.objects.filter(
        object_type=object_type,
        object_id=str(obj.pk),
        action=AuditEvent.Action.VIEW,
        actor=user,
        at__gte=since,
    ).exists()
    if seen:
        return False
    audit_record(action=AuditEvent.Action.VIEW, actor=user, request=request, obj=obj, extra={"via": "api"})
    return True


def record_export(request, model: type[models.Model], *, count: int, params: dict) -> None:
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        request=request,
        obj=_Ref(model, "", str(model._meta.verbose_name_plural)),
        extra={"via": "api", "entity": model._meta.label_lower, "rows": count, "filters": params},
    )
