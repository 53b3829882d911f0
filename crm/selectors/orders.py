"""Reads of an order for the people deciding on it: what is ordered, what it costs, whether the
stock is there and what the customer already owes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum

from ..models import Order, StockLevel
from .customers import customer_receivable
from .stock import order_reservations


@dataclass(frozen=True)
class OrderLineView:
    product: str
    code: str
    unit: str
    quantity: Decimal
    price: Decimal
    discount_percent: Decimal
    amount: Decimal
    available: Decimal  # free stock over all warehouses (on hand - reserved) + what the order holds

    @property
    def short(self) -> bool:
        return self.available < self.quantity


@dataclass(frozen=True)
class OrderSummary:
    order: Order
    lines: list[OrderLineView]
    list_total: Decimal  # before line discounts
    receivable: Decimal  # what the customer owes, this order included once it is submitted

    @property
    def discount(self) -> Decimal:
        return self.list_total - self.order.total_amount

    @property
    def any_short(self) -> bool:
        return any(line.short for line in self.lines)


def order_summary(*, user, pk: int) -> OrderSummary | None:
    """The order as its approver needs it, if `user` may see it (None otherwise)."""
    order = (
        Order.objects.visible_to(user, "view")
        .select_related("customer__level", "owner", "contract")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        return None
    lines = list(order.lines.select_related("product").order_by("pk"))
    products = {line.product_id for line in lines}
    free = dict(
        StockLevel.objects.filter(product__in=products)
        .values("product")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
        .values_list("product", "free")
    )
    # what this order already holds counts as there for it
    held = dict(
        order_reservations(order=order)
        .values("product")
        .annotate(held=Sum("quantity"))
        .values_list("product", "held")
    )
    views = [
        OrderLineView(
            product=line.product.name,
            code=line.product.code,
            unit=line.unit,
            quantity=line.quantity,
            price=line.price,
            discount_percent=line.discount_percent,
            amount=line.amount,
            available=(free.get(line.product_id) or Decimal(0)) + (held.get(line.product_id) or Decimal(0)),
        )
        for line in lines
    ]
    list_total = sum((line.price * line.quantity for line in lines), Decimal(0)).quantize(Decimal("0.01"))
    return OrderSummary(
        order=order,
        lines=views,
        list_total=list_total,
        receivable=customer_receivable(customer=order.customer),
    )
