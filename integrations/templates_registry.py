"""Notification templates per event, translated, with their placeholders checked.

A template is plain text with `{placeholder}` fields; rendering with a context that lacks one of
them raises TemplateError naming it, rather than sending "Dear {name}" to a customer.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Channel


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class NotificationTemplate:
    name: str
    title: str
    body: str
    sms: str
    channels: tuple[str, ...]

    def fields(self) -> set[str]:
        names = set()
        for text in (self.title, self.body, self.sms):
            names |= {field for _lit, field, _fmt, _conv in string.Formatter().parse(str(text)) if field}
        return names

    def render(self, context: dict) -> dict[str, str]:
        missing = sorted(self.fields() - set(context))
        if missing:
            raise TemplateError(
                f"Notification template '{self.name}' uses {', '.join('{' + m + '}' for m in missing)}, "
                f"which the event did not provide (it gave: {', '.join(sorted(context)) or 'nothing'})."
            )
        values = {k: "" if v is None else v for k, v in context.items()}
        return {part: str(getattr(self, part)).format_map(values) for part in ("title", "body", "sms")}


TEMPLATES: dict[str, NotificationTemplate] = {}


def register_template(
    name: str, *, title, body, sms=None, channels=(Channel.IN_APP,)
) -> NotificationTemplate:
    template = NotificationTemplate(
        name=name, title=title, body=body, sms=sms or title, channels=tuple(channels)
    )
    TEMPLATES[name] = template
    return template


def get_template(name: str) -> NotificationTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise TemplateError(f"There is no notification template named '{name}'.") from None


register_template(
    "task_assigned",
    title=_("New task: {task}"),
    body=_("{task} ({process}) is waiting for you. {subject}"),
    sms=_("Baton: new task {task} {subject}"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "task_due_soon",
    title=_("Due soon: {task}"),
    body=_("{task} ({process}) is due at {due}. {subject}"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "task_overdue",
    title=_("Overdue: {task}"),
    body=_("{task} ({process}) was due at {due}. {subject}"),
    sms=_("Baton: {task} is overdue (due {due})"),
    channels=(Channel.IN_APP, Channel.EMAIL, Channel.SMS),
)
register_template(
    "task_escalated",
    title=_("Overdue in your team: {task}"),
    body=_("{assignee} has not finished {task} ({process}), due at {due}. {subject}"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "process_outcome",
    title=_("{process}: {outcome}"),
    body=_("{subject} — {outcome}. {comment}"),
    sms=_("Baton: {process} {outcome}"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "customer_follow_up",
    title=_("Follow up with {name}"),
    body=_("The next follow-up with {name} was planned for {date}."),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "lead_follow_up",
    title=_("Follow up the lead {name}"),
    body=_("The next follow-up of the lead {name} was planned for {date}."),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "activity_follow_up",
    title=_("Follow up with {name}: {activity}"),
    body=_("After “{activity}” you planned to follow up with {name} on {date}."),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "contact_birthday",
    title=_("Birthday today: {name} ({customer})"),
    body=_("{name} of {customer} has a birthday today; a good day to send greetings."),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "employee_birthday",
    title=_("Happy birthday, {name}!"),
    body=_("Best wishes on your birthday from all your colleagues."),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "order_not_handled",
    title=_("Order {order} is waiting for you"),
    body=_("Order {order} for {customer} has been {status} without a next step."),
    sms=_("Baton: order {order} ({customer}) is waiting for you: {status}"),
    channels=(Channel.IN_APP, Channel.SMS),
)
register_template(
    "instalment_due",
    title=_("Payment due: {contract} instalment {sequence}"),
    body=_("Instalment {sequence} of contract {contract} ({customer}), ¥{amount}, falls due on {date}."),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "instalment_overdue",
    title=_("Payment overdue: {contract} instalment {sequence}"),
    body=_(
        "Instalment {sequence} of contract {contract} ({customer}), ¥{amount}, was due on {date} "
        "and is not paid."
    ),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "plan_reminder",
    title=_("Reminder: {plan}"),
    body=_("{notes}"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "campaign_task_assigned",
    title=_("Campaign task: {task}"),
    body=_("{by} gave you a task in the campaign “{campaign}”: {task} (due {due})."),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "campaign_task_done",
    title=_("Done: {task}"),
    body=_("{by} finished “{task}” in the campaign “{campaign}”."),
    channels=(Channel.IN_APP,),
)
register_template(
    "pool_recycle_warning",
    title=_("{count} of your customers return to the pool in {days} days"),
    body=_(
        "Without a follow-up, these customers go back to “{pool}” in {days} days: {customers}. "
        "Log a call or a visit to keep them."
    ),
    sms=_("Baton: {count} customers return to the pool in {days} days: {customers}"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
register_template(
    "pool_recycled",
    title=_("{count} of your customers went back to the pool"),
    body=_("These customers went back to “{pool}” by its rules: {customers}."),
    channels=(Channel.IN_APP,),
)
register_template(
    "stock_low",
    title=_("Low stock: {product} in {warehouse}"),
    body=_("{product} in {warehouse}: {available} available, below its reorder level of {reorder_level}."),
    sms=_("Baton: low stock {product} in {warehouse}: {available} left"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
