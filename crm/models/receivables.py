"""Money owed on contracts: payment plans (回款计划, instalments with due dates), invoices (发票)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import CustomerScopedQuerySet, OwnedOrCustomerQuerySet, TimeStamped


class Instalment(TimeStamped):
    """One instalment of a contract's payment plan: what is due when. Paid = the payments
    recorded against it; overdue = past its due date with money still open."""

    contract = models.ForeignKey(
        "crm.Contract", verbose_name=_("contract"), on_delete=models.CASCADE, related_name="instalments"
    )
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    sequence = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Kept by the services (payments) and the daily reminder run, for the index-only overdue list.
    settled = models.BooleanField(_("settled"), default=False, editable=False)
    reminded_on = models.DateField(_("reminded"), null=True, blank=True, editable=False)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "sequence"]
        verbose_name = _("instalment")
        verbose_name_plural = _("payment plan")
        default_permissions = ACTIONS
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="crm_instalment_sequence")
        ]
        indexes = [
            models.Index(fields=["due_on"], name="crm_instalment_open_due", condition=models.Q(settled=False))
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} #{self.sequence}"


class Invoice(TimeStamped):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        SENT = "sent", _("Sent to the customer")
        VOID = "void", _("Void")

    class Kind(models.TextChoices):
        VAT_SPECIAL = "special", _("VAT special invoice")
        VAT_NORMAL = "normal", _("VAT general invoice")

    number = models.CharField(_("invoice number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VAT_SPECIAL)
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    contract = models.ForeignKey(
        "crm.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    order = models.ForeignKey(
        "crm.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    issued_on = models.DateField(_("invoice date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )

    objects = OwnedOrCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        default_permissions = ACTIONS
        indexes = [models.Index(fields=["customer", "-issued_on"], name="crm_invoice_customer")]

    def __str__(self) -> str:
        return self.number
