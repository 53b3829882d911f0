"""Customer search: any part of the name, short name, code, phone number or a contact's name.

Chinese company names start with a city (北京东方…), so a prefix search misses what people type.
On PostgreSQL trigram GIN indexes (crm migration 0008) answer the `LIKE '%…%'` conditions of three
characters or more. Two characters — the usual Chinese word (东方) or person's name (余涛) — make
no trigram, so there bigram GIN indexes answer instead (`crm_bigrams(…) @> '{东方}'`, crm
migration 0011); without them a two-character search reads the whole table. SQLite scans, which
is fine at its sizes. The matching ids are read first (bounded), the page is sorted from them.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Upper

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


def _uses_bigrams(text: str) -> bool:
    return len(text) == 2 and connection.vendor == "postgresql"


def _has_bigram(expression, text: str) -> Q:
    """`crm_bigrams(expression) @> ARRAY[text]`: the form the bigram indexes answer."""
    from django.contrib.postgres.fields import ArrayField
    from django.contrib.postgres.lookups import DataContains

    array = ArrayField(TextField())
    return Q(DataContains(Func(expression, function="crm_bigrams", output_field=array), Value([text], array)))


def _contains(field: str, text: str, *, upper: bool) -> Q:
    """`field` contains `text` (case-insensitively when `upper`, as the indexes are built)."""
    if _uses_bigrams(text):
        return _has_bigram(Upper(F(field)) if upper else F(field), text.upper() if upper else text)
    return Q(**{f"{field}__{'icontains' if upper else 'contains'}": text})


def customer_match_condition(text: str, *, contacts_of: QuerySet | None = None) -> Q:
    """The condition for customers matching `text` anywhere; `contacts_of` bounds the contact-name
    lookup (the visible contacts), else all contacts."""
    folded = fold(text)
    condition = (
        _contains("search_name", folded, upper=False)
        | _contains("short_name", text, upper=True)
        | _contains("code", text, upper=True)
    )
    for digits in _phone_parts(text):
        condition |= Q(phone_digits__contains=digits)
    contacts = contacts_of if contacts_of is not None else Contact.objects.all()
    customer_ids = list(
        contacts.filter(_contains("name", text, upper=True))
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


def visible_customer_match_ids(
    *, user, text: str, action: str = "view", filters: Q | None = None, limit: int = SEARCH_CANDIDATES
) -> list[int]:
    """Ids of the customers `user` may `action` that pass `filters` and match `text` anywhere.

    Each branch of the row rule (own customers, shared ones, those of a task) is searched on its
    own, so the search's index and the owner index meet; one query with the whole rule would
    check the rule on every customer matching the words — 20,000 rows for a common word at 1M."""
    condition = customer_match_condition(text)
    if filters is not None:
        condition &= filters
    branches = Customer.objects.visible_branches(user, action)
    if branches is None:
        branches = [Q()]
    if not branches:
        return []
    queries = [
        Customer.objects.filter(branch, condition).order_by().values_list("pk", flat=True)
        for branch in branches
    ]
    # one round trip: UNION of the branches, each planned on its own indexes
    return list(queries[0].union(*queries[1:])[:limit]) if len(queries) > 1 else list(queries[0][:limit])


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
            .select_related("customer", "owner", "stage")
            .order_by("-pk")[:limit]
        )
    return result
