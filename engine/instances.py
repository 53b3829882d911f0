"""Starting and cancelling process instances."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from core import rows
from core.pickers import PickerContext, picker_errors

from . import runtime
from . import signals as engine_signals
from .definitions import active_definition, start_form_schema
from .errors import (
    InstanceNotRunning,
    NotPermitted,
    ValidationFailed,
)
from .forms import only_declared, validate_form_data
from .human_tasks import is_task_admin
from .models import (
    DefinitionVersion,
    HumanTask,
    HumanTaskCandidate,
    Incident,
    InstanceEvent,
    MessageSubscription,
    ProcessInstance,
    Timer,
)
from .step import (
    StepResult,
    audit,
    finish,
    load,
    lock_instance,
    raise_user_fixable,
    real_user,
    save_state,
    send_after_commit,
    start,
)

logger = logging.getLogger(__name__)


def _validate_start_form(definition: DefinitionVersion, form_data, started_by=None) -> dict:
    """What a person sent to start a process: exactly the fields of its start form."""
    if form_data is None:
        return {}
    if not isinstance(form_data, dict):
        raise ValidationFailed(_("Start data must be an object of field values."))
    try:
        clean = runtime.json_safe(form_data)
    except (TypeError, ValueError) as error:
        raise ValidationFailed(_("Start data cannot be stored: %(error)s") % {"error": error}) from None
    schema = start_form_schema(definition)
    errors = only_declared(schema, clean, {}, start=True)
    if not errors and schema:
        errors = validate_form_data(schema, clean)
    if not errors and schema:
        errors = picker_errors(schema, clean, PickerContext(viewer=started_by))
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    return clean


def start_process(
    key: str,
    *,
    started_by,
    business_object=None,
    variables=None,
    form_data=None,
) -> ProcessInstance:
    """Start the active version of `key` and run it to its first wait (human task, timer, message).

    `variables` are set by trusted code (a start binding, a service); `form_data` is what a person
    sent, held to the process's start form. Neither can set the engine's own variables."""
    return start_process_step(
        key,
        started_by=started_by,
        business_object=business_object,
        variables=variables,
        form_data=form_data,
    ).instance


def start_process_step(
    key: str,
    *,
    started_by,
    business_object=None,
    variables=None,
    form_data=None,
) -> StepResult:
    """start_process, answering with what the step left open (StepResult)."""
    definition = active_definition(key)
    clean = _validate_start_form(definition, form_data, started_by)
    with transaction.atomic(), rows.batched():
        step = start(
            definition,
            started_by=started_by,
            business_object=business_object,
            variables=variables,
            form_data=clean,
        )
        raise_user_fixable(step)
        result = finish(step)
        audit(
            started_by,
            step.instance,
            "start",
            action=AuditEvent.Action.CREATE,
            changes={k: [None, v] for k, v in clean.items()},
            process=key,
        )
    return result


def cancel_instance(
    instance_id: int, *, user, reason: str = "", permitted_by_caller: bool = False
) -> ProcessInstance:
    """Stop a running instance: open tasks are cancelled, waits removed, the reason recorded.

    `permitted_by_caller`: a domain service that has checked its own business permission (e.g.
    merging a duplicate complaint, which ends the duplicate's process) stops the instance in
    `user`'s name without the person holding the engine's cancel right over every instance."""
    with transaction.atomic():
        instance = lock_instance(instance_id)
        if not (
            permitted_by_caller
            or is_task_admin(user)
            or (user is not None and instance.started_by_id == user.pk)
            or (user is not None and user.has_perm("engine.change_processinstance"))
        ):
            raise NotPermitted(_("You may not cancel this process instance."))
        if not instance.is_running:
            raise InstanceNotRunning(
                _("The process instance is already %(status)s.") % {"status": instance.get_status_display()}
            )
        step = load(instance, actor=user)
        step.workflow.cancel()
        now = timezone.now()
        open_tasks = HumanTask.objects.filter(instance=instance, status=HumanTask.Status.READY)
        HumanTaskCandidate.objects.filter(task__in=open_tasks).update(open=False)
        open_tasks.update(status=HumanTask.Status.CANCELLED)
        Timer.objects.filter(instance=instance, status__in=Timer.PENDING).update(
            status=Timer.Status.CANCELLED
        )
        MessageSubscription.objects.filter(instance=instance).delete()
        Incident.objects.filter(instance=instance, status=Incident.Status.OPEN).update(
            status=Incident.Status.RESOLVED, resolved_at=now, resolved_by=real_user(user), next_retry_at=None
        )
        instance.status = ProcessInstance.Status.CANCELLED
        instance.ended_at = now
        instance.updated_at = now
        step.event(InstanceEvent.Kind.CANCELLED, data={"reason": reason or ""})
        save_state(step)
        instance.save()
        step.flush_events()
        audit(user, instance, "cancel", changes={"status": ["running", "cancelled"]}, reason=reason or "")
        step.send(engine_signals.instance_ended, instance=instance, status=instance.status)
        send_after_commit(step)
    return instance
