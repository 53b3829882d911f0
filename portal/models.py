"""Customer portal (客户入口) accounts: a portal user belongs to exactly one customer company.

Glossary: 客户入口 = customer portal; 客户账号 = portal account; 邀请 = invitation;
客户管理员 = customer admin (may invite colleagues of the same company).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccount(models.Model):
    """The link between a user and the one customer company whose records they may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_account",
    )
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="portal_accounts"
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_accounts",
    )
    is_customer_admin = models.BooleanField(
        _("customer admin"), default=False, help_text=_("May invite colleagues of the same company.")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")
        indexes = [models.Index(fields=["customer"], name="portal_account_customer")]

    def __str__(self) -> str:
        return f"{self.user} ({self.customer_id})"


class PortalToken(models.Model):
    """A one-time link: an invitation (set the first password) or a password reset.

    Only the SHA-256 of the secret is stored; the secret travels in the e-mail alone.
    """

    class Purpose(models.TextChoices):
        INVITE = "invite", _("Invitation")
        RESET = "reset", _("Password reset")

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")

    def __str__(self) -> str:
        return f"{self.purpose} for {self.account_id}"


class RequestAttachment(models.Model):
    """A file a customer attached to a complaint or a service request submitted in the portal."""

    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="+")
    complaint = models.ForeignKey(
        "crm.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="portal_attachments"
    )
    service_request = models.ForeignKey(
        "crm.ServiceRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="portal_attachments",
    )
    file = models.FileField(_("file"), upload_to="portal/attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(complaint__isnull=False) | models.Q(service_request__isnull=False),
                name="portal_attachment_has_record",
            )
        ]

    def __str__(self) -> str:
        return self.name
