"""Customer pools (公海): unowned customers that salespeople may claim, and every move in and out."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import ConfigQuerySet, CustomerScopedQuerySet


class CustomerPool(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(
        _("default pool"), default=False, help_text=_("Owned customers outside any pool return here.")
    )
    claim_groups = models.ManyToManyField(
        Group,
        verbose_name=_("who may claim"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every user allowed to change customers."),
    )
    claim_limit = models.PositiveIntegerField(
        _("claim limit per person"), default=50, help_text=_("Customers from this pool one person may hold.")
    )
    daily_claim_quota = models.PositiveIntegerField(
        _("claims per person per day"),
        null=True,
        blank=True,
        help_text=_("How many customers one person may claim from this pool in a day (empty: no quota)."),
    )
    reclaim_cooldown_days = models.PositiveIntegerField(
        _("days before a former owner may claim again"),
        null=True,
        blank=True,
        help_text=_("A customer released or returned by its owner stays out of their reach this long."),
    )
    days_without_follow_up = models.PositiveIntegerField(
        _("return after days without follow-up"), null=True, blank=True
    )
    days_without_won_deal = models.PositiveIntegerField(
        _("return after days without a won deal"), null=True, blank=True
    )
    protect_open_opportunities = models.BooleanField(
        _("keep customers with open opportunities"), default=True
    )
    warn_days_before_recycle = models.PositiveIntegerField(
        _("warn the owner days before returning"),
        null=True,
        blank=True,
        default=3,
        help_text=_("The owner is told this many days before a customer goes back (empty: no warning)."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer pool")
        verbose_name_plural = _("customer pools")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class PoolMove(models.Model):
    class Action(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        RELEASE = "release", _("Released")
        ASSIGN = "assign", _("Assigned")
        RECYCLE = "recycle", _("Returned automatically")

    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="pool_moves")
    pool = models.ForeignKey(CustomerPool, null=True, on_delete=models.SET_NULL, related_name="moves")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pool move")
        verbose_name_plural = _("pool moves")
        default_permissions = ("view",)
        indexes = [models.Index(fields=["customer", "-at"], name="crm_poolmove_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.action}"
