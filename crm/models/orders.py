"""Contracts (合同), orders (订单) with lines, and payments (回款)."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import CustomerScopedQuerySet, OwnedOrCustomerQuerySet, TimeStamped, child_queryset


class Contract(TimeStamped):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved, to be signed")
        REJECTED = "rejected", _("Rejected")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("In force")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="contracts"
    )
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    signed_on = models.DateField(_("signed"), null=True, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    terms = models.TextField(_("terms"), blank=True)
    customer_signer = models.CharField(_("signed by (customer)"), max_length=100, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by (us)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quotation = models.ForeignKey(
        "crm.Quotation",
        verbose_name=_("quotation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {"status": "contract_approval"}

    objects = OwnedOrCustomerQuerySet.as_manager()

    # Contracts whose amount the customer owes (receivables); drafts and those in approval not yet.
    RECEIVABLE = (Status.SIGNED, Status.ACTIVE, Status.CLOSED)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Order(TimeStamped):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SHIPPED = "shipped", _("Shipped")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    ordered_on = models.DateField(_("order date"))
    delivery_on = models.DateField(_("delivery date"), null=True, blank=True)
    total_amount = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    quotation = models.ForeignKey(
        "crm.Quotation",
        verbose_name=_("quotation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {"status": "order_approval"}

    objects = OwnedOrCustomerQuerySet.as_manager()

    # Booked orders count as sales (reports, budgets); the others are not (yet, or any more) sales.
    BOOKED = (Status.APPROVED, Status.SHIPPED, Status.PAID)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        default_permissions = ACTIONS
        indexes = [models.Index(fields=["customer", "status"], name="crm_order_customer")]

    def __str__(self) -> str:
        return self.code

    def lines_booked_on(self):
        """What this order's lines carry as `booked_on`: the order date while the order is booked."""
        return self.ordered_on if self.status in self.BOOKED else None

    def save(self, *args, **kwargs):
        """Saves the order and, in the same transaction, the `booked_on` of those of its lines that
        disagree with it (booked, unbooked, re-dated). Compared in the database, not with what this
        object was read with, so a stale object cannot leave the lines behind."""
        update_fields = kwargs.get("update_fields")
        has_lines = not self._state.adding  # (a new order's lines are written after it)
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)
            if has_lines and (update_fields is None or {"status", "ordered_on"} & set(update_fields)):
                booked_on = self.lines_booked_on()
                OrderLine.objects.filter(order=self).exclude(booked_on=booked_on).update(booked_on=booked_on)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("crm.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, editable=False)
    delivery_on = models.DateField(_("delivery date"), null=True, blank=True)
    # The order's date while the order is booked, else empty (kept by Order.save and the services
    # that create lines): the sales report sums a period's lines by this index alone, without
    # joining millions of lines to their orders.
    booked_on = models.DateField(_("booked on"), null=True, blank=True, editable=False)

    objects = child_queryset("order").as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        default_permissions = ()
        indexes = [
            # Every column the sales report's by-product sum reads: an index-only scan.
            models.Index(
                fields=["booked_on", "product", "quantity", "amount"],
                name="crm_orderline_booked",
                condition=models.Q(booked_on__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"

    def save(self, *args, **kwargs):
        if self.order_id is not None:
            self.booked_on = self.order.lines_booked_on()
        super().save(*args, **kwargs)


class Payment(TimeStamped):
    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    # The instalment of the contract's payment plan this payment settles (its contract is then set).
    instalment = models.ForeignKey(
        "crm.Instalment",
        verbose_name=_("instalment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.TRANSFER)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        default_permissions = ACTIONS
        indexes = [models.Index(fields=["customer", "-paid_on"], name="crm_payment_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.amount}"
