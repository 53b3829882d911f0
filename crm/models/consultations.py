"""Consultations (咨询) and the messages on a service case (回复客户 / 内部备注).

Glossary: 咨询 = consultation; 售前 = pre-sale; 售后 = after-sale; 咨询类别 = consultation category
(a ChoiceList); 回复客户 = reply to the customer (public, shown in the portal); 内部备注 = internal
comment (staff only); 合并重复 = merge duplicates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS, VisibleQuerySet

from .base import ChoiceList, ChoiceOption, TimeStamped


class ConsultationQuerySet(VisibleQuerySet):
    """Visible to whoever handles it and to the people whose scope covers them, to the customer's
    owner side, and, while nobody handles it yet (asked in the portal), to everyone holding the
    entity permission: an unassigned question is a shared queue."""

    owner_field = "handled_by"

    def row_filter(self, user, action: str) -> Q | None:
        from org.selectors import user_row_scope, users_in_scope

        condition = super().row_filter(user, action)
        if condition is None:
            return None
        owners = users_in_scope(user, user_row_scope(user))
        return condition | Q(customer__owner__in=owners) | Q(handled_by__isnull=True)


class Consultation(TimeStamped):
    """A question a customer or a prospect asked, before buying (pre-sale) or after (after-sale),
    with the answer; a pre-sale one may become a lead or an opportunity, an after-sale one a
    service request (the links go both ways through the fields below)."""

    class Kind(models.TextChoices):
        PRE_SALE = "pre_sale", _("Pre-sale")
        AFTER_SALE = "after_sale", _("After-sale")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("E-mail")
        PORTAL = "portal", _("Customer portal")
        WECOM = "wecom", _("WeCom")
        WEB = "web", _("Website chat")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CONVERTED = "converted", _("Converted")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PRE_SALE)
    category = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.CONSULTATION_CATEGORY},
    )
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A prospect who is not a customer yet leaves a name and a phone number.
    prospect_name = models.CharField(_("name (not a customer yet)"), max_length=100, blank=True)
    prospect_phone = models.CharField(_("phone"), max_length=50, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.PHONE)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    activity = models.ForeignKey(
        "crm.Activity",
        verbose_name=_("call or visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    lead = models.ForeignKey(
        "crm.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    service_request = models.ForeignKey(
        "crm.ServiceRequest",
        verbose_name=_("service request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["status", "id"], name="crm_consult_status"),
            models.Index(fields=["customer", "id"], name="crm_consult_customer"),
            models.Index(fields=["handled_by", "id"], name="crm_consult_handler"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.question[:40]}"

    @property
    def asked_by(self) -> str:
        if self.customer_id:
            return self.customer.name
        return self.prospect_name


class CaseMessage(models.Model):
    """A message on a complaint or a service request: a reply to the customer (shown in the
    portal), an internal comment (staff only), or a note of what the customer said on the phone.
    Messages of a merged duplicate move to the case that absorbed it."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply to the customer")
        INTERNAL = "internal", _("Internal comment")
        CUSTOMER = "customer", _("Customer message")

    complaint = models.ForeignKey(
        "crm.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    service_request = models.ForeignKey(
        "crm.ServiceRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REPLY)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        default_permissions = ()
        indexes = [
            models.Index(fields=["complaint", "id"], name="crm_casemsg_complaint"),
            models.Index(fields=["service_request", "id"], name="crm_casemsg_request"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(complaint__isnull=False) | Q(service_request__isnull=False),
                name="crm_casemessage_has_case",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def public(self) -> bool:
        return self.kind != self.Kind.INTERNAL
