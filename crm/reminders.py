"""The CRM's due reminders for the integrations sweep (core.reminders): follow-ups of customers,
leads and activities, contacts' birthdays (to the customer's owner), and orders not handled in
time (an SMS to the order's owner), instalments of payment plans coming due and overdue (to the
contract's owner)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.dispatch import receiver
from django.utils import timezone

from core.reminders import DueReminder, reminder_sources

from .models import Activity, Contact, Customer, Instalment, Lead, Order


@receiver(reminder_sources, dispatch_uid="crm_reminders")
def crm_due_reminders(sender, today: datetime.date, **kwargs) -> Iterator[DueReminder]:
    # A lazy stream: the sweep reads it in chunks, so a large backlog is not held in memory.
    return itertools.chain(_follow_ups(today), _birthdays(today), _orders_not_handled(), _instalments(today))


def _follow_ups(today):
    for customer in (
        Customer.objects.filter(next_follow_up__lte=today, owner__isnull=False)
        .select_related("owner")
        .only("pk", "name", "next_follow_up", "owner")
        .iterator(chunk_size=2000)
    ):
        yield DueReminder(
            kind="customer_follow_up",
            subject=f"customer:{customer.pk}",
            recipient=customer.owner,
            due_on=customer.next_follow_up,
            context={"name": customer.name, "date": customer.next_follow_up.isoformat()},
            url=f"/customers/{customer.pk}/",
        )
    open_leads = [Lead.Status.NEW, Lead.Status.QUALIFIED]
    for lead in (
        Lead.objects.filter(next_follow_up__lte=today, owner__isnull=False, status__in=open_leads)
        .select_related("owner")
        .iterator(chunk_size=2000)
    ):
        yield DueReminder(
            kind="lead_follow_up",
            subject=f"lead:{lead.pk}",
            recipient=lead.owner,
            due_on=lead.next_follow_up,
            context={"name": str(lead), "date": lead.next_follow_up.isoformat()},
        )
    # An activity's follow-up counts until a later activity with the same customer was recorded;
    # older than 30 days it is stale (the customer's own next follow-up covers it).
    later = Activity.objects.filter(customer=OuterRef("customer"), occurred_at__gt=OuterRef("occurred_at"))
    recent = today - datetime.timedelta(days=30)
    for activity in (
        Activity.objects.filter(next_follow_up__lte=today, next_follow_up__gte=recent)
        .exclude(Exists(later))
        .select_related("owner", "customer")
        .iterator(chunk_size=2000)
    ):
        yield DueReminder(
            kind="activity_follow_up",
            subject=f"activity:{activity.pk}",
            recipient=activity.owner,
            due_on=activity.next_follow_up,
            context={
                "name": activity.customer.name,
                "activity": activity.subject,
                "date": activity.next_follow_up.isoformat(),
            },
            url=f"/customers/{activity.customer_id}/",
        )


def _birthdays(today):
    for contact in (
        Contact.objects.filter(
            active=True, birthday__month=today.month, birthday__day=today.day, customer__owner__isnull=False
        )
        .select_related("customer__owner")
        .iterator(chunk_size=2000)
    ):
        yield DueReminder(
            kind="contact_birthday",
            subject=f"contact:{contact.pk}",
            recipient=contact.customer.owner,
            due_on=today,
            context={"name": contact.name, "customer": contact.customer.name},
            url=f"/contacts/{contact.pk}/",
            greeting=("email", contact.email)
            if contact.email
            else ("sms", contact.mobile)
            if contact.mobile
            else None,
        )


def _orders_not_handled():
    hours = settings.ORDER_HANDLE_WITHIN_HOURS
    waiting = Q(status=Order.Status.DRAFT) | Q(status=Order.Status.APPROVED)
    for order in (
        Order.objects.filter(waiting, updated_at__lte=timezone.now() - datetime.timedelta(hours=hours))
        .select_related("owner", "customer")
        .iterator(chunk_size=2000)
    ):
        yield DueReminder(
            kind="order_not_handled",
            subject=f"order:{order.pk}",
            recipient=order.owner,
            occurrence=f"{order.status}:{order.updated_at.isoformat()}",
            context={
                "order": order.code,
                "customer": order.customer.name,
                "status": order.get_status_display(),
            },
            url=f"/orders/{order.pk}/",
            channels=("in_app", "sms"),
        )


# An instalment is announced this many days before it falls due.
INSTALMENT_NOTICE_DAYS = 3


def _instalments(today):
    """Open instalments due within the notice period (reminded from then on) and overdue ones
    (reminded from the day after the due date, repeated while unpaid)."""
    horizon = today + datetime.timedelta(days=INSTALMENT_NOTICE_DAYS)
    for instalment in (
        Instalment.objects.filter(settled=False, due_on__lte=horizon)
        .select_related("contract__owner", "customer")
        .iterator(chunk_size=2000)
    ):
        overdue = instalment.due_on < today
        context = {
            "contract": instalment.contract.code,
            "customer": instalment.customer.name,
            "sequence": instalment.sequence,
            "amount": f"{instalment.amount:,.2f}",
            "date": instalment.due_on.isoformat(),
        }
        yield DueReminder(
            kind="instalment_overdue" if overdue else "instalment_due",
            subject=f"instalment:{instalment.pk}",
            recipient=instalment.contract.owner,
            due_on=instalment.due_on + datetime.timedelta(days=1)
            if overdue
            else instalment.due_on - datetime.timedelta(days=INSTALMENT_NOTICE_DAYS),
            context=context,
            url=f"/contracts/{instalment.contract_id}/",
        )
