"""Quotations (报价单): create with priced lines, revise (a new version; the old one is kept as
superseded), send by e-mail with the PDF, accept into a contract or an order."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, ValidationFailed

from ..models import Contract, Customer, Order, Product, Quotation, QuotationLine
from .common import (
    check_email,
    check_fits,
    clean_text,
    next_code,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
)

CENT = Decimal("0.01")
DEFAULT_TAX_PERCENT = Decimal("13")  # China's standard VAT rate on goods


def _percent(value, field: str, errors: dict, default: Decimal) -> Decimal:
    number = parse_decimal(value, field, errors)
    if number is None:
        return default
    if not 0 <= number <= 100:
        errors.setdefault(field, []).append(_g("Enter a percentage from 0 to 100."))
    return number


def _clean_lines(lines: list[dict], errors: dict) -> list[QuotationLine]:
    """Lines as dicts: product (instance), quantity, price (default: the catalogue price),
    discount_percent, tax_percent (default 13), description. Errors located as lines.N.field."""
    result = []
    if not lines:
        errors.setdefault("lines", []).append(_g("A quotation needs at least one line."))
    for index, line in enumerate(lines, start=1):
        prefix = f"lines.{index}"
        product = line.get("product")
        if not isinstance(product, Product):
            errors.setdefault(f"{prefix}.product", []).append(_g("Choose a product."))
            continue
        line_errors: dict = {}
        quantity = parse_decimal(line.get("quantity"), "quantity", line_errors)
        if quantity is None or quantity <= 0:
            line_errors.setdefault("quantity", []).append(_g("Enter a quantity greater than 0."))
        else:
            check_fits(quantity, QuotationLine._meta.get_field("quantity"), "quantity", line_errors)
        price = parse_decimal(
            product.price if line.get("price") in (None, "") else line["price"], "price", line_errors
        )
        if price is None or price < 0:
            line_errors.setdefault("price", []).append(_g("Enter a price of at least 0."))
        else:
            check_fits(price, QuotationLine._meta.get_field("price"), "price", line_errors)
        discount = _percent(line.get("discount_percent"), "discount_percent", line_errors, Decimal(0))
        tax = _percent(line.get("tax_percent"), "tax_percent", line_errors, DEFAULT_TAX_PERCENT)
        description = clean_text(line.get("description"), "description", line_errors)
        for key, messages in line_errors.items():
            errors.setdefault(f"{prefix}.{key}", []).extend(messages)
        if line_errors:
            continue
        net = (quantity * price * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        if not check_fits(net, QuotationLine._meta.get_field("net_amount"), f"{prefix}.quantity", errors):
            continue
        result.append(
            QuotationLine(
                product=product,
                description=description or product.name,
                unit=product.unit,
                quantity=quantity,
                price=price,
                discount_percent=discount,
                tax_percent=tax,
                net_amount=net,
                tax_amount=(net * tax / 100).quantize(CENT, rounding=ROUND_HALF_UP),
            )
        )
    return result


def _fields(data: dict, errors: dict, customer: Customer) -> dict:
    cleaned = {
        "title": clean_text(data.get("title"), "title", errors, required=True),
        "quoted_on": parse_date(data.get("quoted_on"), "quoted_on", errors) or timezone.localdate(),
        "valid_until": parse_date(data.get("valid_until"), "valid_until", errors),
        "terms": clean_text(data.get("terms"), "terms", errors, limit=10_000),
        "notes": clean_text(data.get("notes"), "notes", errors, limit=10_000),
    }
    if cleaned["valid_until"] and cleaned["valid_until"] < cleaned["quoted_on"]:
        errors.setdefault("valid_until", []).append(_g("Valid until comes before the quotation date."))
    for key in ("contact", "opportunity"):
        obj = data.get(key)
        if obj is not None and obj.customer_id != customer.pk:
            errors.setdefault(key, []).append(_g("It belongs to another customer."))
        cleaned[key] = obj
    return cleaned


def _write(quotation: Quotation, lines: list[QuotationLine]) -> None:
    quotation.net_amount = sum((line.net_amount for line in lines), Decimal(0))
    quotation.tax_amount = sum((line.tax_amount for line in lines), Decimal(0))
    quotation.total_amount = quotation.net_amount + quotation.tax_amount
    quotation.save()
    for line in lines:
        line.quotation = quotation
    QuotationLine.objects.bulk_create(lines)


@transaction.atomic
def quotation_create(*, actor, customer: Customer, lines: list[dict], **data) -> Quotation:
    """A draft quotation; every amount is computed here, never entered."""
    require_permission(actor, Quotation, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    unknown = set(data) - {"title", "quoted_on", "valid_until", "terms", "notes", "contact", "opportunity"}
    for key in unknown:
        errors.setdefault(key, []).append(_g("Unknown field."))
    cleaned = _fields(data, errors, customer)
    quotation_lines = _clean_lines(lines, errors)
    if errors:
        raise ValidationFailed(_("The quotation could not be saved."), fields=errors)
    quotation = Quotation(
        code=next_code("quotation", "QT"), customer=customer, owner=actor, created_by=actor, **cleaned
    )
    _write(quotation, quotation_lines)
    audit_record(action="create", actor=actor, obj=quotation, extra={"total": str(quotation.total_amount)})
    return quotation


@transaction.atomic
def quotation_revise(*, actor, quotation: Quotation, lines: list[dict], **data) -> Quotation:
    """A new version of the quotation with these lines (and changed fields); the old version stays,
    marked superseded. Only the latest, not yet accepted version can be revised."""
    require_row(actor, quotation, "change")
    old = Quotation.objects.select_for_update().get(pk=quotation.pk)
    if old.status in (Quotation.Status.ACCEPTED, Quotation.Status.SUPERSEDED):
        raise Conflict(
            _g("Quotation %(code)s is %(status)s; it cannot be revised.")
            % {"code": old, "status": old.get_status_display()}
        )
    errors: dict = {}
    base = {
        "title": old.title,
        "quoted_on": timezone.localdate(),
        "valid_until": old.valid_until,
        "terms": old.terms,
        "notes": old.notes,
        "contact": old.contact,
        "opportunity": old.opportunity,
    }
    cleaned = _fields({**base, **data}, errors, old.customer)
    quotation_lines = _clean_lines(lines, errors)
    if errors:
        raise ValidationFailed(_("The quotation could not be saved."), fields=errors)
    old.status = Quotation.Status.SUPERSEDED
    old.save(update_fields=["status", "updated_at"])
    revision = Quotation(
        code=old.code,
        version=old.version + 1,
        previous=old,
        customer=old.customer,
        owner=old.owner,
        created_by=actor,
        **cleaned,
    )
    _write(revision, quotation_lines)
    audit_record(
        action="create",
        actor=actor,
        obj=revision,
        extra={"revision_of": str(old), "total": str(revision.total_amount)},
    )
    return revision


def _require_open(quotation: Quotation) -> None:
    if quotation.status not in (Quotation.Status.DRAFT, Quotation.Status.SENT):
        raise Conflict(
            _g("Quotation %(code)s is %(status)s.")
            % {"code": quotation, "status": quotation.get_status_display()}
        )


@transaction.atomic
def quotation_send(*, actor, quotation: Quotation, to: str, message: str = "") -> Quotation:
    """E-mail the quotation's PDF to the customer (after the commit) and mark it sent."""
    from ..pdf import quotation_pdf, quotation_pdf_name

    require_row(actor, quotation, "change")
    quotation = Quotation.objects.select_for_update().get(pk=quotation.pk)
    _require_open(quotation)
    to = (to or "").strip()
    problem = check_email(to) if to else _g("This field is required.")
    if problem:
        raise ValidationFailed(_("The quotation could not be sent."), fields={"to": [problem]})
    pdf = quotation_pdf(quotation)
    name = quotation_pdf_name(quotation)
    sender = str(actor)
    subject = _g("Quotation %(code)s: %(title)s") % {"code": quotation, "title": quotation.title}
    body = message or _g("Please find our quotation %(code)s attached.\n\nBest regards,\n%(sender)s") % {
        "code": quotation,
        "sender": sender,
    }
    reply_to = [actor.email] if actor.email else None

    def send():
        mail = EmailMessage(subject=subject, body=body, to=[to], reply_to=reply_to)
        mail.attach(name, pdf, "application/pdf")
        mail.send()

    transaction.on_commit(send)
    quotation.status = Quotation.Status.SENT
    quotation.sent_at = timezone.now()
    quotation.sent_to = to
    quotation.save(update_fields=["status", "sent_at", "sent_to", "updated_at"])
    audit_record(
        action="change", actor=actor, obj=quotation, changes={"status": ["", "sent"]}, extra={"to": to}
    )
    return quotation


@transaction.atomic
def quotation_decline(*, actor, quotation: Quotation, reason: str = "") -> Quotation:
    require_row(actor, quotation, "change")
    quotation = Quotation.objects.select_for_update().get(pk=quotation.pk)
    _require_open(quotation)
    old = quotation.status
    quotation.status = Quotation.Status.DECLINED
    quotation.save(update_fields=["status", "updated_at"])
    audit_record(
        action="change",
        actor=actor,
        obj=quotation,
        changes={"status": [old, "declined"]},
        extra={"note": reason},
    )
    return quotation


@transaction.atomic
def quotation_accept(
    *, actor, quotation: Quotation, into: str = "contract", title: str = ""
) -> Contract | Order:
    """The customer accepted: the quotation becomes a draft contract (its amount the quotation's
    total, its terms the quotation's) or a draft order with the same lines, in one step."""
    from .commerce import contract_create, order_create

    require_row(actor, quotation, "change")
    quotation = Quotation.objects.select_for_update().select_related("customer").get(pk=quotation.pk)
    _require_open(quotation)
    if into not in ("contract", "order"):
        raise ValidationFailed(_("Choose a contract or an order."), fields={"into": [_g("Unknown choice.")]})
    if into == "contract":
        result = contract_create(
            actor=actor,
            customer=quotation.customer,
            title=title or quotation.title,
            amount=quotation.total_amount,
            opportunity=quotation.opportunity,
            terms=quotation.terms,
            quotation=quotation,
        )
    else:
        lines = [
            {
                "product": line.product,
                "quantity": line.quantity,
                "price": (line.price * (100 + line.tax_percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP),
                "discount_percent": line.discount_percent,
            }
            for line in quotation.lines.select_related("product")
        ]
        result = order_create(
            actor=actor,
            customer=quotation.customer,
            lines=lines,
            opportunity=quotation.opportunity,
            notes=_g("From quotation %(code)s") % {"code": quotation},
            quotation=quotation,
        )
    old = quotation.status
    quotation.status = Quotation.Status.ACCEPTED
    quotation.save(update_fields=["status", "updated_at"])
    audit_record(
        action="change",
        actor=actor,
        obj=quotation,
        changes={"status": [old, "accepted"]},
        extra={into: str(result)},
    )
    return result
