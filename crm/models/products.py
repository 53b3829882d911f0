"""Products (产品) and inventory (库存): categories, price lists, warehouses, a stock ledger and the
current stock levels.

Glossary: 产品分类 = product category, 价目表 = price list, 仓库 = warehouse, 出入库 = stock move,
调拨 = transfer, 盘点 = stock count, 安全库存/补货点 = reorder level.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import ConfigQuerySet, TimeStamped, child_queryset


class ProductCategory(models.Model):
    """A node of the product category tree (产品分类); siblings are shown in `sort_order`."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        default_permissions = ACTIONS
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="crm_category_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path(self) -> str:
        """The category with its ancestors, "泵 / 离心泵" (a few queries; the tree is shallow)."""
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


class Product(TimeStamped):
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    spec = models.CharField(_("specification"), max_length=200, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, default=0)
    image = models.FileField(_("image"), upload_to="crm/products/", blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # kept by the stock services: some warehouse holds less available than its reorder level
    low_stock = models.BooleanField(_("low stock"), default=False, editable=False)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["low_stock"], name="crm_product_low", condition=models.Q(low_stock=True)),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PriceList(models.Model):
    """A named price list (价目表: retail, distributor…); a product's price on it comes from its
    `ProductPrice` rows valid on a given day, else the product's base price."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class ProductPrice(models.Model):
    """A product's price on a price list from `valid_from` (until `valid_until`, inclusive)."""

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="prices"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="prices"
    )
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["price_list", "product", "-valid_from"]
        verbose_name = _("product price")
        verbose_name_plural = _("product prices")
        default_permissions = ACTIONS
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "valid_from"], name="crm_price_unique_start"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="crm_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.price_list} · {self.product}: {self.price}"


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """Current quantity of a product in a warehouse; changed only together with a ledger entry."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.DecimalField(_("on hand"), max_digits=14, decimal_places=3, default=0)
    reserved = models.DecimalField(_("reserved"), max_digits=14, decimal_places=3, default=0)
    reorder_level = models.DecimalField(
        _("reorder level"),
        max_digits=14,
        decimal_places=3,
        default=0,
        help_text=_("The warehouse is told when the available stock falls below this (0: never)."),
    )
    # available < reorder level; set and cleared by the stock services, which alert the warehouse
    # group when it turns on (once per crossing)
    low = models.BooleanField(_("below reorder level"), default=False, editable=False)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "warehouse_id"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        default_permissions = ("view", "change", "export")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="crm_stock_unique"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="crm_stock_not_negative"),
            # a count may find less than is reserved (then available goes negative, visibly), but
            # a reservation can never be released twice
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="crm_stock_reserved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand}"

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockMove(models.Model):
    """The stock ledger (出入库): one row per change of one product in one warehouse."""

    class Kind(models.TextChoices):
        IN = "in", _("Stock in")
        OUT = "out", _("Stock out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        COUNT = "count", _("Stock count adjustment")

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_moves")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_moves")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, help_text=_("signed"))
    balance = models.DecimalField(_("balance after"), max_digits=14, decimal_places=3)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    order = models.ForeignKey(
        "crm.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="stock_moves"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock ledger")
        default_permissions = ("view", "add", "export")
        indexes = [
            models.Index(fields=["product", "warehouse", "-at"], name="crm_stockmove_product"),
            # the ledger of a product over all warehouses, and the whole ledger, newest first
            models.Index(fields=["product", "-at", "-id"], name="crm_stockmove_ledger"),
            models.Index(fields=["-at", "-id"], name="crm_stockmove_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} {self.product_id}@{self.warehouse_id}"


class StockReservation(models.Model):
    """Stock held for an approved order (预留): counted in `StockLevel.reserved` until the order
    ships (booked out) or is cancelled (released)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Reserved")
        RELEASED = "released", _("Released")
        SHIPPED = "shipped", _("Shipped")

    order = models.ForeignKey(
        "crm.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="reservations"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = child_queryset("order").as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["order", "status"], name="crm_reservation_order"),
            models.Index(
                fields=["product", "warehouse"],
                name="crm_reservation_active",
                condition=models.Q(status="active"),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="crm_reservation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} {self.product_id}@{self.warehouse_id}"
