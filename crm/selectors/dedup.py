"""Duplicate check: exact buckets on normalized keys, fuzzy similarity only inside a name bucket."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from ..models import Customer
from ..normalize import FUZZY_THRESHOLD, customer_keys, name_similarity

# A bucket is the first two characters of the distinctive name; the cap keeps one check bounded
# even when a bucket grows large (we compare against its nearest-length names first).
FUZZY_CANDIDATES = 300


@dataclass
class DuplicateMatch:
    customer_id: int
    code: str
    name: str
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0

    def as_dict(self) -> dict:
        return {
            "customer_id": self.customer_id,
            "code": self.code,
            "name": self.name,
            "reasons": self.reasons,
            "score": round(self.score, 3),
        }


def exact_conditions(keys: dict[str, str]) -> list[tuple[str, Q]]:
    conditions = []
    for reason, key in (
        ("name", "name_key"),
        ("phone", "phone_digits"),
        ("email", "email_key"),
        ("tax_id", "tax_id_key"),
    ):
        if keys.get(key):
            conditions.append((reason, Q(**{key: keys[key]})))
    return conditions


def customer_find_duplicates(
    *, name: str, phone: str = "", email: str = "", tax_id: str = "", exclude_pk=None, limit: int = 20
) -> list[DuplicateMatch]:
    """Customers that are probably the same company, best first. Two indexed queries at most."""
    keys = customer_keys(name=name, phone=phone, email=email, tax_id=tax_id)
    matches: dict[int, DuplicateMatch] = {}
    conditions = exact_conditions(keys)
    if conditions:
        combined = Q()
        for _reason, condition in conditions:
            combined |= condition
        qs = Customer.objects.filter(combined)
        if exclude_pk is not None:
            qs = qs.exclude(pk=exclude_pk)
        for row in qs.values("id", "code", "name", "name_key", "phone_digits", "email_key", "tax_id_key")[
            :limit
        ]:
            match = DuplicateMatch(row["id"], row["code"], row["name"], score=1.0)
            for reason, key in (
                ("name", "name_key"),
                ("phone", "phone_digits"),
                ("email", "email_key"),
                ("tax_id", "tax_id_key"),
            ):
                if keys[key] and row[key] == keys[key]:
                    match.reasons.append(reason)
            matches[row["id"]] = match
    if keys["name_bucket"]:
        qs = Customer.objects.filter(name_bucket=keys["name_bucket"]).exclude(pk__in=list(matches))
        if exclude_pk is not None:
            qs = qs.exclude(pk=exclude_pk)
        for row in qs.values("id", "code", "name", "name_key")[:FUZZY_CANDIDATES]:
            score = name_similarity(keys["name_key"], row["name_key"])
            if score >= FUZZY_THRESHOLD:
                matches[row["id"]] = DuplicateMatch(
                    row["id"], row["code"], row["name"], ["similar_name"], score
                )
    return sorted(matches.values(), key=lambda m: (-m.score, m.customer_id))[:limit]
