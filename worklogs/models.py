"""Work plans and logs: a person's daily or weekly report (what I did, what I plan, problems) with
the day's CRM activities and completed tasks pulled in, and the comments on it.

Glossary: 工作日志 = daily log (daily report), 周报 = weekly report, 工作计划 = plan,
批注/点评 = (manager's) comment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkReportQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """My own reports; a manager also sees those of their team (the departments they head,
        with everything below, and the people who report to them, at any depth). Only the author
        changes a report; whoever sees it may comment."""
        from .selectors import team_user_ids

        if user is None or not user.is_authenticated:
            return self.none()
        if action == "change":
            return self.filter(author=user)
        if user.is_superuser:
            return self
        return self.filter(Q(author=user) | Q(author_id__in=team_user_ids(user)))


class WorkReport(models.Model):
    class Period(models.TextChoices):
        DAY = "day", _("Daily log")
        WEEK = "week", _("Weekly report")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    # the day, or the Monday of the week
    starts_on = models.DateField(_("date"))
    done = models.TextField(_("What I did"), blank=True)
    planned = models.TextField(_("What I plan next"), blank=True)
    problems = models.TextField(_("Problems and help needed"), blank=True)
    # the activities and completed tasks of the period, as they stood when the report was saved
    items = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = WorkReportQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        constraints = [
            models.UniqueConstraint(fields=["author", "period", "starts_on"], name="worklogs_one_per_period")
        ]
        indexes = [models.Index(fields=["period", "starts_on"], name="worklogs_team_day")]

    def __str__(self) -> str:
        return f"{self.get_period_display()} {self.starts_on}"


class WorkReportComment(models.Model):
    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:50]
