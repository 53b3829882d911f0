"""Engine events → notifications and webhooks."""

from django.dispatch import receiver

from core.events import business_event, notification_requested
from engine import signals as engine_signals

from .services import notify, process_name, queue_robots, robot_announce, subject_for
from .webhooks import EVENTS, publish


def _instance_data(instance) -> dict:
    return {
        "instance": instance.pk,
        "process": instance.key,
        "version": instance.definition.version,
        "status": instance.status,
        "business_object": instance.business_object_label,
        "started_by": instance.started_by.username if instance.started_by else None,
    }


def _task_data(task) -> dict:
    return {
        "task": task.pk,
        "instance": task.instance_id,
        "process": task.definition_key,
        "element": task.element_id,
        "name": task.name,
        "status": task.status,
        "assignee": task.assignee.username if task.assignee else None,
        "candidate_groups": task.candidate_groups,
        "due_at": task.due_at,
        "business_object": task.business_object_label,
    }


@receiver(engine_signals.task_created, dispatch_uid="integrations_task_created")
def _task_created(sender, instance, human_task, **kwargs):
    if human_task.assignee:
        recipients = [human_task.assignee]
    elif human_task.candidate_users:  # (the names of the users offered it directly, if any)
        recipients = [c.user for c in human_task.candidates.select_related("user").filter(user__isnull=False)]
    else:  # offered to groups only: their queues show it, nobody is notified one by one
        recipients = []
        _announce_to_group_robots(instance, human_task)
    if recipients:
        notify(
            recipients=recipients,
            template="task_assigned",
            context={
                "task": human_task.name,
                "process": process_name(instance),
                "subject": subject_for(recipients, human_task),
            },
            url=f"/tasks/{human_task.pk}/",
        )
    publish("task.created", lambda: _task_data(human_task))


def _announce_to_group_robots(instance, human_task) -> None:
    """The group chat hears of a task waiting in a queue when IT switched that on (the message is
    not even written otherwise: every task offered to a group comes through here)."""
    if not queue_robots():
        return
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    with translation.override(settings.LANGUAGE_CODE):
        title = _("Waiting in the queue: %(task)s") % {"task": human_task.name}
        text = _("%(task)s (%(process)s) waits for someone to take it. %(subject)s") % {
            "task": human_task.name,
            "process": process_name(instance),
            "subject": human_task.business_object_label,
        }
    robot_announce(title=title, text=text.strip(), url=f"/tasks/{human_task.pk}/")


@receiver(engine_signals.task_completed, dispatch_uid="integrations_task_completed")
def _task_completed(sender, instance, human_task, user=None, data=None, **kwargs):
    publish(
        "task.completed",
        lambda: {**_task_data(human_task), "completed_by": user.username if user else None},
    )


@receiver(engine_signals.instance_started, dispatch_uid="integrations_instance_started")
def _instance_started(sender, instance, **kwargs):
    publish("instance.started", lambda: _instance_data(instance))


@receiver(engine_signals.instance_ended, dispatch_uid="integrations_instance_ended")
def _instance_ended(sender, instance, status, **kwargs):
    publish(
        "instance.completed" if status == "completed" else "instance.cancelled",
        lambda: _instance_data(instance),
    )


@receiver(notification_requested, dispatch_uid="integrations_notification_requested")
def _notification_requested(sender, recipients, template, context, url="", channels=None, **kwargs):
    return notify(recipients=recipients, template=template, context=context, url=url, channels=channels)


@receiver(business_event, dispatch_uid="integrations_business_event_webhooks")
def _business_event(sender, name, business_object=None, actor=None, variables=None, **kwargs):
    """A domain event (a customer created, an order moved…) goes to the webhooks that ask for it."""
    if name not in EVENTS:
        return None

    def payload() -> dict:
        data = {
            "object": {
                "type": business_object._meta.label_lower if business_object is not None else None,
                "id": business_object.pk if business_object is not None else None,
                "label": str(business_object) if business_object is not None else "",
            },
            "actor": str(actor) if actor is not None else None,
        }
        data.update(
            {k: v for k, v in (variables or {}).items() if isinstance(v, str | int | float | bool | None)}
        )
        return data

    publish(name, payload)
    return None
