"""The task list's own records: saved inbox filters (查询收藏), per user, shareable with a group."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedFilterQuerySet(models.QuerySet):
    def available_to(self, user, group_ids) -> SavedFilterQuerySet:
        """My own filters and those shared with one of my groups (a team's queue), mine first."""
        return (
            self.filter(Q(owner=user) | Q(shared_with_id__in=group_ids))
            .select_related("owner", "shared_with")
            .order_by(models.Case(models.When(owner=user, then=0), default=1), "name", "pk")
        )


class SavedFilter(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=80)
    params = models.JSONField(_("filter"), default=dict, help_text=_("the inbox view, filters and sort"))
    shared_with = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("shared with"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SavedFilterQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        indexes = [models.Index(fields=["owner", "name"], name="tasklist_filter_owner")]

    def __str__(self) -> str:
        return self.name


def _attachment_path(instance, filename: str) -> str:
    return f"task-attachments/{instance.process_instance_id}/{uuid.uuid4().hex}/{filename}"


class TaskAttachment(models.Model):
    """A file added to a task (a quote, a photo, a signed form); it stays with the process instance,
    so the next steps see it too."""

    process_instance = models.ForeignKey(
        "engine.ProcessInstance",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("process instance"),
    )
    human_task = models.ForeignKey(
        "engine.HumanTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["process_instance", "uploaded_at"], name="tasklist_attach_instance")]

    def __str__(self) -> str:
        return self.name


class ListColumns(models.Model):
    """The columns one person chose for one staff list (a generic object view), in their order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(_("list"), max_length=60)  # "<namespace>:<entity key>"
    columns = models.JSONField(_("columns"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("list columns")
        verbose_name_plural = _("list columns")
        constraints = [models.UniqueConstraint(fields=["user", "list_key"], name="tasklist_listcolumns_user")]

    def __str__(self) -> str:
        return self.list_key


class ListLayout(models.Model):
    """A role's default columns of one staff list, in their order, set by an administrator; a
    person's own choice (ListColumns) comes first."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+", verbose_name=_("role"))
    list_key = models.CharField(_("list"), max_length=60)
    columns = models.JSONField(_("columns"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("list layout")
        verbose_name_plural = _("list layouts")
        constraints = [
            models.UniqueConstraint(fields=["group", "list_key"], name="tasklist_listlayout_group")
        ]

    def __str__(self) -> str:
        return self.list_key
