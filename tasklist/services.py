"""Writes of the task list's own records (saved filters). Task actions are engine services."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict, NotPermitted, ValidationFailed
from engine import services as engine_services
from engine.selectors import ProcessInstance

from .models import ListColumns, ListLayout, SavedFilter, TaskAttachment
from .selectors import VIEWS

PARAM_NAMES = ("view", "process", "task_name", "object_type", "due", "priority", "text", "sort")
MAX_FILTERS_PER_USER = 30


def saved_filter_create(*, owner, name: str, params: dict, shared_with: Group | None = None) -> SavedFilter:
    name = (name or "").strip()[:80]
    if not name:
        raise ValidationFailed(_("Give the filter a name."), fields={"name": [_("Give the filter a name.")]})
    clean = {k: str(v)[:200] for k, v in params.items() if k in PARAM_NAMES and v not in (None, "")}
    if clean.get("view") not in VIEWS:
        clean["view"] = "mine"
    if shared_with is not None and not owner.groups.filter(pk=shared_with.pk).exists():
        raise NotPermitted(_("You can share a filter only with a group you belong to."))
    with transaction.atomic():
        if SavedFilter.objects.filter(owner=owner).count() >= MAX_FILTERS_PER_USER:
            raise ValidationFailed(_("You have too many saved filters; delete some first."))
        return SavedFilter.objects.create(owner=owner, name=name, params=clean, shared_with=shared_with)


def saved_filter_delete(*, actor, saved_filter: SavedFilter) -> None:
    if saved_filter.owner_id != actor.pk:
        raise NotPermitted(_("Only the person who saved a filter can delete it."))
    saved_filter.delete()


def list_columns_set(
    *, actor, list_key: str, columns: list[str], offered: list[str], keep_order: bool = False
) -> list[str]:
    """Keep the columns `actor` chose for a list, in the offered order (`keep_order`: in the order
    given); none chosen goes back to the list's defaults (their role's layout, else the declared
    ones). A personal view setting: no audit row."""
    if keep_order:
        chosen = list(dict.fromkeys(name for name in columns if name in set(offered)))
    else:
        chosen = [name for name in offered if name in set(columns)]
    if not chosen:
        ListColumns.objects.filter(user=actor, list_key=list_key).delete()
        return []
    ListColumns.objects.update_or_create(user=actor, list_key=list_key, defaults={"columns": chosen})
    return chosen


def list_layout_set(
    *, actor, group: Group, list_key: str, columns: list[str], offered: list[str]
) -> list[str]:
    """A role's default columns of a list, in order (Administration > Data model); none goes back
    to the declared defaults. Audited with the before and after."""
    from audit.services import audit_record

    if not (actor.is_superuser or actor.has_perm("crm.manage_data_model")):
        raise NotPermitted(_("You may not administer the data model."))
    chosen = list(dict.fromkeys(name for name in columns if name in set(offered)))
    layout = ListLayout.objects.filter(group=group, list_key=list_key).first()
    before = list(layout.columns) if layout else []
    if chosen:
        layout, _created = ListLayout.objects.update_or_create(
            group=group, list_key=list_key, defaults={"columns": chosen}
        )
    if before != chosen:
        audit_record(
            action="change",
            actor=actor,
            obj=layout,
            changes={"columns": [", ".join(before), ", ".join(chosen)]},
            extra={"list": list_key, "role": group.name},
        )
    if not chosen and layout is not None:
        layout.delete()
    return chosen


# -- attachments ------------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_SUFFIXES = (
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".txt",
    ".csv",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
)


def attachment_add(*, actor, task, upload) -> TaskAttachment:
    """Keep a file with the task's process instance (checked: size, kind, that the actor may work on
    or follow the task)."""
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    if not name:
        raise ValidationFailed(_("Choose a file."), fields={"file": [_("Choose a file.")]})
    if not name.lower().endswith(ATTACHMENT_SUFFIXES):
        message = _("Attach a PDF, an image, a text, Word or Excel file.")
        raise ValidationFailed(message, fields={"file": [message]})
    if upload.size > MAX_ATTACHMENT_BYTES:
        message = _("The file is larger than 10 MB.")
        raise ValidationFailed(message, fields={"file": [message]})
    with transaction.atomic():
        return TaskAttachment.objects.create(
            process_instance_id=task.instance_id,
            human_task=task,
            file=upload,
            name=name,
            size=upload.size,
            uploaded_by=actor,
        )


# -- withdrawing a request ------------------------------------------------------------------------


def _release_order(*, actor, obj, reason):
    from crm.models import Order
    from crm.services.commerce import order_set_status

    if obj.status == Order.Status.SUBMITTED:  # cancelling releases its reserved stock
        order_set_status(actor=actor, order=obj, status=Order.Status.CANCELLED, note=reason)


def _release_service_request(*, actor, obj, reason):
    from crm.models import ServiceRequest
    from crm.services.service import service_request_update

    if obj.status == ServiceRequest.Status.OPEN:
        service_request_update(actor=actor, request=obj, status=ServiceRequest.Status.CANCELLED)


def _releases() -> dict:
    """What a withdrawn request gives back, per business object ("app.model")."""
    from crm.services.levels import customer_level_change_withdraw
    from office.services import leave_request_withdraw, vehicle_request_withdraw
    from office.supplies import supply_request_withdraw

    return {
        "office.leaverequest": lambda *, actor, obj, reason: leave_request_withdraw(
            actor=actor, request=obj, reason=reason
        ),
        "office.vehiclerequest": lambda *, actor, obj, reason: vehicle_request_withdraw(
            actor=actor, request=obj, reason=reason
        ),
        "crm.levelchangerequest": lambda *, actor, obj, reason: customer_level_change_withdraw(
            actor=actor, request=obj, reason=reason
        ),
        "office.supplyrequest": lambda *, actor, obj, reason: supply_request_withdraw(
            actor=actor, request=obj, reason=reason
        ),
        "crm.order": _release_order,
        "crm.servicerequest": _release_service_request,
    }


@transaction.atomic
def request_withdraw(*, actor, instance: ProcessInstance, reason: str = "") -> ProcessInstance:
    """The requester takes back a running request: its process is cancelled through the engine
    (who and why recorded in its history) and what the request held is released in the same
    transaction (pending leave days, a booked vehicle's period, an order's reserved stock)."""
    reason = (reason or "").strip()[:500]
    if instance.started_by_id is None or instance.started_by_id != getattr(actor, "pk", None):
        raise NotPermitted(_("Only the person who made a request may withdraw it."))
    if not instance.is_running:
        raise Conflict(_("This request has already ended."))
    instance = engine_services.cancel_instance(instance.pk, user=actor, reason=reason)
    content_type = instance.business_object_type
    if content_type is not None and instance.business_object_id:
        release = _releases().get(f"{content_type.app_label}.{content_type.model}")
        obj = content_type.model_class()._default_manager.filter(pk=instance.business_object_id).first()
        if release is not None and obj is not None:
            release(actor=actor, obj=obj, reason=reason)
    return instance
