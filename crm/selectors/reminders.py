"""Reminders a salesperson works from: follow-ups due, birthdays coming (care greetings),
and the recipients of a favourite list for a mass e-mail/SMS (sent by integrations)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from ..models import Contact, Customer, FavouriteList, Lead, SavedQuery


def follow_ups_due(*, user, within_days: int = 0, limit: int = 200) -> dict[str, list]:
    """Customers and leads of `user` whose next follow-up is due (today + within_days) or overdue."""
    until = timezone.localdate() + datetime.timedelta(days=within_days)
    customers = list(
        Customer.objects.visible_to(user)
        .filter(owner=user, next_follow_up__lte=until)
        .order_by("next_follow_up", "pk")
        .select_related("level")[:limit]
    )
    leads = list(
        Lead.objects.visible_to(user)
        .filter(owner=user, next_follow_up__lte=until, status__in=[Lead.Status.NEW, Lead.Status.QUALIFIED])
        .order_by("next_follow_up", "pk")[:limit]
    )
    return {"customers": customers, "leads": leads}


def birthdays_coming(*, user, days: int = 7, today: datetime.date | None = None) -> list[Contact]:
    """Visible contacts whose birthday falls within the next `days` days (year wraps)."""
    today = today or timezone.localdate()
    condition = Q()
    for offset in range(days + 1):
        day = today + datetime.timedelta(days=offset)
        condition |= Q(birthday__month=day.month, birthday__day=day.day)
    return list(
        Contact.objects.visible_to(user)
        .filter(condition, active=True, birthday__isnull=False)
        .select_related("customer")
        .order_by("birthday__month", "birthday__day", "name")
    )


def favourite_list_recipients(*, user, favourite_list: FavouriteList, channel: str = "email") -> list[dict]:
    """Who a mass e-mail/SMS to this list reaches: its contacts, and the customers' primary contact
    details; only records the user may see, each address once."""
    if not FavouriteList.objects.visible_to(user).filter(pk=favourite_list.pk).exists():
        return []
    field = "email" if channel == "email" else "mobile"
    seen: set[str] = set()
    recipients = []
    contacts = Contact.objects.visible_to(user).filter(favourite_items__favourite_list=favourite_list)
    customers = Customer.objects.visible_to(user).filter(favourite_items__favourite_list=favourite_list)
    rows = [(c.name, getattr(c, field) or (c.phone if field == "mobile" else "")) for c in contacts]
    rows += [(c.name, c.email if field == "email" else c.phone) for c in customers]
    for name, address in rows:
        if address and address not in seen:
            seen.add(address)
            recipients.append({"name": name, "address": address})
    return recipients


MAILING_MAX_RECIPIENTS = 20000


def mailing_recipients(*, user, source: str, channel: str) -> tuple[list[dict], str] | None:
    """The recipients of a mass mailing from `source` ("list:<id>" a favourites list, or
    "query:<id>" a saved customer query), each {"name", "address"}, and the source's name; only
    records the user may see (a query's customers need the export permission). None: no such
    list or query visible to the user."""
    from .lists import list_queryset

    kind, _sep, pk = source.partition(":")
    pk = int(pk) if pk.isdigit() else 0
    if kind == "list":
        favourites = FavouriteList.objects.visible_to(user).filter(pk=pk).first()
        if favourites:
            recipients = favourite_list_recipients(user=user, favourite_list=favourites, channel=channel)
            return recipients, str(favourites)
    if kind == "query":
        query = SavedQuery.objects.visible_to(user).filter(pk=pk, entity="customer").first()
        if query:
            customers = list_queryset(user=user, entity="customer", params=query.params, action="export")
            field = "email" if channel == "email" else "phone"
            rows = customers.values_list("name", field)[:MAILING_MAX_RECIPIENTS]
            return [{"name": name, "address": address} for name, address in rows], str(query)
    return None
