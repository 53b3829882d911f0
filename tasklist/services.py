"""Writes of the task list's own records (saved filters). Task actions are engine services."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import NotPermitted, ValidationFailed

from .models import SavedFilter, TaskAttachment
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
