"""Reads of customer documents: what a staff user sees on a card, what a customer company sees in
the portal (only what was shared with it)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound

from ..models import Customer, Document
from .customers import customer_get


def documents_for_customer(*, user, customer: Customer | int) -> QuerySet:
    """The documents on a customer card `user` may see (NotFound when the card is not theirs)."""
    pk = customer.pk if isinstance(customer, Customer) else customer
    customer = customer_get(user=user, pk=pk)
    return Document.objects.filter(customer=customer).select_related(
        "uploaded_by", "opportunity", "contract", "order"
    )


def document_get(*, user, pk, action: str = "view") -> Document:
    """A document for download ("view") or for share/delete ("change"); NotFound otherwise."""
    document = Document.objects.visible_to(user, action).select_related("customer").filter(pk=pk).first()
    if document is None:
        raise NotFound("document not found")
    return document


def documents_shared_with(*, customer_id: int) -> QuerySet:
    """What the customer company sees in the portal: shared documents only, newest first."""
    return Document.objects.shared_with(customer_id).only(
        "id", "title", "kind", "file_name", "content_type", "size", "uploaded_at", "customer_id", "file"
    )


def document_shared_get(*, customer_id: int, pk) -> Document:
    """One shared document of that company; NotFound for anything else (no existence leak)."""
    try:
        return Document.objects.shared_with(customer_id).get(pk=int(pk))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound("document not found") from None
