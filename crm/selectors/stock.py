"""Reads of stock: per-warehouse levels with what orders hold, and an order's reservations."""

from __future__ import annotations

from django.db.models import F, QuerySet

from ..models import Order, Product, StockLevel, StockReservation


def stock_levels(*, product: Product) -> QuerySet:
    """Each warehouse's on hand, reserved and available (= on hand - reserved) for a product."""
    return (
        StockLevel.objects.filter(product=product)
        .select_related("warehouse")
        .annotate(free=F("on_hand") - F("reserved"))
        .order_by("warehouse__code")
    )


def order_reservations(*, order: Order, active_only: bool = True) -> QuerySet:
    """What an order holds (or held) in which warehouse."""
    qs = StockReservation.objects.filter(order=order).select_related("product", "warehouse")
    return qs.filter(status=StockReservation.Status.ACTIVE) if active_only else qs
