"""The catalogue and stock screens on the generic object views: products (with pictures,
categories, prices per list, stock per warehouse and the ledger), categories, price lists and
prices, warehouses, stock levels with reorder levels, and the stock moves the warehouse clerk
enters (in, out, transfer, count). Each declares; the writes go through crm.catalogue.services."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.errors import ValidationFailed
from crm.catalogue import selectors as catalogue
from crm.catalogue.services import (
    category_create,
    category_update,
    price_list_create,
    price_list_update,
    product_create,
    product_price_set,
    product_price_update,
    product_update,
    products_set_active,
    stock_count,
    stock_in,
    stock_level_update,
    stock_out,
    stock_transfer,
    warehouse_create,
    warehouse_update,
)
from crm.models import PriceList, Product, ProductCategory, ProductPrice, StockLevel, StockMove, Warehouse

from ..objects import BulkAction, Column, Filter, FormField, ObjectType, allowed, get_or_404

PICTURE_TYPES = "image/png,image/jpeg,image/webp,image/gif"
YES_NO = lambda _user: [("true", _("Yes")), ("false", _("No"))]  # noqa: E731


# --- choices ------------------------------------------------------------------------------------


def category_choices(_user) -> list[tuple[str, str]]:
    return [(str(pk), path) for pk, path in catalogue.category_choices()]


def product_choices(_user) -> list[tuple[str, str]]:
    rows = Product.objects.filter(active=True).order_by("code").values_list("pk", "code", "name")[:500]
    return [(str(pk), f"{code} {name}") for pk, code, name in rows]


def warehouse_choices(_user) -> list[tuple[str, str]]:
    rows = Warehouse.objects.filter(active=True).order_by("code").values_list("pk", "name")
    return [(str(pk), name) for pk, name in rows]


def price_list_choices(_user) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in PriceList.objects.order_by("code").values_list("pk", "name")]


def _pick(model, value, key: str, message):
    """The active row chosen in a select, or a located error."""
    row = model.objects.filter(pk=int(value)).first() if str(value or "").isdigit() else None
    if row is None:
        raise ValidationFailed(message, fields={key: [message]})
    return row


# --- products -----------------------------------------------------------------------------------


def product_image_url(product) -> str:
    return reverse("crm:product_image", args=[product.pk])


PRODUCT_FIELDS = (
    FormField("code", required=True, maxlength=40),
    FormField("name", required=True, maxlength=200),
    FormField("category", kind="select", choices=category_choices),
    FormField("unit", required=True, maxlength=20, help=_("台, 个, 套, 米…")),
    FormField("spec", maxlength=200),
    FormField("price", _("base price"), kind="number", help=_("Used where no price list applies.")),
    FormField("image", _("picture"), kind="file", accept=PICTURE_TYPES),
    FormField("active", kind="bool"),
    FormField("description", kind="textarea"),
)


def _product_values(values: dict) -> dict:
    values = dict(values)
    if values.get("image") is None:
        values.pop("image", None)  # no new picture chosen: keep the one stored
    return values


def _product_create(actor, values, request):
    return product_create(actor=actor, **_product_values(values))


def _product_panels(request, product) -> dict:
    user = request.user
    return {
        "levels": list(catalogue.stock_levels(product=product)),
        "prices": catalogue.prices_valid_on(product=product),
        "ledger": catalogue.product_ledger(user=user, product=product, limit=10)
        if allowed(user, STOCK_MOVES, "view")
        else None,
        "can_move": allowed(user, STOCK_MOVES, "add"),
        "can_price": allowed(user, PRICES, "add"),
        "can_reorder": allowed(user, STOCK_LEVELS, "change"),
        "image_url": product_image_url(product) if product.image else "",
    }


PRODUCTS = ObjectType(
    key="product",
    model=Product,
    list_entity="product",
    url_prefix="products",
    title=_("product"),
    title_plural=_("Products"),
    columns=(
        Column("image", _("picture"), kind="image", src=product_image_url),
        Column("code", _("code"), link=True),
        Column("name", _("name"), link=True),
        Column("category", _("category")),
        Column("unit", _("unit")),
        Column("price", _("base price"), kind="money"),
        Column("active", _("active")),
        Column("low_stock", _("low stock")),
    ),
    filters=(
        Filter("category", _("Category"), category_choices),
        Filter("active", _("Active"), YES_NO),
        Filter("low", _("Low stock"), lambda _user: [("true", _("Below a reorder level"))]),
    ),
    sorts=(("code", _("Code")), ("name", _("Name")), ("-price", _("Price, highest first"))),
    groups=(("category", _("Category")), ("active", _("Active"))),
    search_label=_("Code or name starts with"),
    detail_fields=("code", "name", "category", "unit", "spec", "price", "active", "low_stock", "description"),
    form_fields=PRODUCT_FIELDS,
    create=_product_create,
    update=lambda actor, obj, values: product_update(actor=actor, product=obj, **_product_values(values)),
    bulk_actions=(
        BulkAction(
            "activate",
            _("Activate"),
            "change",
            lambda actor, rows: products_set_active(actor=actor, products=rows, active=True),
        ),
        BulkAction(
            "deactivate",
            _("Deactivate"),
            "change",
            lambda actor, rows: products_set_active(actor=actor, products=rows, active=False),
        ),
    ),
    select_related=("category",),
    initial=lambda user, get: {"unit": "台", "active": True, "price": "0"},
    detail_panels="tasklist/crm/_product_panels.html",
    detail_context=_product_panels,
    list_actions=(
        ("crm:stock_level_list", _("Stock levels")),
        ("crm:stock_move_list", _("Stock ledger")),
        ("crm:product_category_list", _("Categories")),
        ("crm:price_list_list", _("Price lists")),
    ),
)


@login_required
@require_GET
def product_image(request, pk: int):
    """A product's picture, to whoever may see the product (media is not served publicly)."""
    product = get_or_404(request.user, PRODUCTS, pk)
    if not product.image:
        raise Http404(_("This product has no picture."))
    content_type = mimetypes.guess_type(product.image.name)[0] or "application/octet-stream"
    if not content_type.startswith("image/") or content_type == "image/svg+xml":
        content_type = "application/octet-stream"
    try:
        response = FileResponse(product.image.open("rb"), content_type=content_type)
    except FileNotFoundError:
        raise Http404(_("This product has no picture.")) from None
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- categories ---------------------------------------------------------------------------------

CATEGORY_FIELDS = (
    FormField("name", required=True, maxlength=100),
    FormField("parent", kind="select", choices=category_choices),
    FormField("sort_order", kind="number"),
    FormField("active", kind="bool"),
)

CATEGORIES = ObjectType(
    key="product_category",
    model=ProductCategory,
    list_entity="product_category",
    url_prefix="product-categories",
    title=_("product category"),
    title_plural=_("Product categories"),
    columns=(
        Column("path", _("category"), link=True),
        Column("sort_order", _("sort order")),
        Column("active", _("active")),
    ),
    filters=(
        Filter("parent", _("Parent category"), category_choices),
        Filter("active", _("Active"), YES_NO),
    ),
    sorts=(("order", _("Sort order")), ("name", _("Name"))),
    search_label=_("Name starts with"),
    detail_fields=("name", "parent", "sort_order", "active"),
    form_fields=CATEGORY_FIELDS,
    create=lambda actor, values, request: category_create(actor=actor, **values),
    update=lambda actor, obj, values: category_update(actor=actor, category=obj, **values),
    select_related=("parent",),
    initial=lambda user, get: {"active": True, "sort_order": "0", "parent": get.get("parent", "")[:12]},
)


# --- price lists and prices ---------------------------------------------------------------------

PRICE_LIST_FIELDS = (
    FormField("code", required=True, maxlength=20),
    FormField("name", required=True, maxlength=100),
    FormField("description", maxlength=300),
    FormField("active", kind="bool"),
)


def _price_list_panels(request, price_list) -> dict:
    rows = (
        ProductPrice.objects.filter(price_list=price_list)
        .select_related("product")
        .order_by("product__code", "-valid_from")[:200]
    )
    return {"prices": list(rows), "can_price": allowed(request.user, PRICES, "add")}


PRICE_LISTS = ObjectType(
    key="price_list",
    model=PriceList,
    list_entity="price_list",
    url_prefix="price-lists",
    title=_("price list"),
    title_plural=_("Price lists"),
    columns=(Column("code", _("code"), link=True), Column("name", _("name")), Column("active", _("active"))),
    filters=(Filter("active", _("Active"), YES_NO),),
    search_label=_("Code or name starts with"),
    detail_fields=("code", "name", "description", "active"),
    form_fields=PRICE_LIST_FIELDS,
    create=lambda actor, values, request: price_list_create(actor=actor, **values),
    update=lambda actor, obj, values: price_list_update(actor=actor, price_list=obj, **values),
    initial=lambda user, get: {"active": True},
    detail_panels="tasklist/crm/_price_list_panels.html",
    detail_context=_price_list_panels,
    list_actions=(("crm:product_price_list", _("All prices")),),
)

PRICE_DATES = (
    FormField("price", kind="number", required=True),
    FormField("valid_from", kind="date", required=True),
    FormField("valid_until", kind="date"),
)


def _price_create(actor, values, request):
    values = dict(values)
    price_list = _pick(PriceList, values.pop("price_list"), "price_list", _("Choose a price list."))
    product = _pick(Product, values.pop("product"), "product", _("Choose a product."))
    return product_price_set(actor=actor, price_list=price_list, product=product, **values)


PRICES = ObjectType(
    key="product_price",
    model=ProductPrice,
    list_entity="product_price",
    url_prefix="product-prices",
    title=_("product price"),
    title_plural=_("Product prices"),
    columns=(
        Column("product", _("product"), link=True),
        Column("price_list", _("price list")),
        Column("price", _("price"), kind="money"),
        Column("valid_from", _("valid from"), kind="date"),
        Column("valid_until", _("valid until"), kind="date"),
    ),
    filters=(
        Filter("price_list", _("Price list"), price_list_choices),
        Filter("product", _("Product"), product_choices),
    ),
    sorts=(("product", _("Product")), ("-valid_from", _("Newest first"))),
    search_label=_("Product code or name starts with"),
    detail_fields=("price_list", "product", "price", "valid_from", "valid_until"),
    form_fields=(
        FormField("price_list", kind="select", required=True, choices=price_list_choices),
        FormField("product", kind="select", required=True, choices=product_choices),
        *PRICE_DATES,
    ),
    edit_fields=PRICE_DATES,
    create=_price_create,
    update=lambda actor, obj, values: product_price_update(actor=actor, price=obj, **values),
    select_related=("price_list", "product"),
    initial=lambda user, get: {
        "price_list": get.get("price_list", "")[:12],
        "product": get.get("product", "")[:12],
        "valid_from": timezone.localdate().isoformat(),
    },
)


# --- warehouses -----------------------------------------------------------------------------------

WAREHOUSE_FIELDS = (
    FormField("code", required=True, maxlength=20),
    FormField("name", required=True, maxlength=100),
    FormField("address", maxlength=300),
    FormField("active", kind="bool"),
)

WAREHOUSES = ObjectType(
    key="warehouse",
    model=Warehouse,
    list_entity="warehouse",
    url_prefix="warehouses",
    title=_("warehouse"),
    title_plural=_("Warehouses"),
    columns=(
        Column("code", _("code"), link=True),
        Column("name", _("name"), link=True),
        Column("address", _("address")),
        Column("active", _("active")),
    ),
    filters=(Filter("active", _("Active"), YES_NO),),
    search_label=_("Code or name starts with"),
    detail_fields=("code", "name", "address", "active"),
    form_fields=WAREHOUSE_FIELDS,
    create=lambda actor, values, request: warehouse_create(actor=actor, **values),
    update=lambda actor, obj, values: warehouse_update(actor=actor, warehouse=obj, **values),
    initial=lambda user, get: {"active": True},
    detail_panels="tasklist/crm/_warehouse_panels.html",
    list_actions=(("crm:stock_level_list", _("Stock levels")),),
)


# --- stock levels ---------------------------------------------------------------------------------

STOCK_LEVELS = ObjectType(
    key="stock_level",
    model=StockLevel,
    list_entity="stock_level",
    url_prefix="stock",
    title=_("stock level"),
    title_plural=_("Stock levels"),
    columns=(
        Column("product", _("product"), link=True),
        Column("warehouse", _("warehouse")),
        Column("on_hand", _("on hand"), kind="number"),
        Column("reserved", _("reserved"), kind="number"),
        Column("available", _("available"), kind="number"),
        Column("reorder_level", _("reorder level"), kind="number"),
        Column("low", _("below reorder level")),
    ),
    filters=(
        Filter("warehouse", _("Warehouse"), warehouse_choices),
        Filter("category", _("Category"), category_choices),
        Filter("low", _("Low stock"), lambda _user: [("true", _("Below the reorder level"))]),
    ),
    sorts=(("product", _("Product")), ("warehouse", _("Warehouse")), ("-on_hand", _("Most on hand"))),
    groups=(("warehouse", _("Warehouse")),),
    search_label=_("Product code or name starts with"),
    detail_fields=("product", "warehouse", "on_hand", "reserved", "reorder_level", "low"),
    form_fields=(
        FormField(
            "reorder_level",
            kind="number",
            required=True,
            help=_("The warehouse is told when the available stock falls below this (0: never)."),
        ),
    ),
    update=lambda actor, obj, values: stock_level_update(actor=actor, level=obj, **values),
    select_related=("product", "warehouse"),
    detail_panels="tasklist/crm/_stock_level_panels.html",
    list_actions=(
        ("crm:stock_move_new", _("Enter a stock move")),
        ("crm:stock_move_list", _("Stock ledger")),
    ),
)


# --- stock moves (the ledger) ---------------------------------------------------------------------

MOVE_KINDS = (
    ("in", _("Stock in (received)")),
    ("out", _("Stock out (issued)")),
    ("transfer", _("Transfer to another warehouse")),
    ("count", _("Stock count (enter the quantity counted)")),
)


def _move_create(actor, values, request):
    kind = values.get("kind")
    errors: dict = {}
    if kind not in dict(MOVE_KINDS):
        errors["kind"] = [_("Choose what happened.")]
    product = (
        Product.objects.filter(pk=int(values["product"])).first() if values["product"].isdigit() else None
    )
    if product is None:
        errors["product"] = [_("Choose a product.")]
    warehouse = (
        Warehouse.objects.filter(pk=int(values["warehouse"])).first()
        if values["warehouse"].isdigit()
        else None
    )
    if warehouse is None:
        errors["warehouse"] = [_("Choose a warehouse.")]
    target = (
        Warehouse.objects.filter(pk=int(values["target"])).first() if values["target"].isdigit() else None
    )
    if kind == "transfer" and target is None:
        errors["target"] = [_("Choose the warehouse the goods go to.")]
    if errors:
        raise ValidationFailed(_("The stock move could not be saved."), fields=errors)
    common = {"actor": actor, "product": product, "reference": values.get("reference", "")}
    if kind == "in":
        return stock_in(warehouse=warehouse, quantity=values["quantity"], **common)
    if kind == "out":
        return stock_out(warehouse=warehouse, quantity=values["quantity"], **common)
    if kind == "transfer":
        return stock_transfer(source=warehouse, target=target, quantity=values["quantity"], **common)[0]
    move = stock_count(warehouse=warehouse, counted=values["quantity"], **common)
    if move is None:
        message = _("The count matches the stock on hand; there is nothing to adjust.")
        raise ValidationFailed(message, fields={"quantity": [message]})
    return move


def _move_initial(user, get) -> dict:
    values = {"kind": get.get("kind", "in")[:10]}
    for key in ("product", "warehouse"):
        if get.get(key, "").isdigit():
            values[key] = get[key]
    return values


def _move_panels(request, move) -> dict:
    return {"ledger": catalogue.product_ledger(user=request.user, product=move.product, limit=10)}


STOCK_MOVES = ObjectType(
    key="stock_move",
    model=StockMove,
    list_entity="stock_move",
    url_prefix="stock-moves",
    title=_("stock move"),
    title_plural=_("Stock ledger"),
    columns=(
        Column("at", _("time"), kind="datetime", link=True),
        Column("product", _("product")),
        Column("warehouse", _("warehouse")),
        Column("kind", _("kind")),
        Column("quantity", _("quantity"), kind="number"),
        Column("balance", _("balance after"), kind="number"),
        Column("reference", _("reference")),
        Column("actor", _("by")),
    ),
    filters=(
        Filter("product", _("Product"), product_choices),
        Filter("warehouse", _("Warehouse"), warehouse_choices),
        Filter("kind", _("Kind"), lambda _user: [(str(v), str(lbl)) for v, lbl in StockMove.Kind.choices]),
    ),
    sorts=(("-at", _("Newest first")), ("at", _("Oldest first"))),
    groups=(("kind", _("Kind")), ("warehouse", _("Warehouse"))),
    search_label=_("Reference starts with"),
    detail_fields=(
        "product",
        "warehouse",
        "kind",
        "quantity",
        "balance",
        "reference",
        "order",
        "actor",
        "at",
    ),
    form_fields=(
        FormField("kind", _("What happened"), kind="select", required=True, choices=lambda _u: MOVE_KINDS),
        FormField("product", _("product"), kind="select", required=True, choices=product_choices),
        FormField("warehouse", _("warehouse"), kind="select", required=True, choices=warehouse_choices),
        FormField(
            "target",
            _("to warehouse"),
            kind="select",
            choices=warehouse_choices,
            help=_("Only for a transfer."),
        ),
        FormField(
            "quantity",
            kind="number",
            required=True,
            help=_("For a count: the quantity counted on the shelf."),
        ),
        FormField("reference", maxlength=100, help=_("Delivery note, purchase order, job…")),
    ),
    create=_move_create,
    select_related=("product", "warehouse", "actor", "order"),
    initial=_move_initial,
    detail_panels="tasklist/crm/_stock_move_panels.html",
    detail_context=_move_panels,
    list_actions=(("crm:stock_level_list", _("Stock levels")),),
)

CATALOGUE_TYPES = (PRODUCTS, CATEGORIES, PRICE_LISTS, PRICES, WAREHOUSES, STOCK_LEVELS, STOCK_MOVES)
