"""Sign-in marks a portal user's session (the wall in portal.middleware reads the mark); customers
are told by e-mail when a process puts a task in their portal to-do list, and the submitter of a
request when it moves on to a new step.

The staff notification for a new task (integrations' `task_assigned`: the process key and a link
to the staff inbox) means nothing to a customer and points where they cannot go, so a new portal
account opts out of it; the portal's own e-mail below replaces it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from crm.models import Complaint, Order, ServiceRequest
from engine import signals as engine_signals
from engine.selectors import portal as engine_portal
from integrations.services import preference_set

from .models import PortalAccount
from .selectors import PORTAL_SESSION_KEY, task_label


@receiver(post_save, sender=PortalAccount, dispatch_uid="portal_account_notifications")
def _portal_account_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        preference_set(user=instance.user, template="task_assigned", channels=[])


@receiver(user_logged_in, dispatch_uid="portal_mark_session")
def _mark_portal_session(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    account_id = PortalAccount.objects.filter(user=user).values_list("pk", flat=True).first()
    if account_id is None:
        request.session.pop(PORTAL_SESSION_KEY, None)
    else:
        request.session[PORTAL_SESSION_KEY] = account_id


def _send(user, subject: str, template: str, context: dict) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject_text = translation.gettext(subject)
        body = render_to_string(template, {"user": user, **context})
    transaction.on_commit(lambda: send_mail(subject_text, body, None, [user.email], fail_silently=True))


def _submitter(human_task):
    """(portal account of the submitter, kind, record) for a task about a portal-submitted record."""
    for model, kind in ((Complaint, "complaint"), (ServiceRequest, "service"), (Order, "order")):
        if human_task.business_object_type_id == ContentType.objects.get_for_model(model).pk:
            record = (
                model.objects.filter(pk=human_task.business_object_id)
                .only("pk", "code", "created_by")
                .first()
            )
            if record is None or record.created_by_id is None:
                return None, None, None
            account = (
                PortalAccount.objects.select_related("user").filter(user_id=record.created_by_id).first()
            )
            return account, kind, record
    return None, None, None


@receiver(engine_signals.task_created, dispatch_uid="portal_customer_task_created")
def _customer_task_created(sender, instance, human_task, **kwargs):
    if human_task.assignee_id is not None:
        account = PortalAccount.objects.select_related("user").filter(user_id=human_task.assignee_id).first()
        if account is not None:
            if account.user.is_active and account.user.email:
                _send(
                    account.user,
                    gettext_noop("A task waits for you in the customer portal"),
                    "portal/email/task_waiting.txt",
                    {"step": task_label(human_task), "path": reverse("portal:task", args=[human_task.pk])},
                )
            return
    account, kind, record = _submitter(human_task)
    if account is None or not account.user.is_active or not account.user.email:
        return
    if not engine_portal.has_completed_task(instance):
        return  # the first step: the confirmation page has just shown it
    path = (
        reverse("portal:order", args=[record.pk])
        if kind == "order"
        else reverse("portal:request", kwargs={"kind": kind, "pk": record.pk})
    )
    _send(
        account.user,
        gettext_noop("Your request has moved on"),
        "portal/email/step_changed.txt",
        {"step": task_label(human_task), "reference": record.code, "path": path},
    )
