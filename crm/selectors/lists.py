"""List views as selectors: filter by any listed field (custom fields too), sort, group with totals.

Params are plain JSON (what a saved query stores):
    {"filters": {"owner": "me", "level": 3, "annual_revenue__gte": 1000, "custom.tier": "gold"},
     "search": "北京华", "sort": "-last_activity", "group_by": "owner"}
Every query starts from `Model.objects.visible_to(user, action)`. Counts are capped: we count at
most `COUNT_CAP + 1` rows, so a list over a million rows never runs an unbounded COUNT(*).

A list may also declare computed values (`annotations`, e.g. what was paid on an instalment:
filterable, sortable, summed and exported like fields) and named conditions (`conditions`, a
filter whose values are rules such as "overdue" rather than stored values).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed

from ..models import (
    Activity,
    Campaign,
    Competitor,
    Complaint,
    Consultation,
    Contact,
    Contract,
    Customer,
    Expense,
    FavouriteList,
    Instalment,
    Invoice,
    Lead,
    Opportunity,
    Order,
    Payment,
    Quotation,
    ServiceRequest,
)
from ..service.selectors import sla_condition

COUNT_CAP = 1_000
# A name search considers at most this many matching names; a prefix that broad is refined by
# typing more, not paged through.
SEARCH_CANDIDATES = 2_000
MAX_PAGE_SIZE = 200
LOOKUPS = {
    "eq": "exact",
    "in": "in",
    "gte": "gte",
    "lte": "lte",
    "gt": "gt",
    "lt": "lt",
    "contains": "icontains",
    "startswith": "startswith",
    "isnull": "isnull",
}


@dataclass(frozen=True)
class Field:
    """A filterable field. kind "computed": `condition(value)` gives the Q of a derived state
    (e.g. a case's SLA state from its deadline), None for a value it does not know; it takes the
    plain `name` form only (no comparisons)."""

    path: str
    kind: str = "text"  # text, int, decimal, date, datetime, bool, user, fk, choice, computed
    label: str = ""
    condition: Callable[[str], Q | None] | None = None


@dataclass(frozen=True)
class Annotation:
    """A computed value of each row (an expression built when the list is read)."""

    label: str
    expression: Callable[[], object]


@dataclass(frozen=True)
class ListSpec:
    model: type
    fields: dict[str, Field]
    sorts: dict[str, tuple]
    default_sort: str
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value path, label path)
    sums: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    custom_entity: str | None = None
    search_fields: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # (attribute path, header) for export
    annotations: dict[str, Annotation] = field(default_factory=dict)
    conditions: dict[str, dict[str, Callable[[], Q]]] = field(default_factory=dict)  # name -> value -> rule

    def label(self, name: str) -> str:
        """What a summed or computed value is called (its model field's name, else the annotation's)."""
        if name in self.annotations:
            return str(self.annotations[name].label)
        return str(self.model._meta.get_field(name).verbose_name)


def _desc(name):
    return F(name).desc(nulls_last=True)


def _asc(name):
    return F(name).asc(nulls_last=True)


MONEY = DecimalField(max_digits=16, decimal_places=2)


def _paid_on(link: str) -> Callable[[], object]:
    """What was paid against each row (payments whose `link` is the row), 0 when nothing."""

    def expression():
        paid = (
            Payment.objects.filter(**{link: OuterRef("pk")})
            .order_by()
            .values(link)
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return Coalesce(Subquery(paid, output_field=MONEY), Value(0, output_field=MONEY))

    return expression


def _outstanding():
    return Greatest(F("amount") - F("paid"), Value(0, output_field=MONEY), output_field=MONEY)


def _due(days: int) -> Callable[[], Q]:
    def rule() -> Q:
        today = timezone.localdate()
        return Q(settled=False, due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days))

    return rule


LISTS: dict[str, ListSpec] = {
    "customer": ListSpec(
        model=Customer,
        fields={
            "code": Field("code"),
            "name": Field("name"),
            "owner": Field("owner", "user"),
            "level": Field("level", "fk"),
            "status": Field("status", "fk"),
            "customer_type": Field("customer_type", "fk"),
            "source": Field("source", "fk"),
            "industry": Field("industry", "fk"),
            "region": Field("region", "fk"),
            "pool": Field("pool", "fk"),
            "credit_level": Field("credit_level"),
            "annual_revenue": Field("annual_revenue", "decimal"),
            "employee_count": Field("employee_count", "int"),
            "last_activity": Field("last_activity_at", "datetime"),
            "next_follow_up": Field("next_follow_up", "date"),
            "created": Field("created_at", "datetime"),
            "phone": Field("phone_digits"),
            "email": Field("email_key"),
        },
        sorts={
            "last_activity": (_asc("last_activity_at"), F("id").asc()),
            "-last_activity": (_desc("last_activity_at"), F("id").desc()),
            "name": (F("search_name").asc(), F("id").asc()),
            "-name": (F("search_name").desc(), F("id").desc()),
            "code": (F("code").asc(),),
            "-code": (F("code").desc(),),
            "annual_revenue": (_asc("annual_revenue"), F("id").asc()),
            "-annual_revenue": (_desc("annual_revenue"), F("id").desc()),
            "next_follow_up": (_asc("next_follow_up"), F("id").asc()),
            "-created": (F("id").desc(),),
        },
        default_sort="-last_activity",
        groups={
            "owner": ("owner", "owner__display_name"),
            "level": ("level", "level__name"),
            "status": ("status", "status__label"),
            "industry": ("industry", "industry__label"),
            "region": ("region", "region__label"),
            "credit_level": ("credit_level", "credit_level"),
        },
        sums=("annual_revenue",),
        select_related=("owner", "level", "status", "industry", "region"),
        custom_entity="customer",
        search_fields=("search_name",),
        columns=(
            ("code", _("code")),
            ("name", _("name")),
            ("owner", _("customer manager")),
            ("level", _("level")),
            ("status", _("status")),
            ("industry", _("industry")),
            ("region", _("region")),
            ("phone", _("phone")),
            ("email", _("e-mail")),
            ("address", _("address")),
            ("annual_revenue", _("annual revenue")),
            ("last_activity_at", _("last activity")),
        ),
    ),
    "contact": ListSpec(
        model=Contact,
        fields={
            "customer": Field("customer", "fk"),
            "name": Field("name"),
            "department": Field("department"),
            "role": Field("role"),
            "birthday": Field("birthday", "date"),
            "owner": Field("customer__owner", "user"),
        },
        sorts={"name": (F("name").asc(), F("id").asc()), "-created": (F("id").desc(),)},
        default_sort="name",
        groups={"customer": ("customer", "customer__name"), "department": ("department", "department")},
        select_related=("customer",),
        custom_entity="contact",
        search_fields=("name",),
        columns=(
            ("customer", _("customer")),
            ("name", _("name")),
            ("department", _("department")),
            ("title", _("job title")),
            ("mobile", _("mobile")),
            ("email", _("e-mail")),
        ),
    ),
    "opportunity": ListSpec(
        model=Opportunity,
        fields={
            "customer": Field("customer", "fk"),
            "owner": Field("owner", "user"),
            "stage": Field("stage"),
            "status": Field("status"),
            "amount": Field("amount", "decimal"),
            "expected_close": Field("expected_close", "date"),
            "probability": Field("probability", "int"),
            "campaign": Field("campaign", "fk"),
            "source": Field("source", "fk"),
            "importance": Field("importance", "int"),
            "close_reason": Field("close_reason"),
        },
        sorts={
            "-amount": (F("amount").desc(), F("id").desc()),
            "expected_close": (_asc("expected_close"), F("id").asc()),
            "-created": (F("id").desc(),),
        },
        default_sort="-created",
        groups={
            "owner": ("owner", "owner__display_name"),
            "stage": ("stage", "stage__name"),
            "status": ("status", "status"),
            "importance": ("importance", "importance"),
            "source": ("source", "source__label"),
            "close_reason": ("close_reason", "close_reason"),
        },
        sums=("amount",),
        select_related=("customer", "owner", "stage"),
        custom_entity="opportunity",
        search_fields=("name",),
        columns=(
            ("customer", _("customer")),
            ("name", _("name")),
            ("stage", _("stage")),
            ("status", _("status")),
            ("amount", _("amount")),
            ("probability", _("probability %")),
            ("expected_close", _("expected close")),
            ("owner", _("owner")),
        ),
    ),
    "order": ListSpec(
        model=Order,
        fields={
            "customer": Field("customer", "fk"),
            "owner": Field("owner", "user"),
            "status": Field("status"),
            "ordered_on": Field("ordered_on", "date"),
            "total_amount": Field("total_amount", "decimal"),
        },
        sorts={"-ordered_on": (F("ordered_on").desc(), F("id").desc()), "-created": (F("id").desc(),)},
        default_sort="-created",
        groups={
            "owner": ("owner", "owner__display_name"),
            "status": ("status", "status"),
            "customer": ("customer", "customer__name"),
        },
        sums=("total_amount",),
        select_related=("customer", "owner"),
        custom_entity="order",
        search_fields=("code",),
        columns=(
            ("code", _("code")),
            ("customer", _("customer")),
            ("status", _("status")),
            ("ordered_on", _("order date")),
            ("total_amount", _("total")),
        ),
    ),
    "complaint": ListSpec(
        model=Complaint,
        fields={
            "customer": Field("customer", "fk"),
            "category": Field("category", "fk"),
            "severity": Field("severity"),
            "status": Field("status"),
            "channel": Field("channel"),
            "handler": Field("handler", "user"),
            "department": Field("department", "fk"),
            "sla": Field("due_at", "computed", condition=lambda v: sla_condition(Complaint, v)),
            "due_at": Field("due_at", "datetime"),
            "created": Field("created_at", "datetime"),
        },
        sorts={
            "-created": (F("id").desc(),),
            "created": (F("id").asc(),),
            "due_at": (_asc("due_at"), F("id").asc()),
        },
        default_sort="-created",
        groups={
            "category": ("category", "category__label"),
            "status": ("status", "status"),
            "severity": ("severity", "severity"),
            "customer": ("customer", "customer__name"),
            "handler": ("handler", "handler__display_name"),
            "department": ("department", "department__name"),
        },
        select_related=("customer", "category", "handler", "department"),
        custom_entity="complaint",
        search_fields=("code",),
        columns=(
            ("code", _("code")),
            ("customer", _("customer")),
            ("category", _("category")),
            ("subject", _("subject")),
            ("severity", _("severity")),
            ("status", _("status")),
            ("channel", _("channel")),
            ("department", _("department")),
            ("handler", _("handler")),
            ("due_at", _("resolve by")),
            ("created_at", _("created")),
        ),
    ),
    "service_request": ListSpec(
        model=ServiceRequest,
        fields={
            "customer": Field("customer", "fk"),
            "kind": Field("kind"),
            "status": Field("status"),
            "product": Field("product", "fk"),
            "technician": Field("technician", "user"),
            "serial_number": Field("serial_number"),
            "preferred_at": Field("preferred_at", "datetime"),
            "sla": Field("due_at", "computed", condition=lambda v: sla_condition(ServiceRequest, v)),
            "due_at": Field("due_at", "datetime"),
            "created": Field("created_at", "datetime"),
        },
        sorts={
            "-created": (F("id").desc(),),
            "preferred_at": (F("preferred_at").asc(nulls_last=True), F("id").asc()),
            "due_at": (_asc("due_at"), F("id").asc()),
        },
        default_sort="-created",
        groups={
            "kind": ("kind", "kind"),
            "status": ("status", "status"),
            "customer": ("customer", "customer__name"),
            "technician": ("technician", "technician__display_name"),
        },
        select_related=("customer", "product", "technician"),
        custom_entity="service_request",
        search_fields=("code",),
        columns=(
            ("code", _("code")),
            ("customer", _("customer")),
            ("kind", _("kind")),
            ("subject", _("subject")),
            ("product", _("product")),
            ("serial_number", _("serial number")),
            ("preferred_at", _("preferred time")),
            ("address", _("address")),
            ("status", _("status")),
            ("technician", _("technician")),
            ("due_at", _("done by")),
            ("created_at", _("created")),
        ),
    ),
    "consultation": ListSpec(
        model=Consultation,
        fields={
            "customer": Field("customer", "fk"),
            "kind": Field("kind"),
            "category": Field("category", "fk"),
            "channel": Field("channel"),
            "status": Field("status"),
            "handled_by": Field("handled_by", "user"),
            "created": Field("created_at", "datetime"),
        },
        sorts={"-created": (F("id").desc(),), "created": (F("id").asc(),)},
        default_sort="-created",
        groups={
            "kind": ("kind", "kind"),
            "category": ("category", "category__label"),
            "status": ("status", "status"),
            "channel": ("channel", "channel"),
            "handled_by": ("handled_by", "handled_by__display_name"),
        },
        select_related=("customer", "category", "handled_by"),
        search_fields=("code", "prospect_name"),
        columns=(
            ("code", _("code")),
            ("kind", _("kind")),
            ("category", _("category")),
            ("customer", _("customer")),
            ("prospect_name", _("name (not a customer yet)")),
            ("channel", _("channel")),
            ("question", _("question")),
            ("answer", _("answer")),
            ("status", _("status")),
            ("handled_by", _("handled by")),
            ("created_at", _("created")),
        ),
    ),
    "lead": ListSpec(
        model=Lead,
        fields={
            "owner": Field("owner", "user"),
            "status": Field("status"),
            "quality": Field("quality"),
            "priority": Field("priority", "int"),
            "source": Field("source", "fk"),
            "region": Field("region", "fk"),
            "industry": Field("industry", "fk"),
            "next_follow_up": Field("next_follow_up", "date"),
        },
        sorts={"priority": (F("priority").asc(), F("id").desc()), "-created": (F("id").desc(),)},
        default_sort="priority",
        groups={
            "owner": ("owner", "owner__display_name"),
            "status": ("status", "status"),
            "quality": ("quality", "quality"),
        },
        select_related=("owner", "source"),
        search_fields=("company_name",),
        columns=(
            ("company_name", _("company")),
            ("contact_name", _("contact")),
            ("phone", _("phone")),
            ("quality", _("quality")),
            ("status", _("status")),
        ),
    ),
    "activity": ListSpec(
        model=Activity,
        fields={
            "customer": Field("customer", "fk"),
            "owner": Field("owner", "user"),
            "kind": Field("kind"),
            "status": Field("status"),
            "occurred_at": Field("occurred_at", "datetime"),
            "next_follow_up": Field("next_follow_up", "date"),
        },
        sorts={"-occurred_at": (F("occurred_at").desc(), F("id").desc())},
        default_sort="-occurred_at",
        groups={
            "owner": ("owner", "owner__display_name"),
            "kind": ("kind", "kind"),
            "status": ("status", "status"),
        },
        sums=("cost",),
        select_related=("customer", "owner"),
        search_fields=("subject",),
        columns=(
            ("occurred_at", _("when")),
            ("customer", _("customer")),
            ("kind", _("kind")),
            ("subject", _("subject")),
            ("owner", _("by")),
        ),
    ),
    # -- marketing (crm.marketing) --
    "campaign": ListSpec(
        model=Campaign,
        fields={
            "owner": Field("owner", "user"),
            "status": Field("status"),
            "channel": Field("channel"),
            "starts_on": Field("starts_on", "date"),
            "ends_on": Field("ends_on", "date"),
            "budget": Field("budget", "decimal"),
        },
        sorts={
            "-starts_on": (_desc("starts_on"), F("id").desc()),
            "starts_on": (_asc("starts_on"), F("id").asc()),
            "-created": (F("id").desc(),),
        },
        default_sort="-starts_on",
        groups={
            "status": ("status", "status"),
            "channel": ("channel", "channel"),
            "owner": ("owner", "owner__display_name"),
        },
        sums=("budget",),
        select_related=("owner",),
        search_fields=("name",),
        columns=(
            ("name", _("name")),
            ("kind", _("kind")),
            ("channel", _("channel")),
            ("status", _("status")),
            ("starts_on", _("from")),
            ("ends_on", _("until")),
            ("budget", _("budget")),
            ("owner", _("owner")),
        ),
    ),
    "competitor": ListSpec(
        model=Competitor,
        fields={"kind": Field("kind"), "name": Field("name")},
        sorts={"name": (F("name").asc(), F("id").asc()), "-created": (F("id").desc(),)},
        default_sort="name",
        groups={"kind": ("kind", "kind")},
        search_fields=("name",),
        columns=(
            ("kind", _("kind")),
            ("name", _("name")),
            ("website", _("website")),
            ("products", _("competing products")),
            ("strengths", _("strengths")),
            ("weaknesses", _("weaknesses")),
        ),
    ),
    "expense": ListSpec(
        model=Expense,
        fields={
            "owner": Field("owner", "user"),
            "status": Field("status"),
            "category": Field("category", "fk"),
            "customer": Field("customer", "fk"),
            "opportunity": Field("opportunity", "fk"),
            "campaign": Field("campaign", "fk"),
            "spent_on": Field("spent_on", "date"),
            "amount": Field("amount", "decimal"),
        },
        sorts={
            "-spent_on": (F("spent_on").desc(), F("id").desc()),
            "-amount": (F("amount").desc(), F("id").desc()),
            "-created": (F("id").desc(),),
        },
        default_sort="-spent_on",
        groups={
            "owner": ("owner", "owner__display_name"),
            "status": ("status", "status"),
            "category": ("category", "category__name"),
            "campaign": ("campaign", "campaign__name"),
        },
        sums=("amount",),
        select_related=("owner", "category", "customer", "campaign"),
        search_fields=("description",),
        columns=(
            ("spent_on", _("date")),
            ("owner", _("spent by")),
            ("category", _("category")),
            ("amount", _("amount")),
            ("status", _("status")),
            ("customer", _("customer")),
            ("campaign", _("campaign")),
            ("description", _("description")),
        ),
    ),
    "favourite_list": ListSpec(
        model=FavouriteList,
        fields={"owner": Field("owner", "user"), "shared_with": Field("shared_with", "fk")},
        sorts={"name": (F("name").asc(), F("id").asc()), "-created": (F("id").desc(),)},
        default_sort="name",
        select_related=("owner", "shared_with"),
        search_fields=("name",),
        columns=(("name", _("name")), ("owner", _("owner")), ("shared_with", _("shared with"))),
    ),
    "quotation": ListSpec(
        model=Quotation,
        fields={
            "code": Field("code"),
            "customer": Field("customer", "fk"),
            "owner": Field("owner", "user"),
            "status": Field("status"),
            "quoted_on": Field("quoted_on", "date"),
            "valid_until": Field("valid_until", "date"),
            "total_amount": Field("total_amount", "decimal"),
        },
        sorts={
            "-created": (F("id").desc(),),
            "-quoted_on": (F("quoted_on").desc(), F("id").desc()),
            "-total_amount": (F("total_amount").desc(), F("id").desc()),
            "valid_until": (_asc("valid_until"), F("id").asc()),
        },
        default_sort="-created",
        groups={
            "status": ("status", "status"),
            "owner": ("owner", "owner__display_name"),
            "customer": ("customer", "customer__name"),
        },
        sums=("total_amount",),
        select_related=("customer", "owner"),
        search_fields=("code", "title"),
        columns=(
            ("code", _("code")),
            ("version", _("version")),
            ("title", _("title")),
            ("customer", _("customer")),
            ("status", _("status")),
            ("quoted_on", _("date")),
            ("valid_until", _("valid until")),
            ("total_amount", _("total")),
            ("owner", _("owner")),
        ),
    ),
    "contract": ListSpec(
        model=Contract,
        fields={
            "code": Field("code"),
            "customer": Field("customer", "fk"),
            "owner": Field("owner", "user"),
            "status": Field("status"),
            "signed_on": Field("signed_on", "date"),
            "ends_on": Field("ends_on", "date"),
            "amount": Field("amount", "decimal"),
            "paid": Field("paid", "decimal"),
        },
        sorts={
            "-created": (F("id").desc(),),
            "-amount": (F("amount").desc(), F("id").desc()),
            "-signed_on": (_desc("signed_on"), F("id").desc()),
            "ends_on": (_asc("ends_on"), F("id").asc()),
        },
        default_sort="-created",
        groups={
            "status": ("status", "status"),
            "owner": ("owner", "owner__display_name"),
            "customer": ("customer", "customer__name"),
        },
        sums=("amount", "paid"),
        select_related=("customer", "owner"),
        search_fields=("code", "title"),
        columns=(
            ("code", _("code")),
            ("title", _("title")),
            ("customer", _("customer")),
            ("status", _("status")),
            ("amount", _("amount")),
            ("paid", _("paid")),
            ("signed_on", _("signed")),
            ("starts_on", _("from")),
            ("ends_on", _("until")),
            ("owner", _("owner")),
        ),
        annotations={"paid": Annotation(_("paid"), _paid_on("contract"))},
    ),
    "invoice": ListSpec(
        model=Invoice,
        fields={
            "number": Field("number"),
            "customer": Field("customer", "fk"),
            "contract": Field("contract", "fk"),
            "owner": Field("owner", "user"),
            "status": Field("status"),
            "kind": Field("kind"),
            "issued_on": Field("issued_on", "date"),
            "amount": Field("amount", "decimal"),
        },
        sorts={
            "-issued_on": (F("issued_on").desc(), F("id").desc()),
            "-amount": (F("amount").desc(), F("id").desc()),
            "-created": (F("id").desc(),),
        },
        default_sort="-issued_on",
        groups={
            "status": ("status", "status"),
            "kind": ("kind", "kind"),
            "owner": ("owner", "owner__display_name"),
            "customer": ("customer", "customer__name"),
        },
        sums=("amount",),
        select_related=("customer", "contract", "order", "owner"),
        search_fields=("number",),
        columns=(
            ("number", _("invoice number")),
            ("kind", _("kind")),
            ("customer", _("customer")),
            ("contract", _("contract")),
            ("order", _("order")),
            ("amount", _("amount")),
            ("issued_on", _("invoice date")),
            ("status", _("status")),
            ("owner", _("owner")),
        ),
    ),
    "instalment": ListSpec(
        model=Instalment,
        fields={
            "customer": Field("customer", "fk"),
            "contract": Field("contract", "fk"),
            "owner": Field("contract__owner", "user"),
            "due_on": Field("due_on", "date"),
            "amount": Field("amount", "decimal"),
            "settled": Field("settled", "bool"),
            "outstanding": Field("outstanding", "decimal"),
        },
        sorts={
            "due_on": (F("due_on").asc(), F("id").asc()),
            "-due_on": (F("due_on").desc(), F("id").desc()),
            "-outstanding": (F("outstanding").desc(), F("id").desc()),
        },
        default_sort="due_on",
        groups={
            "customer": ("customer", "customer__name"),
            "owner": ("contract__owner", "contract__owner__display_name"),
            "contract": ("contract", "contract__code"),
        },
        sums=("amount", "paid", "outstanding"),
        select_related=("contract", "customer", "contract__owner"),
        search_fields=("contract__code",),
        columns=(
            ("contract", _("contract")),
            ("sequence", _("instalment")),
            ("customer", _("customer")),
            ("due_on", _("due on")),
            ("amount", _("amount")),
            ("paid", _("paid")),
            ("outstanding", _("outstanding")),
            ("note", _("note")),
        ),
        annotations={
            "paid": Annotation(_("paid"), _paid_on("instalment")),
            "outstanding": Annotation(_("outstanding"), _outstanding),
        },
        conditions={
            "due": {
                "overdue": lambda: Q(settled=False, due_on__lt=timezone.localdate()),
                "week": _due(7),
                "month": _due(30),
                "open": lambda: Q(settled=False),
                "settled": lambda: Q(settled=True),
            }
        },
    ),
}


@dataclass
class ParsedQuery:
    condition: Q
    search: str
    sort: tuple
    group_by: str | None


def _coerce(kind: str, value, user, key: str, errors: dict):
    def one(raw):
        if kind in ("user", "fk"):
            if kind == "user" and raw == "me":
                return user.pk
            if raw is None:
                return None
            try:
                return int(raw)
            except (TypeError, ValueError):
                errors.setdefault(key, []).append(_g("Expected an id."))
                return None
        if kind == "int":
            try:
                return int(raw)
            except (TypeError, ValueError):
                errors.setdefault(key, []).append(_g("Expected a whole number."))
                return None
        if kind == "decimal":
            try:
                return Decimal(str(raw))
            except (InvalidOperation, ValueError):
                errors.setdefault(key, []).append(_g("Expected a number."))
                return None
        if kind in ("date", "datetime"):
            try:
                parsed = datetime.date.fromisoformat(str(raw)[:10])
            except ValueError:
                errors.setdefault(key, []).append(_g("Expected a date (YYYY-MM-DD)."))
                return None
            return parsed
        if kind == "bool":
            return raw in (True, "true", "1", 1, "yes")
        return "" if raw is None else str(raw)

    if isinstance(value, list):
        return [one(v) for v in value]
    return one(value)


def parse_params(spec: ListSpec, params: dict, user=None) -> ParsedQuery:
    """Validate list params; every problem is reported with its key (ValidationFailed)."""
    from ..models import CustomFieldDefinition
    from .custom_fields import may_see

    params = params or {}
    errors: dict[str, list] = {}
    condition = Q()
    wants_custom = any(str(k).startswith("custom.") for k in (params.get("filters") or {})) or str(
        params.get("sort") or ""
    ).lstrip("-").startswith("custom.")
    custom_defs = (
        {
            d.key: d
            for d in CustomFieldDefinition.objects.filter(
                entity=spec.custom_entity, active=True
            ).prefetch_related("visible_to")
            if user is None or may_see(user, d)
        }
        if spec.custom_entity and wants_custom
        else {}
    )
    filters = params.get("filters") or {}
    if not isinstance(filters, dict):
        raise ValidationFailed(
            _("Filters must be an object."), fields={"filters": [_g("Expected an object.")]}
        )
    for key, value in filters.items():
        name, _sep, op = str(key).partition("__")
        op = op or ("in" if isinstance(value, list) else "eq")
        if op not in LOOKUPS:
            errors.setdefault(key, []).append(_g("Unknown comparison."))
            continue
        if name in spec.conditions:
            rule = spec.conditions[name].get(str(value))
            if rule is None:
                errors.setdefault(key, []).append(_g("Unknown choice."))
            else:
                condition &= rule()
            continue
        if name.startswith("custom."):
            custom_key = name[len("custom.") :]
            definition = custom_defs.get(custom_key)
            if definition is None:
                errors.setdefault(key, []).append(_g("Unknown custom field."))
                continue
            kind = {
                "number": "decimal",
                "money": "decimal",
                "date": "date",
                "bool": "bool",
                "person": "int",
            }.get(definition.kind, "text")
            if definition.kind == "multi_choice" and op in ("eq", "contains"):
                # a list of choices: the JSON text holds the choice in quotes (both databases)
                condition &= Q(**{f"custom__{custom_key}__icontains": f'"{value}"'})
                continue
            coerced = _coerce(kind, value, user, key, errors)
            if kind == "decimal" and coerced is not None:
                coerced = [float(v) for v in coerced] if isinstance(coerced, list) else float(coerced)
            if kind == "date" and coerced is not None:
                coerced = (
                    [v.isoformat() for v in coerced] if isinstance(coerced, list) else coerced.isoformat()
                )
            path = f"custom__{custom_key}"
        else:
            spec_field = spec.fields.get(name)
            if spec_field is None:
                errors.setdefault(key, []).append(_g("Unknown field."))
                continue
            if spec_field.kind == "computed":
                derived = spec_field.condition(str(value)) if op == "eq" else None
                if derived is None:
                    errors.setdefault(key, []).append(_g("Unknown value."))
                else:
                    condition &= derived
                continue
            coerced = _coerce(spec_field.kind, value, user, key, errors)
            path = spec_field.path
        if op == "isnull":
            coerced = bool(value)
        condition &= Q(**{f"{path}__{LOOKUPS[op]}": coerced})
    sort_key = params.get("sort") or spec.default_sort
    sort = spec.sorts.get(sort_key)
    if sort is None and sort_key.lstrip("-").startswith("custom."):
        # by a custom field (the expression index of a filterable field serves it on PostgreSQL)
        custom_key = sort_key.lstrip("-")[len("custom.") :]
        if custom_key in custom_defs:
            value = F(f"custom__{custom_key}")
            if sort_key.startswith("-"):
                sort = (value.desc(nulls_last=True), F("id").desc())
            else:  # empty last: on PostgreSQL what the (value, id) index gives
                sort = (value.asc(nulls_last=True), F("id").asc())
    if sort is None:
        errors.setdefault("sort", []).append(_g("Cannot sort by this."))
        sort = spec.sorts[spec.default_sort]
    group_by = params.get("group_by") or None
    if group_by is not None and group_by not in spec.groups:
        errors.setdefault("group_by", []).append(_g("Cannot group by this."))
    search = str(params.get("search") or "").strip()
    if len(search) > 100:
        errors.setdefault("search", []).append(_g("At most 100 characters."))
    if errors:
        raise ValidationFailed(_("The list query is invalid."), fields=errors)
    return ParsedQuery(condition, search, sort, group_by)


def list_queryset(*, user, entity: str, params: dict | None = None, action: str = "view") -> QuerySet:
    spec = LISTS[entity]
    parsed = parse_params(spec, params or {}, user)
    qs = spec.model.objects.visible_to(user, action)
    for name, annotation in spec.annotations.items():  # in order: a later one may use an earlier one
        qs = qs.annotate(**{name: annotation.expression()})
    qs = qs.filter(parsed.condition)
    if parsed.search:
        if entity == "customer":
            # Any part of the name, short name, code, phone or a contact's name (crm.selectors.
            # search, trigram-indexed on PostgreSQL). The ids of the visible matches are read
            # first, unordered and bounded, then the page is sorted from them: left to itself the
            # planner may walk the sort index hoping to meet 50 visible matches soon, and read the
            # whole table when there are only a few.
            # Each branch of the row rule is searched on its own (search.visible_customer_match_ids).
            from .search import visible_customer_match_ids

            ids = visible_customer_match_ids(
                user=user,
                text=parsed.search,
                action=action,
                filters=parsed.condition,
                limit=SEARCH_CANDIDATES,
            )
            qs = spec.model.objects.filter(pk__in=ids)
        else:
            search = Q()
            for path in spec.search_fields:
                search |= Q(**{f"{path}__istartswith": parsed.search})
            qs = qs.filter(search)
    return qs.order_by(*parsed.sort)


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counts at most cap + 1 rows (SELECT COUNT(*) FROM (... LIMIT cap+1))."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def list_page(
    *,
    user,
    entity: str,
    params: dict | None = None,
    page: int = 1,
    page_size: int = 50,
    with_count: bool = True,
) -> dict:
    """One page of a list plus a capped count; the number of queries does not depend on the data."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(_("Invalid page."), fields={"page": [_g("Invalid page.")]})
    spec = LISTS[entity]
    qs = list_queryset(user=user, entity=entity, params=params)
    offset = (page - 1) * page_size
    rows = list(qs.select_related(*spec.select_related)[offset : offset + page_size])
    result = {"rows": rows, "page": page, "page_size": page_size}
    if with_count:
        if page == 1 and len(rows) < page_size:
            result["count"], result["count_capped"] = len(rows), False  # the whole list is on this page
        else:
            result["count"], result["count_capped"] = capped_count(qs)
    return result


# Group labels that are names we ship as messages (the standard stages), translated where shown;
# names a company typed come back unchanged.
TRANSLATED_LABELS = {"stage__name"}


def list_groups(
    *, user, entity: str, params: dict | None = None, group_by: str | None = None, limit: int = 500
) -> list[dict]:
    """Grouped rows with counts and sums (e.g. opportunity amounts per owner / stage)."""
    spec = LISTS[entity]
    params = dict(params or {})
    group_by = group_by or params.get("group_by")
    if group_by not in spec.groups:
        raise ValidationFailed(_("Cannot group by this."), fields={"group_by": [_g("Cannot group by this.")]})
    value_path, label_path = spec.groups[group_by]
    qs = list_queryset(user=user, entity=entity, params=params).order_by()
    aggregates = {"count": Count("pk")}
    for name in spec.sums:
        aggregates[f"sum_{name}"] = Sum(name)
    rows = list(
        qs.values(value_path, label_path).annotate(**aggregates).order_by("-count", value_path)[:limit]
    )
    result = []
    for row in rows:
        label = row.get(label_path)
        if label_path == value_path and hasattr(spec.model, "_meta"):
            model_field = spec.model._meta.get_field(value_path)
            label = (
                dict(model_field.flatchoices).get(row[value_path], row[value_path])
                if model_field.choices
                else label
            )
        elif label_path in TRANSLATED_LABELS and label:
            label = _g(label)
        entry = {
            "key": row[value_path],
            "label": str(label) if label is not None else "",
            "count": row["count"],
        }
        for name in spec.sums:
            entry[f"sum_{name}"] = row[f"sum_{name}"] or 0
        result.append(entry)
    return result


def list_totals(*, user, entity: str, params: dict | None = None) -> dict:
    """Sums over the whole filtered list (the footer of a list view)."""
    spec = LISTS[entity]
    qs = list_queryset(user=user, entity=entity, params=params).order_by()
    return qs.aggregate(**{f"sum_{name}": Sum(name) for name in spec.sums}) if spec.sums else {}


# The catalogue's lists (products, categories, price lists, warehouses, stock) are declared with
# their sub-domain and join the registry here.
from ..catalogue import lists as _catalogue_lists  # noqa: E402,F401
