"""Each configuration import applied to this installation: who, when, from which file, and what
changed per section (the dry run writes nothing)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConfigImport(models.Model):
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    source = models.CharField(_("exported from"), max_length=255, blank=True)
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        ordering = ["-applied_at", "-pk"]
        verbose_name = _("configuration import")
        verbose_name_plural = _("configuration imports")
        # The administration area's "Configuration" section: export and import of the whole
        # company configuration, so it is a right of its own.
        permissions = [("manage_config", _("Can export and import the company configuration"))]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.applied_at:%Y-%m-%d %H:%M})"
