"""Writes of the catalogue (产品目录) and stock (库存): products, categories, price lists, warehouses,
stock moves (in, out, transfer, count) and reorder levels. Every write takes `actor`, checks it,
validates with located errors and writes the audit row; a move that takes a warehouse's available
stock below its reorder level tells the warehouse group, once per crossing."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, ValidationFailed
from core.events import request_notification
from engine.connectors import user_of

from ..models import (
    Order,
    PriceList,
    Product,
    ProductCategory,
    ProductPrice,
    StockLevel,
    StockMove,
    Warehouse,
)
from ..services.common import (
    clean_custom_fields,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
)

# The work group the order process's "warehouse" lane routes to; it is told about low stock.
WAREHOUSE_GROUP = "warehouse"


def _code_unique(model, cleaned: dict, errors: dict, message: str, instance=None) -> None:
    """A cleaned `code` already used by another row of `model` is an error on the code field."""
    if not cleaned.get("code"):
        return
    others = model.objects.filter(code=cleaned["code"])
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    if others.exists():
        errors.setdefault("code", []).append(message)


def _text(data: dict, key: str, limit: int, errors: dict, *, required: bool = False) -> str:
    value = ("" if data.get(key) is None else str(data[key])).strip()
    if required and not value:
        errors.setdefault(key, []).append(_g("This field is required."))
    elif len(value) > limit:
        errors.setdefault(key, []).append(_g("At most %(n)d characters.") % {"n": limit})
    return value


def _save_changes(actor, obj, cleaned: dict) -> None:
    before = snapshot(obj)
    for key, value in cleaned.items():
        setattr(obj, key, value)
    obj.save()
    changes = diff(before, snapshot(obj))
    if changes:
        audit_record(action="change", actor=actor, obj=obj, changes=changes)


# --- Products ------------------------------------------------------------------------------

PRODUCT_FIELDS = {"spec", "price", "description", "active", "image", "category"}


def _clean_product(data: dict, errors: dict) -> dict:
    cleaned = {}
    for key, limit in (("code", 40), ("name", 200), ("unit", 20), ("spec", 200), ("description", 100_000)):
        if key in data:
            cleaned[key] = _text(data, key, limit, errors, required=key in ("code", "name", "unit"))
    if "price" in data:
        price = parse_decimal(data["price"], "price", errors, Product._meta.get_field("price"))
        if price is not None and price < 0:
            errors.setdefault("price", []).append(_g("Cannot be negative."))
        cleaned["price"] = price if price is not None else Decimal(0)
    if "active" in data:
        cleaned["active"] = bool(data["active"])
    if "image" in data and data["image"] is not None:
        image = data["image"]
        content_type = getattr(image, "content_type", "") or ""
        if image and content_type and not content_type.startswith("image/"):
            errors.setdefault("image", []).append(_g("Choose a picture (JPEG, PNG, WebP…)."))
        elif image and getattr(image, "size", 0) > 5 * 1024 * 1024:
            errors.setdefault("image", []).append(_g("A picture can be at most 5 MB."))
        cleaned["image"] = image
    if "category" in data:
        cleaned["category"] = _category(data["category"], errors)
    return cleaned


def _category(value, errors: dict, key: str = "category") -> ProductCategory | None:
    if value in (None, ""):
        return None
    if isinstance(value, ProductCategory):
        return value
    category = ProductCategory.objects.filter(pk=int(value)).first() if str(value).isdigit() else None
    if category is None:
        errors.setdefault(key, []).append(_g("Choose a category from the list."))
    return category


@transaction.atomic
def product_create(
    *, actor, code: str, name: str, unit: str = "pcs", custom: dict | None = None, **fields
) -> Product:
    require_permission(actor, Product, "add")
    errors: dict = {}
    for key in set(fields) - PRODUCT_FIELDS:
        errors.setdefault(key, []).append(_g("Unknown field."))
    cleaned = _clean_product({"code": code, "name": name, "unit": unit, **fields}, errors)
    _code_unique(Product, cleaned, errors, _g("A product with this code exists."))
    try:
        # no custom values given: the generic form writes them after (custom_values_set)
        custom_values = clean_custom_fields("product", custom, partial=custom is None, actor=actor)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The product could not be saved."), fields=errors)
    product = Product.objects.create(created_by=user_of(actor), custom=custom_values, **cleaned)
    audit_record(action="create", actor=actor, obj=product)
    return product


@transaction.atomic
def product_update(*, actor, product: Product, **fields) -> Product:
    require_row(actor, product, "change")
    errors: dict = {}
    for key in set(fields) - PRODUCT_FIELDS - {"code", "name", "unit"}:
        errors.setdefault(key, []).append(_g("Unknown field."))
    cleaned = _clean_product(fields, errors)
    _code_unique(Product, cleaned, errors, _g("A product with this code exists."), product)
    if errors:
        raise ValidationFailed(_("The product could not be saved."), fields=errors)
    product = Product.objects.select_for_update().get(pk=product.pk)
    _save_changes(actor, product, cleaned)
    return product


def products_set_active(*, actor, products, active: bool) -> int:
    """Activate or deactivate products (a bulk action); returns how many changed."""
    done = 0
    for product in products:
        if product.active != active:
            product_update(actor=actor, product=product, active=active)
            done += 1
    return done


# --- Categories ----------------------------------------------------------------------------


def _clean_category(data: dict, errors: dict, category: ProductCategory | None = None) -> dict:
    cleaned: dict = {}
    if "name" in data:
        cleaned["name"] = _text(data, "name", 100, errors, required=True)
    if "parent" in data:
        parent = _category(data["parent"], errors, "parent")
        node, seen = parent, set()
        while category is not None and node is not None and node.pk not in seen:
            if node.pk == category.pk:
                errors.setdefault("parent", []).append(_g("A category cannot sit below itself."))
                break
            seen.add(node.pk)
            node = node.parent
        cleaned["parent"] = parent
    if "sort_order" in data:
        raw = str(data["sort_order"] or "0").strip()
        if not raw.isdigit() or int(raw) > 1_000_000:
            errors.setdefault("sort_order", []).append(_g("Enter a whole number from 0."))
        else:
            cleaned["sort_order"] = int(raw)
    if "active" in data:
        cleaned["active"] = bool(data["active"])
    return cleaned


def _unique_category(cleaned: dict, errors: dict, category: ProductCategory | None = None) -> None:
    name = cleaned.get("name", category.name if category else "")
    parent = cleaned.get("parent", category.parent if category else None)
    siblings = ProductCategory.objects.filter(parent=parent, name=name)
    if category is not None:
        siblings = siblings.exclude(pk=category.pk)
    if name and siblings.exists():
        errors.setdefault("name", []).append(_g("This category already has that name at this level."))


@transaction.atomic
def category_create(*, actor, name: str, parent=None, sort_order=0, active: bool = True) -> ProductCategory:
    require_permission(actor, ProductCategory, "add")
    errors: dict = {}
    cleaned = _clean_category(
        {"name": name, "parent": parent, "sort_order": sort_order, "active": active}, errors
    )
    _unique_category(cleaned, errors)
    if errors:
        raise ValidationFailed(_("The category could not be saved."), fields=errors)
    category = ProductCategory.objects.create(**cleaned)
    audit_record(action="create", actor=actor, obj=category)
    return category


@transaction.atomic
def category_update(*, actor, category: ProductCategory, **fields) -> ProductCategory:
    require_row(actor, category, "change")
    errors: dict = {}
    cleaned = _clean_category(fields, errors, category)
    _unique_category(cleaned, errors, category)
    if errors:
        raise ValidationFailed(_("The category could not be saved."), fields=errors)
    category = ProductCategory.objects.select_for_update().get(pk=category.pk)
    _save_changes(actor, category, cleaned)
    return category


# --- Price lists ---------------------------------------------------------------------------


def _clean_price_list(data: dict, errors: dict) -> dict:
    cleaned: dict = {}
    for key, limit, required in (("code", 20, True), ("name", 100, True), ("description", 300, False)):
        if key in data:
            cleaned[key] = _text(data, key, limit, errors, required=required)
    if "active" in data:
        cleaned["active"] = bool(data["active"])
    return cleaned


@transaction.atomic
def price_list_create(
    *, actor, code: str, name: str, description: str = "", active: bool = True
) -> PriceList:
    require_permission(actor, PriceList, "add")
    errors: dict = {}
    cleaned = _clean_price_list(
        {"code": code, "name": name, "description": description, "active": active}, errors
    )
    _code_unique(PriceList, cleaned, errors, _g("A price list with this code exists."))
    if errors:
        raise ValidationFailed(_("The price list could not be saved."), fields=errors)
    price_list = PriceList.objects.create(**cleaned)
    audit_record(action="create", actor=actor, obj=price_list)
    return price_list


@transaction.atomic
def price_list_update(*, actor, price_list: PriceList, **fields) -> PriceList:
    require_row(actor, price_list, "change")
    errors: dict = {}
    cleaned = _clean_price_list(fields, errors)
    _code_unique(PriceList, cleaned, errors, _g("A price list with this code exists."), price_list)
    if errors:
        raise ValidationFailed(_("The price list could not be saved."), fields=errors)
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    _save_changes(actor, price_list, cleaned)
    return price_list


def _clean_price(data: dict, errors: dict, price: ProductPrice | None = None) -> dict:
    cleaned: dict = {}
    if "price" in data:
        value = parse_decimal(data["price"], "price", errors, ProductPrice._meta.get_field("price"))
        if value is None or value < 0:
            errors.setdefault("price", []).append(_g("Enter a price of at least 0."))
        cleaned["price"] = value
    if "valid_from" in data:
        cleaned["valid_from"] = parse_date(data["valid_from"], "valid_from", errors)
        if cleaned["valid_from"] is None and "valid_from" not in errors:
            errors.setdefault("valid_from", []).append(_g("This field is required."))
    if "valid_until" in data:
        cleaned["valid_until"] = parse_date(data["valid_until"], "valid_until", errors)
    start = cleaned.get("valid_from", price.valid_from if price else None)
    end = cleaned.get("valid_until", price.valid_until if price else None)
    if start and end and end < start:
        errors.setdefault("valid_until", []).append(_g("The end comes before the start."))
    return cleaned


@transaction.atomic
def product_price_set(
    *, actor, price_list: PriceList, product: Product, price, valid_from, valid_until=None
) -> ProductPrice:
    """A product's price on a list from a day on; a price starting that same day is replaced."""
    require_permission(actor, ProductPrice, "add")
    errors: dict = {}
    if not isinstance(price_list, PriceList):
        errors.setdefault("price_list", []).append(_g("Choose a price list."))
    if not isinstance(product, Product):
        errors.setdefault("product", []).append(_g("Choose a product."))
    cleaned = _clean_price({"price": price, "valid_from": valid_from, "valid_until": valid_until}, errors)
    if errors:
        raise ValidationFailed(_("The price could not be saved."), fields=errors)
    existing = (
        ProductPrice.objects.select_for_update()
        .filter(price_list=price_list, product=product, valid_from=cleaned["valid_from"])
        .first()
    )
    if existing is not None:
        _save_changes(actor, existing, cleaned)
        return existing
    row = ProductPrice.objects.create(price_list=price_list, product=product, **cleaned)
    audit_record(action="create", actor=actor, obj=row)
    return row


@transaction.atomic
def product_price_update(*, actor, price: ProductPrice, **fields) -> ProductPrice:
    require_row(actor, price, "change")
    errors: dict = {}
    cleaned = _clean_price(fields, errors, price)
    start = cleaned.get("valid_from")
    if (
        start
        and ProductPrice.objects.filter(
            price_list=price.price_list_id, product=price.product_id, valid_from=start
        )
        .exclude(pk=price.pk)
        .exists()
    ):
        errors.setdefault("valid_from", []).append(_g("Another price on this list starts that day."))
    if errors:
        raise ValidationFailed(_("The price could not be saved."), fields=errors)
    price = ProductPrice.objects.select_for_update().get(pk=price.pk)
    _save_changes(actor, price, cleaned)
    return price


# --- Warehouses ----------------------------------------------------------------------------


def _clean_warehouse(data: dict, errors: dict) -> dict:
    cleaned: dict = {}
    for key, limit, required in (("code", 20, True), ("name", 100, True), ("address", 300, False)):
        if key in data:
            cleaned[key] = _text(data, key, limit, errors, required=required)
    if "active" in data:
        cleaned["active"] = bool(data["active"])
    return cleaned


@transaction.atomic
def warehouse_create(*, actor, code: str, name: str, address: str = "", active: bool = True) -> Warehouse:
    require_permission(actor, Warehouse, "add")
    errors: dict = {}
    cleaned = _clean_warehouse({"code": code, "name": name, "address": address, "active": active}, errors)
    _code_unique(Warehouse, cleaned, errors, _g("A warehouse with this code exists."))
    if errors:
        raise ValidationFailed(_("The warehouse could not be saved."), fields=errors)
    warehouse = Warehouse.objects.create(**cleaned)
    audit_record(action="create", actor=actor, obj=warehouse)
    return warehouse


@transaction.atomic
def warehouse_update(*, actor, warehouse: Warehouse, **fields) -> Warehouse:
    require_row(actor, warehouse, "change")
    errors: dict = {}
    cleaned = _clean_warehouse(fields, errors)
    _code_unique(Warehouse, cleaned, errors, _g("A warehouse with this code exists."), warehouse)
    if errors:
        raise ValidationFailed(_("The warehouse could not be saved."), fields=errors)
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    _save_changes(actor, warehouse, cleaned)
    return warehouse


# --- Stock ---------------------------------------------------------------------------------


def _quantity(value, errors: dict, *, allow_zero: bool = False, key: str = "quantity") -> Decimal:
    quantity = parse_decimal(value, key, errors, StockMove._meta.get_field("quantity"))
    if quantity is None or quantity < 0 or (quantity == 0 and not allow_zero):
        errors.setdefault(key, []).append(_g("Enter a quantity greater than 0."))
        return Decimal(0)
    return quantity


def _locked_level(product: Product, warehouse: Warehouse) -> StockLevel:
    StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    return StockLevel.objects.select_for_update().get(product=product, warehouse=warehouse)


def _short(message: str) -> Conflict:
    """Not enough stock: refused, with the message on the quantity the user typed."""
    return Conflict(message, fields={"quantity": [message]})


def _move(*, actor, level: StockLevel, kind: str, delta: Decimal, reference: str, order=None) -> StockMove:
    if level.on_hand + delta < 0:
        raise _short(
            _g("Not enough stock of %(product)s in %(warehouse)s: %(have)s on hand.")
            % {"product": level.product, "warehouse": level.warehouse, "have": level.on_hand}
        )
    level.on_hand += delta
    level.save(update_fields=["on_hand"])
    move = StockMove.objects.create(
        product_id=level.product_id,
        warehouse_id=level.warehouse_id,
        kind=kind,
        quantity=delta,
        balance=level.on_hand,
        reference=reference[:100],
        order=order,
        actor=user_of(actor),
    )
    audit_record(action="create", actor=actor, obj=move)
    stock_levels_recheck(levels=[level])
    return move


@transaction.atomic
def stock_in(*, actor, product: Product, warehouse: Warehouse, quantity, reference: str = "") -> StockMove:
    """Goods received into a warehouse (入库)."""
    require_permission(actor, StockMove, "add")
    errors: dict = {}
    qty = _quantity(quantity, errors)
    if errors:
        raise ValidationFailed(_("Invalid stock movement."), fields=errors)
    return _move(
        actor=actor,
        level=_locked_level(product, warehouse),
        kind=StockMove.Kind.IN,
        delta=qty,
        reference=reference,
    )


@transaction.atomic
def stock_out(
    *,
    actor,
    product: Product,
    warehouse: Warehouse,
    quantity,
    reference: str = "",
    order: Order | None = None,
) -> StockMove:
    """Goods issued from a warehouse (出库); what orders hold there is not available."""
    require_permission(actor, StockMove, "add")
    errors: dict = {}
    qty = _quantity(quantity, errors)
    if errors:
        raise ValidationFailed(_("Invalid stock movement."), fields=errors)
    level = _locked_level(product, warehouse)
    if level.on_hand - level.reserved < qty:
        raise _short(
            _g("Only %(n)s of %(product)s available in %(warehouse)s.")
            % {"n": level.on_hand - level.reserved, "product": product, "warehouse": warehouse}
        )
    return _move(
        actor=actor, level=level, kind=StockMove.Kind.OUT, delta=-qty, reference=reference, order=order
    )


@transaction.atomic
def stock_out_anywhere(
    *, actor, product: Product, quantity, reference: str = "", order: Order | None = None
) -> list[StockMove]:
    """Book `quantity` of `product` out of the warehouses that have it available, fullest first
    (parts used on a service job, order lines shipped without a reservation). Not enough in all
    warehouses together: Conflict, nothing booked."""
    require_permission(actor, StockMove, "add")
    errors: dict = {}
    qty = _quantity(quantity, errors)
    if errors:
        raise ValidationFailed(_("Invalid stock movement."), fields=errors)
    levels = list(StockLevel.objects.select_for_update().filter(product=product).order_by("-on_hand", "pk"))
    available = sum((level.on_hand - level.reserved for level in levels), Decimal(0))
    if available < qty:
        raise _short(_g("Only %(n)s of %(product)s available.") % {"n": available, "product": product})
    moves, left = [], qty
    for level in levels:
        take = min(left, level.on_hand - level.reserved)
        if take <= 0:
            continue
        moves.append(
            _move(
                actor=actor,
                level=level,
                kind=StockMove.Kind.OUT,
                delta=-take,
                reference=reference,
                order=order,
            )
        )
        left -= take
        if left <= 0:
            break
    return moves


@transaction.atomic
def stock_transfer(
    *, actor, product: Product, source: Warehouse, target: Warehouse, quantity, reference: str = ""
) -> tuple[StockMove, StockMove]:
    """Move stock between warehouses (调拨): two ledger rows, out of one and into the other."""
    require_permission(actor, StockMove, "add")
    errors: dict = {}
    qty = _quantity(quantity, errors)
    if source.pk == target.pk:
        errors.setdefault("target", []).append(_g("Choose a different warehouse."))
    if errors:
        raise ValidationFailed(_("Invalid stock movement."), fields=errors)
    # Lock both levels in a fixed order so opposite transfers cannot deadlock.
    first, second = sorted([source, target], key=lambda w: w.pk)
    levels = {w.pk: _locked_level(product, w) for w in (first, second)}
    if levels[source.pk].on_hand - levels[source.pk].reserved < qty:
        raise _short(_g("Not enough available stock in %(warehouse)s.") % {"warehouse": source})
    out = _move(
        actor=actor,
        level=levels[source.pk],
        kind=StockMove.Kind.TRANSFER_OUT,
        delta=-qty,
        reference=reference,
    )
    into = _move(
        actor=actor, level=levels[target.pk], kind=StockMove.Kind.TRANSFER_IN, delta=qty, reference=reference
    )
    return out, into


@transaction.atomic
def stock_count(
    *, actor, product: Product, warehouse: Warehouse, counted, reference: str = ""
) -> StockMove | None:
    """Record a physical count (盘点): the ledger gets the difference, None if it matched."""
    require_permission(actor, StockMove, "add")
    errors: dict = {}
    qty = _quantity(counted, errors, allow_zero=True)
    if errors:
        raise ValidationFailed(_("Invalid stock count."), fields=errors)
    level = _locked_level(product, warehouse)
    delta = qty - level.on_hand
    if delta == 0:
        return None
    return _move(
        actor=actor, level=level, kind=StockMove.Kind.COUNT, delta=delta, reference=reference or "count"
    )


def stock_available(*, product: Product, warehouse: Warehouse | None = None) -> Decimal:
    qs = StockLevel.objects.filter(product=product)
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    totals = qs.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return (totals["on_hand"] or 0) - (totals["reserved"] or 0)


@transaction.atomic
def stock_level_update(*, actor, level: StockLevel, reorder_level) -> StockLevel:
    """Set a product's reorder level in a warehouse (安全库存); 0 turns the alert off."""
    require_row(actor, level, "change")
    errors: dict = {}
    value = parse_decimal(reorder_level, "reorder_level", errors, StockLevel._meta.get_field("reorder_level"))
    if value is None or value < 0:
        errors.setdefault("reorder_level", []).append(_g("Enter a quantity of at least 0."))
    if errors:
        raise ValidationFailed(_("The reorder level could not be saved."), fields=errors)
    level = StockLevel.objects.select_for_update().select_related("product", "warehouse").get(pk=level.pk)
    old = level.reorder_level
    if old != value:
        level.reorder_level = value
        level.save(update_fields=["reorder_level"])
        audit_record(
            action="change", actor=actor, obj=level, changes={"reorder_level": [str(old), str(value)]}
        )
        stock_levels_recheck(levels=[level])
    return level


@transaction.atomic
def stock_level_set_reorder(*, actor, product: Product, warehouse: Warehouse, reorder_level) -> StockLevel:
    """The reorder level of a product in a warehouse, creating its (empty) stock level if needed."""
    require_permission(actor, StockLevel, "change")
    level, _created = StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    return stock_level_update(actor=actor, level=level, reorder_level=reorder_level)


def quantity_text(value: Decimal) -> str:
    """12.000 → "12", 2.500 → "2.5": a quantity as people write it."""
    text = format(Decimal(value).normalize(), "f")
    return text


def _is_low(level: StockLevel) -> bool:
    return level.reorder_level > 0 and level.on_hand - level.reserved < level.reorder_level


def stock_levels_recheck(*, levels) -> list[StockLevel]:
    """After stock levels changed (a move, a reservation, a new reorder level): mark the ones that
    crossed their reorder level, and tell the warehouse group about each that went below it. One
    notice per crossing: a level already below stays quiet until it is refilled and falls again.
    Returns the levels that went below."""
    crossed, changed_products = [], set()
    for level in levels:
        low = _is_low(level)
        if low == level.low:
            continue
        StockLevel.objects.filter(pk=level.pk).update(low=low)
        level.low = low
        changed_products.add(level.product_id)
        if low:
            crossed.append(level)
    for product_id in changed_products:
        Product.objects.filter(pk=product_id).update(
            low_stock=StockLevel.objects.filter(product_id=product_id, low=True).exists()
        )
    for level in crossed:
        _alert_low(level)
    return crossed


def _alert_low(level: StockLevel) -> None:
    product = Product.objects.only("pk", "code", "name").get(pk=level.product_id)
    warehouse = Warehouse.objects.only("pk", "name").get(pk=level.warehouse_id)
    context = {
        "product": str(product),
        "warehouse": warehouse.name,
        "available": quantity_text(level.on_hand - level.reserved),
        "reorder_level": quantity_text(level.reorder_level),
    }
    try:
        url = reverse("crm:product_detail", args=[product.pk])
    except NoReverseMatch:
        url = ""
    recipients = list(
        get_user_model().objects.filter(groups__name=WAREHOUSE_GROUP, is_active=True).distinct()
    )
    if recipients:
        transaction.on_commit(
            lambda: request_notification(
                recipients=recipients, template="stock_low", context=context, url=url
            )
        )
