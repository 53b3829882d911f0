"""Writes a customer makes for their own company (through the portal): a complaint, a service
request, an order from the catalogue.

Customers are not staff: they hold no CRM permission and no row rule admits them. The rule here is
narrower: the caller (the portal) has established that `user` is a portal user of `customer`; these
services check that the customer's portal access is on and the user active, validate, create the
record for that customer, audit it and announce the same business event the staff services do (its
start binding starts the process), all in one transaction.

`errors` lets the caller report its own findings (e.g. refused attachments) together with ours, so
one submission gets one list of located errors and nothing is written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed

from ..models import Complaint, Contact, Customer, Order, OrderLine, Product, ServiceRequest
from ..signals import business_event
from .common import check_fits, clean_text, next_code, parse_date
from .service import clean_complaint, clean_service_request, create_complaint, create_service_request

MAX_ORDER_QUANTITY = 100_000
CENT = Decimal("0.01")


def _require_customer_user(user, customer: Customer, contact: Contact | None) -> None:
    if user is None or not getattr(user, "is_active", False) or not customer.portal_enabled:
        raise NotPermitted(_("Your portal access is not active."))
    if contact is not None and contact.customer_id != customer.pk:
        raise NotPermitted(_("Your portal access is not active."))


def _variables(user, customer: Customer) -> dict:
    return {
        "customer_user": user.get_username(),
        "customer_id": customer.pk,
        "customer_name": customer.name,
        "channel": "portal",
    }


@transaction.atomic
def customer_complaint_submit(
    *,
    user,
    customer: Customer,
    contact: Contact | None = None,
    category,
    subject: str,
    description: str,
    severity: str = Complaint.Severity.NORMAL,
    errors: dict | None = None,
    variables: dict | None = None,
) -> Complaint:
    """A complaint by the customer: category (from the complaint-category list), subject and
    description are required, the severity is how urgent the customer says it is (the SLA policy
    dates it by that until triage); starts the process bound to `complaint.submitted`."""
    _require_customer_user(user, customer, contact)
    errors = dict(errors or {})
    fields = clean_complaint(
        errors,
        category=category,
        subject=subject,
        description=description,
        severity=severity or Complaint.Severity.NORMAL,
        channel=Complaint.Channel.PORTAL,
        category_required=True,
    )
    if not fields["description"] and "description" not in errors:
        errors["description"] = [_g("This field is required.")]
    if errors:
        raise ValidationFailed(_("The complaint could not be submitted."), fields=errors)
    return create_complaint(
        actor=user,
        customer=customer,
        contact=contact,
        fields=fields,
        variables={
            **_variables(user, customer),
            "subject": fields["subject"],
            "description": fields["description"],
            **(variables or {}),
        },
    )


@transaction.atomic
def customer_service_request_submit(
    *,
    user,
    customer: Customer,
    contact: Contact | None = None,
    kind: str,
    description: str,
    product=None,
    serial_number: str = "",
    preferred_at=None,
    address: str = "",
    errors: dict | None = None,
    variables: dict | None = None,
) -> ServiceRequest:
    """A service request by the customer; on-site kinds (repair, installation, visit) need an
    address. The subject is made from the kind and the product (or the description's first line)."""
    _require_customer_user(user, customer, contact)
    errors = dict(errors or {})
    fields = clean_service_request(
        errors,
        kind=kind,
        subject="",
        subject_required=False,
        description=description,
        product=product,
        serial_number=serial_number,
        preferred_at=preferred_at,
        address=address,
    )
    if not fields["description"] and "description" not in errors:
        errors["description"] = [_g("This field is required.")]
    on_site = {ServiceRequest.Kind.INSTALL, ServiceRequest.Kind.VISIT, ServiceRequest.Kind.REPAIR}
    if kind in on_site and not fields["address"] and "address" not in errors:
        errors["address"] = [_g("This field is required.")]
    if errors:
        raise ValidationFailed(_("The service request could not be submitted."), fields=errors)
    kind_label = ServiceRequest.Kind(kind).label
    about = fields["product"].name if fields["product"] else fields["description"].splitlines()[0][:150]
    fields["subject"] = f"{kind_label}: {about}"[:200]
    return create_service_request(
        actor=user,
        customer=customer,
        contact=contact,
        fields=fields,
        variables={**_variables(user, customer), "description": fields["description"], **(variables or {})},
    )


def clean_order_quantity(value, errors: dict, field: str) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_g("Enter a whole number."))
        return None
    if not number.is_finite() or number != number.to_integral_value():
        errors.setdefault(field, []).append(_g("Enter a whole number."))
        return None
    if number <= 0:
        errors.setdefault(field, []).append(_g("Enter a quantity greater than 0."))
        return None
    if number > MAX_ORDER_QUANTITY:
        errors.setdefault(field, []).append(_g("At most %(n)d per line.") % {"n": MAX_ORDER_QUANTITY})
        return None
    return number


@transaction.atomic
def customer_order_place(
    *,
    user,
    customer: Customer,
    contact: Contact | None = None,
    cart: dict,
    delivery_on=None,
    notes: str = "",
) -> Order:
    """An order from the catalogue: the cart {product id: quantity} at today's catalogue prices,
    submitted for approval (`order.submitted`). Errors are keyed `quantity_<product id>`."""
    _require_customer_user(user, customer, contact)
    errors: dict = {}
    if not cart:
        errors.setdefault("cart", []).append(_g("Your cart is empty."))
    ids = [int(k) for k in (cart or {}) if str(k).isdigit()]
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)}
    lines = []
    for key, raw in (cart or {}).items():
        product = products.get(int(key)) if str(key).isdigit() else None
        field = f"quantity_{key}"
        if product is None or not product.active:
            name = product.name if product else str(key)
            errors.setdefault(field, []).append(
                _g("“%(name)s” is no longer sold; remove it from the cart.") % {"name": name}
            )
            continue
        quantity = clean_order_quantity(raw, errors, field)
        if quantity is None:
            continue
        amount = quantity * product.price
        if not check_fits(amount, OrderLine._meta.get_field("amount"), field, errors, _g("Order fewer.")):
            continue
        amount = amount.quantize(CENT)
        lines.append(
            OrderLine(
                product=product, unit=product.unit, quantity=quantity, price=product.price, amount=amount
            )
        )
    delivery = parse_date(delivery_on, "delivery_on", errors)
    if delivery is not None and delivery < timezone.localdate():
        errors.setdefault("delivery_on", []).append(_g("Choose a date from today on."))
    notes = clean_text(notes, "notes", errors, limit=2000)
    total = sum((line.amount for line in lines), Decimal(0))
    check_fits(total, Order._meta.get_field("total_amount"), "cart", errors, _g("Split the order in two."))
    if errors:
        raise ValidationFailed(_("The order could not be placed."), fields=errors)
    order = Order.objects.create(
        code=next_code("order", "SO"),
        customer=customer,
        status=Order.Status.SUBMITTED,
        ordered_on=timezone.localdate(),
        delivery_on=delivery,
        notes=notes,
        # The customer manager owns the order (as when staff enter it); an unowned customer's
        # order is held by the customer's own user until sales takes it over.
        owner=customer.owner or user,
        created_by=user,
        total_amount=total,
    )
    for line in lines:
        line.order = order
        line.booked_on = order.lines_booked_on()
    OrderLine.objects.bulk_create(lines)
    audit_record(
        action="create", actor=user, obj=order, extra={"channel": "portal", "total": str(order.total_amount)}
    )
    business_event.send(
        sender=Order,
        name="order.submitted",
        obj=order,
        actor=user,
        data={
            **_variables(user, customer),
            "reference": order.code,
            "order_id": order.pk,
            "total": str(order.total_amount),
            "delivery_on": delivery.isoformat() if delivery else "",
            "lines": [
                {"product": line.product.code, "quantity": str(line.quantity), "amount": str(line.amount)}
                for line in lines
            ],
        },
    )
    return order
