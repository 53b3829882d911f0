"""Work-log writes: file or update my report for a day or a week (the period's activities and
completed tasks pulled in), and comment on a report (the author is notified; the author's reply
notifies those who commented)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, diff, snapshot
from core.errors import NotPermitted, ValidationFailed
from integrations.services import notify
from org.pickers import person_name

from .models import WorkReport, WorkReportComment
from .selectors import period_start, pulled_items

MAX_TEXT = 5000
DAYS_BACK = 31  # a log may be filed or corrected up to a month later
FIELDS = ("done", "planned", "problems")


def report_save(
    *, actor, period: str, day: datetime.date, done: str = "", planned: str = "", problems: str = ""
) -> WorkReport:
    """Create or update the actor's report for the period `day` falls in."""
    errors: dict[str, list[str]] = {}
    if period not in WorkReport.Period.values:
        errors["period"] = [_("Choose a daily log or a weekly report.")]
    texts = {
        name: (value or "").strip() for name, value in zip(FIELDS, (done, planned, problems), strict=True)
    }
    for name, text in texts.items():
        if len(text) > MAX_TEXT:
            errors[name] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    if not texts["done"] and not texts["planned"]:
        errors["done"] = [_("Write what you did or what you plan.")]
    today = timezone.localdate()
    if day is None:
        errors["day"] = [_("Enter a date.")]
    elif day > today + datetime.timedelta(days=7 if period == WorkReport.Period.WEEK else 1):
        errors["day"] = [_("A report is filed for today or a day that has passed (tomorrow for a plan).")]
    elif day < today - datetime.timedelta(days=DAYS_BACK):
        errors["day"] = [_("A report can be filed at most %(n)d days later.") % {"n": DAYS_BACK}]
    if errors:
        raise ValidationFailed(_("The report was not saved."), fields=errors)
    starts_on = period_start(period, day)
    with transaction.atomic():
        mine = WorkReport.objects.select_for_update().filter(author=actor, period=period)
        report = mine.filter(starts_on=starts_on).first()
        items = pulled_items(actor, period=period, starts_on=starts_on)
        if report is None:
            now = timezone.now()
            report = WorkReport.objects.create(
                author=actor,
                period=period,
                starts_on=starts_on,
                items=items,
                created_at=now,
                updated_at=now,
                **texts,
            )
            audit_record(action="create", actor=actor, obj=report)
            return report
        before = {k: v for k, v in snapshot(report).items() if k in FIELDS}
        for name, text in texts.items():
            setattr(report, name, text)
        report.items = items
        report.updated_at = timezone.now()
        report.save(update_fields=[*FIELDS, "items", "updated_at"])
        changes = diff(before, {k: v for k, v in snapshot(report).items() if k in FIELDS})
        if changes:
            audit_record(action="update", actor=actor, obj=report, changes=changes)
    return report


def comment_add(*, actor, report: WorkReport, body: str) -> WorkReportComment:
    """Comment on a report the actor may see; the author (or, for the author's reply, those who
    commented) is told."""
    if not WorkReport.objects.visible_to(actor).filter(pk=report.pk).exists():
        raise NotPermitted(_("You may not comment on this report."))
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write a comment."), fields={"body": [_("Write a comment.")]})
    if len(body) > MAX_TEXT:
        message = _("At most %(n)d characters.") % {"n": MAX_TEXT}
        raise ValidationFailed(message, fields={"body": [message]})
    with transaction.atomic():
        comment = WorkReportComment.objects.create(report=report, author=actor, body=body)
        audit_record(action="create", actor=actor, obj=comment, extra={"report": report.pk})
        if actor.pk == report.author_id:
            ids = set(report.comments.exclude(author=actor).values_list("author_id", flat=True))
            from django.contrib.auth import get_user_model

            recipients = list(get_user_model().objects.filter(pk__in=ids))
        else:
            recipients = [report.author]
        if recipients:
            url = reverse("worklogs:report", args=[report.pk]) + f"#c{comment.pk}"
            context = {
                "author": person_name(actor),
                "date": f"{report.starts_on:%Y-%m-%d}",
                "text": body[:200],
            }
            transaction.on_commit(
                lambda: notify(recipients=recipients, template="worklog_comment", context=context, url=url)
            )
    return comment
