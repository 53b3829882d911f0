"""Reads of the catalogue and stock: a product's price on a list, its stock per warehouse, its
ledger, an order's reservations, the category tree as choices."""

from __future__ import annotations

import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ..models import (
    Order,
    PriceList,
    Product,
    ProductCategory,
    ProductPrice,
    StockLevel,
    StockMove,
    StockReservation,
)


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


def product_ledger(*, user, product: Product, limit: int = 20) -> list[StockMove]:
    """The newest moves of a product in every warehouse (with the balance after each), as the
    user may see them."""
    return list(
        StockMove.objects.visible_to(user, "view")
        .filter(product=product)
        .select_related("warehouse", "actor")
        .order_by("-at", "-id")[:limit]
    )


def prices_valid_on(*, product: Product, day: datetime.date | None = None) -> list[ProductPrice]:
    """The product's price on each active price list valid on `day` (today), the latest start
    winning where periods overlap."""
    day = day or timezone.localdate()
    rows = (
        ProductPrice.objects.filter(product=product, price_list__active=True, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .select_related("price_list")
        .order_by("price_list__code", "-valid_from")
    )
    seen, result = set(), []
    for row in rows:
        if row.price_list_id not in seen:
            seen.add(row.price_list_id)
            result.append(row)
    return result


def product_price(*, product: Product, price_list: PriceList | None, day: datetime.date | None = None):
    """The product's price on `price_list` on `day`, else its base price."""
    if price_list is not None:
        for row in prices_valid_on(product=product, day=day):
            if row.price_list_id == price_list.pk:
                return row.price
    return product.price


def product_prices(*, product: Product) -> QuerySet:
    """Every price of the product on every list, current and past."""
    return (
        ProductPrice.objects.filter(product=product)
        .select_related("price_list")
        .order_by("price_list__code", "-valid_from")
    )


def category_choices(*, active_only: bool = True) -> list[tuple[int, str]]:
    """The category tree depth first, each with its path ("泵 / 离心泵"), in one query."""
    rows = ProductCategory.objects.all()
    if active_only:
        rows = rows.filter(active=True)
    nodes = list(rows.order_by("sort_order", "name"))
    children: dict = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    known = {node.pk for node in nodes}
    result: list[tuple[int, str]] = []

    def walk(parent_id, prefix: str, depth: int) -> None:
        if depth > 20:
            return
        for node in children.get(parent_id, []):
            path = f"{prefix}{node.name}"
            result.append((node.pk, path))
            walk(node.pk, f"{path} / ", depth + 1)

    walk(None, "", 0)
    # an inactive parent hides its subtree from the walk; offer those children by name
    for node in nodes:
        if node.parent_id is not None and node.parent_id not in known:
            result.append((node.pk, node.name))
    return result


def category_ids_below(category_id: int) -> list[int]:
    """The category and every category under it."""
    pairs = list(ProductCategory.objects.values_list("pk", "parent_id"))
    below, frontier = {category_id}, {category_id}
    while frontier:
        frontier = {pk for pk, parent in pairs if parent in frontier and pk not in below}
        below |= frontier
    return sorted(below)
