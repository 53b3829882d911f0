"""Customer search: any part of the name, short name, code, phone number or a contact's name.

Chinese company names start with a city (北京东方…), so a prefix search misses what people type.
On PostgreSQL trigram GIN indexes (crm migration 0008) answer the `LIKE '%…%'` conditions; on
SQLite they scan, which is fine at its sizes. The matching ids are read first (bounded), the page
is sorted from them, as the name-prefix search did.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from ..models import Contact, Customer, Opportunity
from ..normalize import fold

# At most this many matches are considered; a search that broad is refined by typing more.
SEARCH_CANDIDATES = 2_000
_NON_DIGITS = re.compile(r"\D")


def _phone_parts(text: str) -> list[str]:
    """The digit strings to look for when `text` is a typed phone fragment: as typed, and without
    a leading trunk 0 (stored numbers have none); none when it is not mostly digits."""
    digits = _NON_DIGITS.sub("", text)
    if len(digits) < 4 or len(digits) < len(text.replace(" ", "").replace("-", "")) - 2:
        return []
    stripped = digits.lstrip("0")
    return [digits] + ([stripped] if stripped != digits and len(stripped) >= 4 else [])


def customer_match_condition(text: str, *, contacts_of: QuerySet | None = None) -> Q:
    """The condition for customers matching `text` anywhere; `contacts_of` bounds the contact-name
    lookup (the visible contacts), else all contacts."""
    folded = fold(text)
    condition = Q(search_name__contains=folded) | Q(short_name__icontains=text) | Q(code__icontains=text)
    for digits in _phone_parts(text):
        condition |= Q(phone_digits__contains=digits)
    contacts = contacts_of if contacts_of is not None else Contact.objects.all()
    customer_ids = list(
        contacts.filter(name__icontains=text)
        .order_by()
        .values_list("customer_id", flat=True)[:SEARCH_CANDIDATES]
    )
    if customer_ids:
        condition |= Q(pk__in=customer_ids)
    return condition


def customer_match_ids(qs: QuerySet, text: str, limit: int = SEARCH_CANDIDATES) -> list[int]:
    """Ids of the customers in `qs` (already scoped by visible_to) that match `text` anywhere."""
    condition = customer_match_condition(text)
    return list(qs.filter(condition).order_by().values_list("pk", flat=True)[:limit])


def global_search(*, user, text: str, limit: int = 20) -> dict:
    """The header search: customers, contacts and opportunities the user may see, `limit` each."""
    text = (text or "").strip()[:100]
    if len(text) < 2 and not text.isdigit():
        return {"customers": [], "contacts": [], "opportunities": [], "text": text}
    result: dict = {"text": text, "customers": [], "contacts": [], "opportunities": []}
    if user.has_perm("crm.view_customer"):
        visible = Customer.objects.visible_to(user)
        ids = customer_match_ids(visible, text, limit=limit)
        result["customers"] = list(
            Customer.objects.filter(pk__in=ids).select_related("owner", "level").order_by("search_name", "pk")
        )
    if user.has_perm("crm.view_contact"):
        condition = Q(name__icontains=text)
        for digits in _phone_parts(text):
            condition |= Q(phone_digits__contains=digits)
        result["contacts"] = list(
            Contact.objects.visible_to(user)
            .filter(condition)
            .select_related("customer")
            .order_by("name", "pk")[:limit]
        )
    if user.has_perm("crm.view_opportunity"):
        result["opportunities"] = list(
            Opportunity.objects.visible_to(user)
            .filter(Q(name__icontains=text) | Q(customer__search_name__contains=fold(text)))
            .select_related("customer", "owner")
            .order_by("-pk")[:limit]
        )
    return result
