"""Personal plans (个人计划): a person's own to-dos with a reminder time (sent by the sweep)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

from .models import PersonalPlan


def plan_create(*, owner, title: str, remind_at: str = "", notes: str = "") -> PersonalPlan:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Say what you plan to do.")]
    when = None
    if remind_at:
        when = parse_datetime(remind_at)
        if when is None:
            errors["remind_at"] = [_("Enter a date and time, e.g. 2026-03-10 14:00.")]
        elif timezone.is_naive(when):
            when = timezone.make_aware(when)
    if errors:
        raise ValidationFailed(_("The plan was not saved."), fields=errors)
    return PersonalPlan.objects.create(owner=owner, title=title[:200], notes=notes, remind_at=when)


def plan_done(*, owner, plan_id: int) -> int:
    return PersonalPlan.objects.filter(owner=owner, pk=plan_id).update(done=True)
