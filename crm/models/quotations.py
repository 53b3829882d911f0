"""Quotations (报价单): priced lines from the product catalogue, kept in versions; an accepted
quotation becomes a contract or an order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import OwnedOrCustomerQuerySet, TimeStamped, child_queryset


class Quotation(TimeStamped):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        SUPERSEDED = "superseded", _("Superseded by a revision")

    # Every version of one quotation shares the code; (code, version) is unique.
    code = models.CharField(_("code"), max_length=30, editable=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("revision of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revision",
        editable=False,
    )
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotations"
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotations",
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    quoted_on = models.DateField(_("date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    net_amount = models.DecimalField(_("net amount"), max_digits=16, decimal_places=2, default=0)
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2, default=0)
    total_amount = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_to = models.EmailField(_("sent to"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )

    objects = OwnedOrCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        default_permissions = ACTIONS
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="crm_quotation_code_version")]
        indexes = [models.Index(fields=["customer", "-id"], name="crm_quotation_customer")]

    def __str__(self) -> str:
        return f"{self.code}-v{self.version}" if self.version > 1 else self.code


class QuotationLine(models.Model):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("crm.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    description = models.CharField(_("description"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=0)
    tax_percent = models.DecimalField(_("tax %"), max_digits=5, decimal_places=2, default=0)
    # Computed by the service: net = quantity x price less the discount; tax on the net.
    net_amount = models.DecimalField(_("net amount"), max_digits=16, decimal_places=2, editable=False)
    tax_amount = models.DecimalField(_("tax"), max_digits=16, decimal_places=2, editable=False)

    objects = child_queryset("quotation").as_manager()

    class Meta:
        ordering = ["quotation", "id"]
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"

    @property
    def total_amount(self):
        return self.net_amount + self.tax_amount
