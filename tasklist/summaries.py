"""The business object's summary card beside a task (e.g. the customer card for a level change).

Each supported type has a builder that reads through its app's selector, so the card shows only
what the user may see; an object the user may not see shows as its label only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType

from core.errors import DomainError


def _customer(user, object_id: str) -> dict:
    from crm.selectors.customers import customer_get

    return {
        "template": "tasklist/summaries/customer.html",
        "customer": customer_get(user=user, pk=int(object_id)),
    }


def _level_change(user, object_id: str) -> dict:
    """A level-change request: the customer's card with the requested change above it."""
    from crm.models import LevelChangeRequest
    from crm.selectors.customers import customer_get

    request = (
        LevelChangeRequest.objects.select_related("from_level", "to_level", "requested_by")
        .filter(pk=int(object_id))
        .first()
    )
    if request is None:
        return {}
    customer = customer_get(user=user, pk=request.customer_id)  # the permission check
    return {"template": "tasklist/summaries/customer.html", "customer": customer, "level_request": request}


def _order(user, object_id: str) -> dict:
    """An order to approve, ship or book payment for: customer, lines, stock, what is owed."""
    from crm.selectors.orders import order_summary

    summary = order_summary(user=user, pk=int(object_id))
    if summary is None:
        return {}
    # what is decided on comes first, above the decision (a phone shows it before the buttons)
    return {"template": "tasklist/summaries/order.html", "order": summary, "placement": "main"}


def _contract(user, object_id: str) -> dict:
    """A contract to approve: customer, amount, terms, payment plan, what the customer owes."""
    from crm.models import Contract
    from crm.selectors.customers import customer_receivable
    from crm.selectors.receivables import payment_plan

    contract = (
        Contract.objects.visible_to(user)
        .select_related("customer", "owner", "quotation")
        .filter(pk=int(object_id))
        .first()
    )
    if contract is None:
        return {}
    return {
        "template": "tasklist/summaries/contract.html",
        "contract": contract,
        "plan": payment_plan(contract=contract),
        "receivable": customer_receivable(customer=contract.customer),
        "placement": "main",
    }


BUILDERS: dict[str, Callable[[object, str], dict]] = {
    "crm.customer": _customer,
    "crm.levelchangerequest": _level_change,
    "crm.order": _order,
    "crm.contract": _contract,
}


def business_object_summary(user, *, type_id: int | None, object_id: str) -> dict | None:
    if not type_id or not object_id:
        return None
    content_type = ContentType.objects.get_for_id(type_id)  # cached per process
    builder = BUILDERS.get(f"{content_type.app_label}.{content_type.model}")
    if builder is None:
        return None
    try:
        return builder(user, object_id) or None
    except (DomainError, ValueError):
        return None
