"""Products (产品) and inventory (库存): warehouses, a stock ledger and the current stock levels."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import ConfigQuerySet, TimeStamped, child_queryset


class Product(TimeStamped):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    spec = models.CharField(_("specification"), max_length=200, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, default=0)
    image = models.FileField(_("image"), upload_to="crm/products/", blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


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

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        default_permissions = ("view",)
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
        indexes = [models.Index(fields=["product", "warehouse", "-at"], name="crm_stockmove_product")]

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
