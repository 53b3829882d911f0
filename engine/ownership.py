"""Fields a process drives on its business object, and the refusal when anyone else tries.

A model declares them once, as `PROCESS_OWNED_FIELDS = {field: process key}` (the list per model
is in bpmn/README.md, "Fields the processes own"). While an instance of that process runs on the
record, only that instance (a ProcessActor, what connectors pass) may change them; the API, the
UI, imports and the admin get a Conflict (409) naming the process and the task it waits at.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from core.errors import Conflict

from .connectors import ProcessActor, process_name
from .models import HumanTask, ProcessInstance


def owned_fields(model) -> dict[str, str]:
    """{field: process key} the model declares as driven by a process."""
    return dict(getattr(model, "PROCESS_OWNED_FIELDS", {}))


def running_instance(obj, keys: Iterable[str]) -> ProcessInstance | None:
    """The oldest running instance of one of `keys` whose business object is `obj`."""
    keys = set(keys)
    if not keys or obj.pk is None:
        return None
    return (
        ProcessInstance.objects.select_related("definition")
        .filter(
            business_object_type=ContentType.objects.get_for_model(type(obj)),
            business_object_id=str(obj.pk),
            key__in=keys,
            status=ProcessInstance.Status.RUNNING,
        )
        .order_by("pk")
        .first()
    )


def owned_by_process_error(obj, instance: ProcessInstance, fields: Iterable[str]) -> Conflict:
    """ "Order SO000002 is in the process 'Order approval', waiting at 'Manager approval'; its
    status changes only through that process." (the task part left out when no task is open)."""
    labels = ", ".join(str(type(obj)._meta.get_field(f).verbose_name) for f in fields)
    task = HumanTask.objects.open().filter(instance=instance).order_by("pk").values_list("name", flat=True)
    values = {
        "object": f"{type(obj)._meta.verbose_name.capitalize()} {obj}",
        "process": process_name(instance),
        "task": next(iter(task), ""),
        "fields": labels,
    }
    if values["task"]:
        message = (
            _(
                "%(object)s is in the process “%(process)s”, waiting at “%(task)s”; "
                "its %(fields)s changes only through that process."
            )
            % values
        )
    else:
        message = (
            _("%(object)s is in the process “%(process)s”; its %(fields)s changes only through that process.")
            % values
        )
    return Conflict(
        message,
        code="owned_by_process",
        location={"process": instance.key, "instance": instance.pk, "task": values["task"]},
    )


def require_process_authority(*, actor, obj, fields: Iterable[str]) -> None:
    """Refuse a change of `fields` on `obj` that a running process owns, unless `actor` is that
    very process. Fields no process owns, or whose process is not running on `obj`, pass."""
    owned = owned_fields(type(obj))
    touched = [f for f in fields if f in owned]
    if not touched:
        return
    keys = {owned[f] for f in touched}
    if isinstance(actor, ProcessActor) and actor.instance.key in keys and _is_about(actor.instance, obj):
        return
    instance = running_instance(obj, keys)
    if instance is not None:
        raise owned_by_process_error(obj, instance, [f for f in touched if owned[f] == instance.key])


def _is_about(instance, obj) -> bool:
    linked = instance.business_object_type
    return (
        linked is not None
        and (linked.app_label, linked.model) == (obj._meta.app_label, obj._meta.model_name)
        and instance.business_object_id == str(obj.pk)
    )


class ProcessOwnedReadOnlyAdmin:
    """ModelAdmin mixin: the fields a process owns are shown read-only in the admin."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [f for f in owned_fields(self.model) if f not in fields]
