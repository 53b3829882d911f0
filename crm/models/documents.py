"""Documents on a customer card (资料/文档): proposals, quotations, contracts, manuals; optionally
shared with the customer, who then sees them in the portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS


class DocumentQuerySet(models.QuerySet):
    """A document is seen with its customer and changed by whoever may change the customer: the
    card's rules, not a second permission set to keep in step."""

    def visible_to(self, user, action: str = "view") -> DocumentQuerySet:
        from ..access import involved
        from .customers import Customer
        from .orders import Contract, Order

        customer_action = "view" if action in ("view", "export") else "change"
        customers = Customer.objects.visible_to(user, customer_action, through_tasks=False)
        condition = Q(customer_id__in=customers.values("pk"))
        if action == "view" and user is not None and user.is_authenticated:
            # A task about an order or a contract opens that record's own documents, not the card's.
            condition |= Q(order_id__in=Order.objects.filter(involved(user, Order)).values("pk"))
            condition |= Q(contract_id__in=Contract.objects.filter(involved(user, Contract)).values("pk"))
        return self.filter(condition)

    def shared_with(self, customer_id: int) -> DocumentQuerySet:
        """What the customer company sees in the portal."""
        return self.filter(customer_id=customer_id, shared_with_customer=True)


class Document(models.Model):
    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        QUOTATION = "quotation", _("Quotation")
        CONTRACT = "contract", _("Contract")
        MANUAL = "manual", _("Manual")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="documents"
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    contract = models.ForeignKey(
        "crm.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    order = models.ForeignKey(
        "crm.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    shared_with_customer = models.BooleanField(_("shared with the customer"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["customer", "-uploaded_at"], name="crm_document_customer"),
            models.Index(
                fields=["customer", "-uploaded_at"],
                name="crm_document_shared",
                condition=models.Q(shared_with_customer=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title
