"""Reads around the customer card: the card with its tabs, history, statistics by level."""

from __future__ import annotations

from django.db.models import Count, Sum

from core.errors import NotFound

from ..models import (
    Activity,
    Complaint,
    Consultation,
    Contact,
    ContactEmployment,
    Contract,
    Customer,
    CustomerChange,
    CustomerLevel,
    Document,
    Opportunity,
    Order,
    Payment,
    Quotation,
    ServiceRequest,
)
from .receivables import customer_receivable, customers_owing, paid_by_contract

CARD_TAB_LIMIT = 20


def customer_get(*, user, pk, action: str = "view") -> Customer:
    """The customer if `user` may act on it; NotFound otherwise (no hint that it exists)."""
    customer = (
        Customer.objects.visible_to(user, action)
        .select_related("status", "level", "customer_type", "source", "industry", "region", "owner", "pool")
        .filter(pk=pk)
        .first()
    )
    if customer is None:
        raise NotFound("customer not found")
    return customer


def customer_card(*, user, pk) -> dict:
    """Everything the card shows, in a fixed number of queries whatever the customer holds."""
    customer = customer_get(user=user, pk=pk)
    if not Customer.objects.visible_to(user, through_tasks=False).filter(pk=customer.pk).exists():
        return _card_basics(user=user, customer=customer)
    contacts = list(
        Contact.objects.filter(customer=customer).select_related("superior").order_by("department", "name")
    )
    by_department: dict[str, list[Contact]] = {}
    for contact in contacts:
        by_department.setdefault(contact.department, []).append(contact)
    return {
        "customer": customer,
        "basics_only": False,
        "contacts_by_department": by_department,
        "former_contacts": list(
            ContactEmployment.objects.filter(customer=customer, ended_on__isnull=False).select_related(
                "contact"
            )
        ),
        "activities": list(
            Activity.objects.filter(customer=customer).select_related("contact", "owner")[:CARD_TAB_LIMIT]
        ),
        "opportunities": list(
            Opportunity.objects.filter(customer=customer).select_related("owner", "stage")[:CARD_TAB_LIMIT]
        ),
        "orders": list(Order.objects.filter(customer=customer)[:CARD_TAB_LIMIT]),
        "contracts": _with_paid(list(Contract.objects.filter(customer=customer)[:CARD_TAB_LIMIT])),
        "quotations": list(Quotation.objects.filter(customer=customer).order_by("-id")[:CARD_TAB_LIMIT]),
        "payments": list(Payment.objects.filter(customer=customer)[:CARD_TAB_LIMIT]),
        "complaints": list(Complaint.objects.filter(customer=customer)[:CARD_TAB_LIMIT]),
        "service_requests": list(ServiceRequest.objects.filter(customer=customer)[:CARD_TAB_LIMIT]),
        "consultations": list(Consultation.objects.filter(customer=customer)[:CARD_TAB_LIMIT]),
        "documents": list(
            Document.objects.filter(customer=customer).select_related("uploaded_by")[:CARD_TAB_LIMIT]
        ),
        "history": list(CustomerChange.objects.filter(customer=customer).select_related("changed_by")[:50]),
        "receivable": customer_receivable(customer=customer),
    }


def _with_paid(contracts: list[Contract]) -> list[Contract]:
    """Each contract with `paid`: what was paid against it, its plan and its orders."""
    paid = paid_by_contract(c.pk for c in contracts)
    for contract in contracts:
        contract.paid = paid.get(contract.pk, 0)
    return contracts


def _card_basics(*, user, customer: Customer) -> dict:
    """The card of a customer seen only through a task (crm.access): its basics and contacts, and
    of its records only those the task is about; no sales history, money or documents."""
    contacts = list(
        Contact.objects.filter(customer=customer).select_related("superior").order_by("department", "name")
    )
    by_department: dict[str, list[Contact]] = {}
    for contact in contacts:
        by_department.setdefault(contact.department, []).append(contact)

    def involved(model):
        return list(model.objects.visible_to(user).filter(customer=customer)[:CARD_TAB_LIMIT])

    return {
        "customer": customer,
        "basics_only": True,
        "contacts_by_department": by_department,
        "former_contacts": [],
        "activities": [],
        "opportunities": involved(Opportunity),
        "orders": involved(Order),
        "contracts": [],
        "payments": [],
        "complaints": involved(Complaint),
        "service_requests": involved(ServiceRequest),
        "consultations": [],
        "documents": [],
        "history": [],
        "receivable": None,
    }


def receivables(*, user, limit: int = 100) -> list[dict]:
    """Customers with money outstanding, largest first (visible customers only)."""
    return customers_owing(
        customers=Customer.objects.visible_to(user), payments=Payment.objects.all(), limit=limit
    )


def customer_stats_by_level(*, user) -> list[dict]:
    """Visible customers per level (incl. those without one), with revenue, in level order."""
    counts = {
        row["level"]: row
        for row in Customer.objects.visible_to(user)
        .values("level")
        .annotate(customers=Count("pk"), annual_revenue=Sum("annual_revenue"))
        .order_by()
    }
    result = []
    for level in CustomerLevel.objects.order_by("sort_order", "code"):
        row = counts.get(level.pk, {})
        result.append(
            {
                "level": level.code,
                "name": level.name,
                "customers": row.get("customers", 0),
                "annual_revenue": row.get("annual_revenue") or 0,
            }
        )
    if None in counts:
        result.append(
            {
                "level": None,
                "name": "",
                "customers": counts[None]["customers"],
                "annual_revenue": counts[None]["annual_revenue"] or 0,
            }
        )
    return result


def customer_history(*, user, pk, limit: int = 100) -> list[CustomerChange]:
    customer = customer_get(user=user, pk=pk)
    return list(CustomerChange.objects.filter(customer=customer).select_related("changed_by")[:limit])
