"""Saved reports of the report builder and the dashboards composed of them.

A saved report stores its definition as plain JSON (reports.builder.spec), never results: every
time someone opens it, it runs over the rows that person may see. Sharing a report or a dashboard
with a group lets its members open it, nothing more.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedReport(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    spec = models.JSONField(_("definition"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    shared_with = models.ManyToManyField(
        Group, verbose_name=_("shared with"), blank=True, related_name="shared_reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")

    def __str__(self) -> str:
        return self.name


class Dashboard(models.Model):
    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    shared_with = models.ManyToManyField(
        Group, verbose_name=_("shared with"), blank=True, related_name="shared_dashboards"
    )
    home_for = models.ManyToManyField(
        Group,
        verbose_name=_("home page of"),
        blank=True,
        related_name="home_dashboards",
        help_text=_("Members of these roles see this dashboard's tiles on their home page."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboards")
        permissions = [("publish_dashboard", _("Can put a dashboard on the home page of a role"))]

    def __str__(self) -> str:
        return self.name


class DashboardTile(models.Model):
    class Size(models.TextChoices):
        SMALL = "small", _("Small (a third)")
        MEDIUM = "medium", _("Medium (half)")
        WIDE = "wide", _("Wide (full width)")

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    report = models.ForeignKey(
        SavedReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    size = models.CharField(_("size"), max_length=8, choices=Size.choices, default=Size.MEDIUM)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("dashboard tile")
        verbose_name_plural = _("dashboard tiles")

    def __str__(self) -> str:
        return f"{self.dashboard} · {self.report}"
