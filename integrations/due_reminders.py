"""Date-driven and event-driven reminders swept by beat (or the embedded ticker): the domain
apps' follow-ups, birthdays and waiting orders (core.reminders), employees' birthdays and
personal plans. Each goes out once per due event, even with two sweeps at the same moment.

Date-driven reminders are sent from REMINDER_SEND_HOUR (local time) on their day, and again
every FOLLOW_UP_REPEAT_DAYS days while still due.
"""

from __future__ import annotations

import datetime
import itertools
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.reminders import DueReminder, collect_due_reminders
from org.models import Employee

from .mailings import greeting_send
from .models import PersonalPlan, ReminderLog
from .services import notify

logger = logging.getLogger(__name__)
CHUNK = 1000


def _occurrence(reminder: DueReminder, local_now: datetime.datetime) -> str | None:
    """Which due event this sweep would remind of, or None when it is not time yet."""
    if reminder.due_on is None:
        return reminder.occurrence
    if local_now.hour < settings.REMINDER_SEND_HOUR:
        return None
    every = max(settings.FOLLOW_UP_REPEAT_DAYS, 1)
    cycle = (local_now.date() - reminder.due_on).days // every
    return f"{reminder.due_on.isoformat()}#{cycle}"


def _send_once(reminder: DueReminder, occurrence: str) -> bool:
    """Claim the reminder and send it in one transaction: a second sweep's claim waits for ours
    on the unique key and then fails, so nothing goes out twice and a failed send is retried."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(kind=reminder.kind, subject=reminder.subject, occurrence=occurrence)
            notify(
                recipients=[reminder.recipient],
                template=reminder.kind,
                context=reminder.context,
                url=reminder.url,
                channels=list(reminder.channels) if reminder.channels is not None else None,
            )
            if reminder.greeting:
                _greet(reminder)
    except IntegrityError:
        return False
    return True


def _greet(reminder: DueReminder) -> None:
    channel, address = reminder.greeting
    name = reminder.context.get("name", "")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Happy birthday, {name}!").format(name=name)
        body = _("Dear {name}, all the best on your birthday, with warm regards from {sender}.").format(
            name=name, sender=reminder.recipient.get_full_name() or reminder.recipient
        )
    try:
        greeting_send(
            sender=reminder.recipient, channel=channel, address=address, name=name, subject=subject, body=body
        )
    except ValidationFailed:  # an address that normalises to nothing: the owner is still reminded
        logger.warning("no greeting for %s: unusable address %r", reminder.subject, address)


def _employee_birthdays(today: datetime.date):
    for employee in Employee.objects.filter(
        active=True, birthday__month=today.month, birthday__day=today.day, user__isnull=False
    ).select_related("user"):
        yield DueReminder(
            kind="employee_birthday",
            subject=f"employee:{employee.pk}",
            recipient=employee.user,
            due_on=today,
            context={"name": str(employee.user.get_full_name() or employee.user)},
        )


def _personal_plans(now: datetime.datetime):
    # A plan whose time passed more than a day ago (the system was down) is not reminded late.
    for plan in PersonalPlan.objects.filter(
        done=False, remind_at__lte=now, remind_at__gt=now - datetime.timedelta(days=1)
    ).select_related("owner"):
        yield DueReminder(
            kind="plan_reminder",
            subject=f"plan:{plan.pk}",
            recipient=plan.owner,
            occurrence=plan.remind_at.isoformat(),
            context={
                "plan": plan.title,
                "notes": plan.notes
                or formats.date_format(timezone.localtime(plan.remind_at), "SHORT_DATETIME_FORMAT"),
            },
        )


def send_due_reminders(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    today = local_now.date()
    reminders = itertools.chain(
        collect_due_reminders(today=today), _employee_birthdays(today), _personal_plans(now)
    )
    sent: dict[str, int] = {}
    while chunk := list(itertools.islice(reminders, CHUNK)):
        due = []
        for reminder in chunk:
            if reminder.recipient is None or not reminder.recipient.is_active:
                continue
            occurrence = _occurrence(reminder, local_now)
            if occurrence is not None:
                due.append((reminder, occurrence))
        # One read per chunk skips what earlier sweeps sent; the unique key still decides races.
        done = set(
            ReminderLog.objects.filter(subject__in={r.subject for r, _o in due}).values_list(
                "kind", "subject", "occurrence"
            )
        )
        for reminder, occurrence in due:
            if (reminder.kind, reminder.subject, occurrence) in done:
                continue
            if _send_once(reminder, occurrence):
                sent[reminder.kind] = sent.get(reminder.kind, 0) + 1
    return sent
