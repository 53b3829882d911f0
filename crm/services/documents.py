"""Documents on the customer card: upload, share with / withdraw from the customer, delete.

Whoever may change the customer may do these (the card's rules); the file type comes from the
file's bytes (crm.files), never from the name or the browser's claim.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import ValidationFailed

from ..files import check_upload
from ..models import Customer, Document
from .common import clean_text, require_row

DOCUMENT_TYPES = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".txt",
    ".csv",
)
DOCUMENT_MAX_BYTES = getattr(settings, "CRM_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)


def _require_change(actor, customer: Customer) -> None:
    require_row(actor, customer, "change")


def _belongs(obj, customer: Customer, field: str, errors: dict) -> None:
    if obj is not None and obj.customer_id != customer.pk:
        errors.setdefault(field, []).append(_g("It belongs to another customer."))


@transaction.atomic
def document_upload(
    *,
    actor,
    customer: Customer,
    upload,
    title: str = "",
    kind: str = Document.Kind.OTHER,
    opportunity=None,
    contract=None,
    order=None,
    shared_with_customer: bool = False,
) -> Document:
    """Store a file on the customer's card (title defaults to the file name); errors are keyed
    `file`, `title`, `kind`, `opportunity`, `contract`, `order`."""
    _require_change(actor, customer)
    errors: dict = {}
    checked = None
    if not upload:
        errors["file"] = [_g("Choose a file.")]
    else:
        checked = check_upload(
            upload, allowed=DOCUMENT_TYPES, max_bytes=DOCUMENT_MAX_BYTES, field="file", errors=errors
        )
    default_title = PurePath(checked.name).stem if checked else ""
    title = clean_text(title or default_title, "title", errors, required=True)
    if kind not in Document.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    _belongs(opportunity, customer, "opportunity", errors)
    _belongs(contract, customer, "contract", errors)
    _belongs(order, customer, "order", errors)
    if errors:
        raise ValidationFailed(_("The document could not be saved."), fields=errors)
    document = Document(
        customer=customer,
        opportunity=opportunity,
        contract=contract,
        order=order,
        title=title,
        kind=kind,
        file_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        shared_with_customer=bool(shared_with_customer),
        uploaded_by=actor,
    )
    document.file.save(checked.name, checked.upload, save=False)
    document.save()
    audit_record(
        action="create",
        actor=actor,
        obj=document,
        extra={"customer": customer.pk, "file": checked.name, "shared": document.shared_with_customer},
    )
    return document


@transaction.atomic
def document_share(*, actor, document: Document, shared: bool) -> Document:
    """Show the document to the customer in the portal, or withdraw it."""
    _require_change(actor, document.customer)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.shared_with_customer != bool(shared):
        old = document.shared_with_customer
        document.shared_with_customer = bool(shared)
        document.save(update_fields=["shared_with_customer"])
        audit_record(
            action="change",
            actor=actor,
            obj=document,
            changes={"shared_with_customer": [old, document.shared_with_customer]},
        )
    return document


@transaction.atomic
def document_delete(*, actor, document: Document) -> None:
    """Remove the document and, once the deletion is committed, its file."""
    _require_change(actor, document.customer)
    name, storage = document.file.name, document.file.storage
    audit_record(action="delete", actor=actor, obj=document, extra={"file": document.file_name})
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
