"""Stock reserved by orders (预留): an approved order holds its products' stock, a cancelled or
rejected one lets it go, a shipped one books it out. Available = on hand - reserved.

These run inside the caller's transaction (order_set_status, the order process's connectors),
which has already checked the right to change the order. The stock levels of the order's products
are locked (`SELECT ... FOR UPDATE`, in product/warehouse order so two orders cannot deadlock), so
two approvals can never both take the last units.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, ValidationFailed

from ..catalogue.services import stock_levels_recheck
from ..models import Order, StockLevel, StockMove, StockReservation


def _lock_levels(product_ids) -> list[StockLevel]:
    return list(
        StockLevel.objects.select_for_update()
        .filter(product_id__in=set(product_ids))
        .order_by("product_id", "warehouse_id")
    )


@transaction.atomic
def order_reserve_stock(*, actor, order: Order) -> list[StockReservation]:
    """Reserve every line's quantity, from the warehouses with the most available first. Not
    enough of a product: ValidationFailed located on that product's first line
    (`lines.<n>.quantity`, n from 1), and nothing is reserved. Reserving twice is a no-op."""
    if order.reservations.filter(status=StockReservation.Status.ACTIVE).exists():
        return []
    lines = list(order.lines.select_related("product").order_by("id"))
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    first_line: dict[int, tuple[int, object]] = {}
    for index, line in enumerate(lines, start=1):
        wanted[line.product_id] += line.quantity
        first_line.setdefault(line.product_id, (index, line.product))
    levels: dict[int, list[StockLevel]] = defaultdict(list)
    for level in _lock_levels(wanted):
        levels[level.product_id].append(level)
    errors: dict = {}
    for product_id, quantity in wanted.items():
        available = sum((max(lv.on_hand - lv.reserved, 0) for lv in levels[product_id]), Decimal(0))
        if available < quantity:
            index, product = first_line[product_id]
            errors[f"lines.{index}.quantity"] = [
                _g("Only %(n)s of %(product)s available; %(wanted)s wanted.")
                % {"n": available.normalize(), "product": product, "wanted": quantity.normalize()}
            ]
    if errors:
        raise ValidationFailed(_("Not enough stock to reserve for this order."), fields=errors)
    reservations, touched = [], []
    for product_id, quantity in wanted.items():
        left = quantity
        for level in sorted(levels[product_id], key=lambda lv: (lv.reserved - lv.on_hand, lv.warehouse_id)):
            take = min(left, level.on_hand - level.reserved)
            if take <= 0:
                continue
            level.reserved += take
            touched.append(level)
            reservations.append(
                StockReservation(
                    order=order,
                    product_id=product_id,
                    warehouse_id=level.warehouse_id,
                    quantity=take,
                    actor=actor,
                )
            )
            left -= take
            if left <= 0:
                break
    StockLevel.objects.bulk_update(touched, ["reserved"])
    stock_levels_recheck(levels=touched)  # a reservation lowers what is available
    return StockReservation.objects.bulk_create(reservations)


def _close(order: Order, status: str) -> tuple[list[StockReservation], dict[tuple[int, int], StockLevel]]:
    active = list(order.reservations.filter(status=StockReservation.Status.ACTIVE).order_by("id"))
    levels = {(lv.product_id, lv.warehouse_id): lv for lv in _lock_levels(r.product_id for r in active)}
    now = timezone.now()
    for reservation in active:
        reservation.status = status
        reservation.closed_at = now
        level = levels[(reservation.product_id, reservation.warehouse_id)]
        level.reserved = max(level.reserved - reservation.quantity, Decimal(0))
    StockReservation.objects.bulk_update(active, ["status", "closed_at"])
    return active, levels


@transaction.atomic
def order_release_stock(*, actor, order: Order) -> int:
    """Give back what a cancelled or rejected order held; returns how many reservations ended."""
    released, levels = _close(order, StockReservation.Status.RELEASED)
    StockLevel.objects.bulk_update(list(levels.values()), ["reserved"])
    stock_levels_recheck(levels=list(levels.values()))
    return len(released)


@transaction.atomic
def order_ship_stock(*, actor, order: Order) -> dict[int, Decimal]:
    """Book the order's reserved stock out of its warehouses (one ledger entry per reservation);
    returns the quantity shipped per product id, so a caller can book out what was never reserved."""
    shipped, levels = _close(order, StockReservation.Status.SHIPPED)
    by_product: dict[int, Decimal] = defaultdict(Decimal)
    moves = []
    for reservation in shipped:
        level = levels[(reservation.product_id, reservation.warehouse_id)]
        if level.on_hand < reservation.quantity:
            raise Conflict(
                _g("Only %(n)s of %(product)s left in %(warehouse)s; count the stock again.")
                % {"n": level.on_hand, "product": reservation.product, "warehouse": reservation.warehouse}
            )
        level.on_hand -= reservation.quantity
        by_product[reservation.product_id] += reservation.quantity
        moves.append(
            StockMove(
                product_id=reservation.product_id,
                warehouse_id=reservation.warehouse_id,
                kind=StockMove.Kind.OUT,
                quantity=-reservation.quantity,
                balance=level.on_hand,
                reference=order.code,
                order=order,
                actor=actor,
            )
        )
    StockLevel.objects.bulk_update(list(levels.values()), ["reserved", "on_hand"])
    StockMove.objects.bulk_create(moves)
    stock_levels_recheck(levels=list(levels.values()))
    return dict(by_product)
