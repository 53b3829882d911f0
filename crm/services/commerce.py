"""Contracts, orders with lines, payments (回款). Products and stock moved to `crm.catalogue.services`;
their service names stay importable from here for the callers that know them by this module."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, ValidationFailed
from engine.connectors import user_of
from engine.ownership import require_process_authority

from ..catalogue.services import (  # noqa: F401  (re-exported, see the docstring)
    product_create,
    product_update,
    stock_available,
    stock_count,
    stock_in,
    stock_out,
    stock_out_anywhere,
    stock_transfer,
)
from ..models import (
    Contract,
    Customer,
    Instalment,
    Order,
    OrderLine,
    Payment,
    Product,
)
from ..signals import business_event
from .common import (
    check_fits,
    next_code,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
)

CENT = Decimal("0.01")

# --- Contracts and orders ------------------------------------------------------------------


@transaction.atomic
def contract_create(
    *,
    actor,
    customer: Customer,
    title: str,
    amount,
    signed_on=None,
    starts_on=None,
    ends_on=None,
    opportunity=None,
    terms: str = "",
    customer_signer: str = "",
    quotation=None,
) -> Contract:
    """A contract; with a signing date it is recorded as signed (a contract signed on paper before),
    else it is a draft that goes through the approval process (crm.services.contracts)."""
    require_permission(actor, Contract, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    if not title.strip():
        errors.setdefault("title", []).append(_g("This field is required."))
    value = parse_decimal(amount, "amount", errors, Contract._meta.get_field("amount"))
    if value is None or value < 0:
        errors.setdefault("amount", []).append(_g("Enter an amount of at least 0."))
    dates = {
        k: parse_date(v, k, errors)
        for k, v in (("signed_on", signed_on), ("starts_on", starts_on), ("ends_on", ends_on))
    }
    if dates["starts_on"] and dates["ends_on"] and dates["ends_on"] < dates["starts_on"]:
        errors.setdefault("ends_on", []).append(_g("The end comes before the start."))
    if opportunity is not None and opportunity.customer_id != customer.pk:
        errors.setdefault("opportunity", []).append(_g("The opportunity belongs to another customer."))
    if errors:
        raise ValidationFailed(_("The contract could not be saved."), fields=errors)
    contract = Contract.objects.create(
        code=next_code("contract", "HT"),
        customer=customer,
        title=title.strip(),
        amount=value,
        opportunity=opportunity,
        terms=(terms or "").strip(),
        customer_signer=(customer_signer or "").strip()[:100],
        quotation=quotation,
        owner=actor,
        created_by=actor,
        status=Contract.Status.SIGNED if dates["signed_on"] else Contract.Status.DRAFT,
        **dates,
    )
    audit_record(action="create", actor=actor, obj=contract)
    return contract


def _clean_lines(lines: list[dict], errors: dict) -> list[OrderLine]:
    """Lines as dicts: product (instance), quantity, price (default: product price), discount_percent."""
    result = []
    if not lines:
        errors.setdefault("lines", []).append(_g("An order needs at least one line."))
    for index, line in enumerate(lines, start=1):
        product = line.get("product")
        prefix = f"lines.{index}"
        if not isinstance(product, Product):
            errors.setdefault(f"{prefix}.product", []).append(_g("Choose a product."))
            continue
        if not product.active:
            errors.setdefault(f"{prefix}.product", []).append(_g("This product is no longer sold."))
        line_errors: dict = {}
        quantity = parse_decimal(line.get("quantity"), "quantity", line_errors)
        if quantity is None or quantity <= 0:
            line_errors.setdefault("quantity", []).append(_g("Enter a quantity greater than 0."))
        else:
            check_fits(quantity, OrderLine._meta.get_field("quantity"), "quantity", line_errors)
        price = parse_decimal(line.get("price", product.price), "price", line_errors)
        if price is None or price < 0:
            line_errors.setdefault("price", []).append(_g("Enter a price of at least 0."))
        else:
            check_fits(price, OrderLine._meta.get_field("price"), "price", line_errors)
        discount = parse_decimal(line.get("discount_percent", 0), "discount_percent", line_errors) or Decimal(
            0
        )
        if not 0 <= discount <= 100:
            line_errors.setdefault("discount_percent", []).append(_g("Enter a percentage from 0 to 100."))
        delivery = parse_date(line.get("delivery_on"), "delivery_on", line_errors)
        for key, messages in line_errors.items():
            errors.setdefault(f"{prefix}.{key}", []).extend(messages)
        if line_errors:
            continue
        amount = quantity * price * (100 - discount) / 100
        too_much = _g("The line comes to %(amount)s, more than an order line can hold; lower the quantity.")
        if not check_fits(
            amount,
            OrderLine._meta.get_field("amount"),
            f"{prefix}.quantity",
            errors,
            too_much % {"amount": f"{amount:,.2f}"},
        ):
            continue
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
        result.append(
            OrderLine(
                product=product,
                unit=line.get("unit") or product.unit,
                quantity=quantity,
                price=price,
                discount_percent=discount,
                amount=amount,
                delivery_on=delivery,
            )
        )
    return result


@transaction.atomic
def order_create(
    *,
    actor,
    customer: Customer,
    lines: list[dict],
    ordered_on=None,
    delivery_on=None,
    contract: Contract | None = None,
    opportunity=None,
    notes: str = "",
    quotation=None,
) -> Order:
    """An order with its lines; every line amount and the total are computed here, never entered."""
    require_permission(actor, Order, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    order_lines = _clean_lines(lines, errors)
    ordered = parse_date(ordered_on, "ordered_on", errors) or timezone.localdate()
    delivery = parse_date(delivery_on, "delivery_on", errors)
    if delivery and delivery < ordered:
        errors.setdefault("delivery_on", []).append(_g("Delivery cannot come before the order date."))
    if contract is not None and contract.customer_id != customer.pk:
        errors.setdefault("contract", []).append(_g("The contract belongs to another customer."))
    total = sum((line.amount for line in order_lines), Decimal(0))
    check_fits(
        total,
        Order._meta.get_field("total_amount"),
        "lines",
        errors,
        _g("The lines add up to %(total)s, more than an order can hold; split the order.")
        % {"total": f"{total:,.2f}"},
    )
    if errors:
        raise ValidationFailed(_("The order could not be saved."), fields=errors)
    order = Order.objects.create(
        code=next_code("order", "SO"),
        customer=customer,
        contract=contract,
        opportunity=opportunity,
        quotation=quotation,
        ordered_on=ordered,
        delivery_on=delivery,
        notes=notes,
        owner=actor,
        created_by=actor,
        total_amount=total,
    )
    for line in order_lines:
        line.order = order
        line.booked_on = order.lines_booked_on()
    OrderLine.objects.bulk_create(order_lines)
    audit_record(action="create", actor=actor, obj=order, extra={"total": str(order.total_amount)})
    return order


def _order_stock_follows(actor, order: Order, status: str) -> None:
    """Approval reserves the order's stock, cancellation/rejection releases it, shipment books it
    out: what approval reserved, and what was never reserved (orders approved before reservations
    existed) from the warehouses that have it."""
    from .reservations import order_release_stock, order_reserve_stock, order_ship_stock

    user = user_of(actor)
    if status == Order.Status.APPROVED:
        order_reserve_stock(actor=user, order=order)
    elif status in (Order.Status.CANCELLED, Order.Status.REJECTED):
        order_release_stock(actor=user, order=order)
    elif status == Order.Status.SHIPPED:
        shipped = order_ship_stock(actor=user, order=order)
        for line in order.lines.select_related("product").order_by("id"):
            covered = min(shipped.get(line.product_id, Decimal(0)), line.quantity)
            shipped[line.product_id] = shipped.get(line.product_id, Decimal(0)) - covered
            if line.quantity > covered:
                stock_out_anywhere(
                    actor=actor,
                    product=line.product,
                    quantity=line.quantity - covered,
                    reference=order.code,
                    order=order,
                )


ORDER_TRANSITIONS = {
    Order.Status.DRAFT: {Order.Status.SUBMITTED, Order.Status.CANCELLED},
    Order.Status.SUBMITTED: {Order.Status.APPROVED, Order.Status.REJECTED, Order.Status.CANCELLED},
    Order.Status.APPROVED: {Order.Status.SHIPPED, Order.Status.CANCELLED},
    Order.Status.REJECTED: {Order.Status.DRAFT},
    Order.Status.SHIPPED: {Order.Status.PAID},
    Order.Status.PAID: set(),
    Order.Status.CANCELLED: set(),
}


@transaction.atomic
def order_set_status(*, actor, order: Order, status: str, note: str = "") -> Order:
    """Move an order along its life. While the order-approval process runs on the order, only
    that process (its connectors, actor=ProcessActor) moves it: anyone else gets a Conflict naming
    the process and the task it waits at."""
    require_row(actor, order, "change")
    order = Order.objects.select_for_update().get(pk=order.pk)
    require_process_authority(actor=actor, obj=order, fields=["status"])
    if status not in ORDER_TRANSITIONS.get(order.status, set()):
        raise Conflict(
            _g("An order cannot go from %(old)s to %(new)s.")
            % {"old": order.get_status_display(), "new": status}
        )
    old = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    _order_stock_follows(actor, order, status)
    if status == Order.Status.SUBMITTED:
        business_event.send(
            sender=Order,
            name="order.submitted",
            obj=order,
            actor=actor,
            data={"total": str(order.total_amount)},
        )
    business_event.send(
        sender=Order,
        name="order.status_changed",
        obj=order,
        actor=actor,
        data={"code": order.code, "from": old, "to": status},
    )
    audit_record(
        action="change", actor=actor, obj=order, changes={"status": [old, status]}, extra={"note": note}
    )
    return order


@transaction.atomic
def order_lines_resync_booked_on() -> int:
    """Set every order line's `booked_on` from its order where they disagree (after a change that
    bypassed Order.save, or orders booked by an older version during a rolling upgrade); returns
    how many lines changed. Running it again changes nothing."""
    booked = Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("ordered_on")[:1])
    lines = OrderLine.objects.filter(order__status__in=Order.BOOKED)
    changed = lines.filter(Q(booked_on__isnull=True) | ~Q(booked_on=F("order__ordered_on"))).update(
        booked_on=booked
    )
    not_booked = OrderLine.objects.exclude(order__status__in=Order.BOOKED).filter(booked_on__isnull=False)
    return changed + not_booked.update(booked_on=None)


@transaction.atomic
def payment_record(
    *,
    actor,
    customer: Customer,
    amount,
    paid_on=None,
    order: Order | None = None,
    contract: Contract | None = None,
    method: str = Payment.Method.TRANSFER,
    reference: str = "",
    instalment: Instalment | None = None,
) -> Payment:
    """A payment (回款) against the customer, an order, a contract or an instalment of a contract's
    payment plan. It is linked to everything it pays: an instalment's contract, an order's
    contract, so the contract, the order and the customer each count it once."""
    require_permission(actor, Payment, "add")
    require_row(actor, customer, "view")
    errors: dict = {}
    if instalment is not None:
        if contract is not None and contract.pk != instalment.contract_id:
            errors.setdefault("instalment", []).append(_g("The instalment belongs to another contract."))
        contract = contract or instalment.contract
    if order is not None and order.contract_id is not None:
        if contract is not None and contract.pk != order.contract_id:
            errors.setdefault("contract", []).append(_g("The order belongs to another contract."))
        contract = contract or order.contract
    value = parse_decimal(amount, "amount", errors, Payment._meta.get_field("amount"))
    if value is None or value <= 0:
        errors.setdefault("amount", []).append(_g("Enter an amount greater than 0."))
    day = parse_date(paid_on, "paid_on", errors) or timezone.localdate()
    if order is not None and order.customer_id != customer.pk:
        errors.setdefault("order", []).append(_g("The order belongs to another customer."))
    if contract is not None and contract.customer_id != customer.pk:
        errors.setdefault("contract", []).append(_g("The contract belongs to another customer."))
    if method not in Payment.Method.values:
        errors.setdefault("method", []).append(_g("Unknown payment method."))
    if errors:
        raise ValidationFailed(_("The payment could not be saved."), fields=errors)
    payment = Payment.objects.create(
        customer=customer,
        order=order,
        contract=contract,
        instalment=instalment,
        amount=value,
        paid_on=day,
        method=method,
        reference=reference[:100],
        created_by=user_of(actor),
    )
    if instalment is not None:
        paid = Payment.objects.filter(instalment=instalment).aggregate(total=Sum("amount"))["total"]
        Instalment.objects.filter(pk=instalment.pk).update(settled=paid >= instalment.amount)
    audit_record(action="create", actor=actor, obj=payment)
    return payment
