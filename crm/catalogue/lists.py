"""The catalogue's list views for `crm.selectors.lists` (filters, sorts, groups, search, export
columns): products, categories, price lists and prices, warehouses, stock levels, the ledger."""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from ..models import PriceList, Product, ProductCategory, ProductPrice, StockLevel, StockMove, Warehouse
from ..selectors.lists import LISTS, Field, ListSpec

LISTS.update(
    {
        "product": ListSpec(
            model=Product,
            fields={
                "code": Field("code"),
                "name": Field("name"),
                "active": Field("active", "bool"),
                "price": Field("price", "decimal"),
                "category": Field("category", "fk"),
                "low": Field("low_stock", "bool"),
                "created": Field("created_at", "datetime"),
            },
            sorts={
                "code": (F("code").asc(),),
                "name": (F("name").asc(), F("id").asc()),
                "-price": (F("price").desc(), F("id").desc()),
                "-created": (F("id").desc(),),
            },
            default_sort="code",
            groups={"category": ("category", "category__name"), "active": ("active", "active")},
            select_related=("category",),
            custom_entity="product",
            search_fields=("code", "name"),
            columns=(
                ("code", _("code")),
                ("name", _("name")),
                ("category", _("category")),
                ("unit", _("unit")),
                ("spec", _("specification")),
                ("price", _("price")),
                ("active", _("active")),
                ("low_stock", _("low stock")),
            ),
        ),
        "product_category": ListSpec(
            model=ProductCategory,
            fields={"parent": Field("parent", "fk"), "active": Field("active", "bool")},
            sorts={
                "order": (F("sort_order").asc(), F("name").asc()),
                "name": (F("name").asc(), F("id").asc()),
            },
            default_sort="order",
            select_related=("parent",),
            search_fields=("name",),
            columns=(
                ("path", _("category")),
                ("sort_order", _("sort order")),
                ("active", _("active")),
            ),
        ),
        "price_list": ListSpec(
            model=PriceList,
            fields={"active": Field("active", "bool")},
            sorts={"code": (F("code").asc(),)},
            default_sort="code",
            search_fields=("code", "name"),
            columns=(("code", _("code")), ("name", _("name")), ("active", _("active"))),
        ),
        "product_price": ListSpec(
            model=ProductPrice,
            fields={
                "price_list": Field("price_list", "fk"),
                "product": Field("product", "fk"),
                "valid_from": Field("valid_from", "date"),
            },
            sorts={
                "product": (F("product__code").asc(), F("price_list__code").asc(), F("valid_from").desc()),
                "-valid_from": (F("valid_from").desc(), F("id").desc()),
            },
            default_sort="product",
            select_related=("price_list", "product"),
            search_fields=("product__code", "product__name"),
            columns=(
                ("price_list", _("price list")),
                ("product", _("product")),
                ("price", _("price")),
                ("valid_from", _("valid from")),
                ("valid_until", _("valid until")),
            ),
        ),
        "warehouse": ListSpec(
            model=Warehouse,
            fields={"active": Field("active", "bool")},
            sorts={"code": (F("code").asc(),)},
            default_sort="code",
            search_fields=("code", "name"),
            columns=(
                ("code", _("code")),
                ("name", _("name")),
                ("address", _("address")),
                ("active", _("active")),
            ),
        ),
        "stock_level": ListSpec(
            model=StockLevel,
            fields={
                "product": Field("product", "fk"),
                "warehouse": Field("warehouse", "fk"),
                "category": Field("product__category", "fk"),
                "low": Field("low", "bool"),
                "on_hand": Field("on_hand", "decimal"),
            },
            sorts={
                "product": (F("product__code").asc(), F("warehouse__code").asc()),
                "warehouse": (F("warehouse__code").asc(), F("product__code").asc()),
                "-on_hand": (F("on_hand").desc(), F("id").asc()),
            },
            default_sort="product",
            groups={"warehouse": ("warehouse", "warehouse__name")},
            select_related=("product", "warehouse"),
            search_fields=("product__code", "product__name"),
            columns=(
                ("product", _("product")),
                ("warehouse", _("warehouse")),
                ("on_hand", _("on hand")),
                ("reserved", _("reserved")),
                ("available", _("available")),
                ("reorder_level", _("reorder level")),
                ("low", _("below reorder level")),
            ),
        ),
        "stock_move": ListSpec(
            model=StockMove,
            fields={
                "product": Field("product", "fk"),
                "warehouse": Field("warehouse", "fk"),
                "kind": Field("kind", "choice"),
                "actor": Field("actor", "user"),
                "at": Field("at", "datetime"),
                "reference": Field("reference"),
            },
            sorts={"-at": (F("at").desc(), F("id").desc()), "at": (F("at").asc(), F("id").asc())},
            default_sort="-at",
            groups={"kind": ("kind", "kind"), "warehouse": ("warehouse", "warehouse__name")},
            select_related=("product", "warehouse", "actor"),
            search_fields=("reference",),
            columns=(
                ("at", _("time")),
                ("product", _("product")),
                ("warehouse", _("warehouse")),
                ("kind", _("kind")),
                ("quantity", _("quantity")),
                ("balance", _("balance after")),
                ("reference", _("reference")),
                ("actor", _("by")),
            ),
        ),
    }
)
