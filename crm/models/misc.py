"""Favourites (收藏), custom fields (自定义字段), expenses (费用), saved queries and import jobs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS, VisibleQuerySet
from org.selectors import effective_group_ids

from .base import ConfigQuerySet, OwnedQuerySet, TimeStamped, child_queryset


class SharedWithGroupQuerySet(VisibleQuerySet):
    """Personal records (favourite lists, saved queries): the owner's, plus read-only for members
    of the group they are shared with. Deliberately not widened by the row scope: a manager does
    not see their team's personal lists."""

    owner_field = "owner"

    def row_filter(self, user, action: str) -> Q | None:
        shared = self.shared_filter(user, action)
        own = Q(owner_id=user.pk)
        return own | shared if shared is not None else own

    def shared_filter(self, user, action: str) -> Q | None:
        if action not in ("view", "export"):
            return None
        groups = effective_group_ids(user)
        return Q(shared_with_id__in=groups) if groups else None


class FavouriteList(TimeStamped):
    """A named list of customers and contacts (客户分组/收藏夹), e.g. for a mass mailing."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    shared_with = models.ForeignKey(
        Group,
        verbose_name=_("shared with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SharedWithGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("favourite list")
        verbose_name_plural = _("favourite lists")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class FavouriteItem(models.Model):
    favourite_list = models.ForeignKey(FavouriteList, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="favourite_items"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="favourite_items"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    objects = child_queryset("favourite_list").as_manager()

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["favourite_list", "customer"],
                condition=Q(customer__isnull=False),
                name="crm_fav_unique_customer",
            ),
            models.UniqueConstraint(
                fields=["favourite_list", "contact"],
                condition=Q(contact__isnull=False),
                name="crm_fav_unique_contact",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) ^ Q(contact__isnull=False), name="crm_fav_one_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.favourite_list_id}: {self.customer_id or self.contact_id}"


class CustomFieldDefinition(models.Model):
    """A field the company adds to a record type (自定义字段). Values live in the record's `custom`
    JSON column (numbers as JSON numbers, dates as ISO strings, several choices as a list, a person
    as the user's id); a filterable field gets an expression index on PostgreSQL
    (crm.services.custom_fields.custom_field_index_sync), so its list filter and sort stay fast."""

    class Entity(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        CONTACT = "contact", _("Contact")
        OPPORTUNITY = "opportunity", _("Opportunity")
        ORDER = "order", _("Order")
        COMPLAINT = "complaint", _("Complaint")
        SERVICE_REQUEST = "service_request", _("Service request")
        PRODUCT = "product", _("Product")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        MONEY = "money", _("Money")
        DATE = "date", _("Date")
        BOOL = "bool", _("Yes / no")
        CHOICE = "choice", _("Choice")
        MULTI_CHOICE = "multi_choice", _("Several choices")
        PERSON = "person", _("Person")

    entity = models.CharField(_("record type"), max_length=16, choices=Entity.choices)
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("For choice fields."))
    required = models.BooleanField(_("required"), default=False)
    max_length = models.PositiveIntegerField(_("maximum length"), default=200)
    min_value = models.DecimalField(_("minimum"), max_digits=16, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=16, decimal_places=2, null=True, blank=True)
    pattern = models.CharField(_("pattern"), max_length=200, blank=True)
    pattern_message = models.CharField(
        _("message when the pattern does not match"), max_length=200, blank=True
    )
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    visible_to = models.ManyToManyField(
        Group, verbose_name=_("seen by"), blank=True, related_name="+", help_text=_("none: everybody")
    )
    editable_by = models.ManyToManyField(
        Group,
        verbose_name=_("edited by"),
        blank=True,
        related_name="+",
        help_text=_("none: everybody who sees it"),
    )
    show_in_list = models.BooleanField(_("column in the list"), default=False)
    filterable = models.BooleanField(_("filter and sort in the list"), default=False)
    active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["entity", "sort_order", "key"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        default_permissions = ACTIONS
        permissions = [
            ("manage_data_model", _("Can administer custom fields, choice lists and list layouts"))
        ]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="crm_customfield_unique_key")]

    def __str__(self) -> str:
        return self.label


class ExpenseCategory(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("expense category")
        verbose_name_plural = _("expense categories")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class ExpenseQuerySet(OwnedQuerySet):
    """The claimant's expenses (widened by the row scope: a manager sees the team's), and, read-only,
    the expenses a user holds, held or is offered an approval task on (finance)."""

    def involvement_filter(self, user) -> Q | None:
        from ..access import involved

        return involved(user, self.model)


class Expense(TimeStamped):
    """An expense claim (费用报销): booked against a customer, an opportunity or a campaign, with
    its receipt; submitting it starts the `expense_approval` process, which owns its status."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    category = models.ForeignKey(
        ExpenseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="expenses"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    spent_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="expenses"
    )
    campaign = models.ForeignKey(
        "crm.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expenses",
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expenses",
    )
    receipt = models.FileField(_("receipt"), upload_to="crm/receipts/%Y/%m/", blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    decision_note = models.TextField(_("approver's comment"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("spent by"), on_delete=models.PROTECT, related_name="+"
    )

    PROCESS_OWNED_FIELDS = {"status": "expense_approval"}

    objects = ExpenseQuerySet.as_manager()

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return f"{self.spent_on} {self.amount}"


class SavedQuery(TimeStamped):
    """A list view's filters, sort and grouping saved by a user (查询收藏夹), shareable with a group."""

    name = models.CharField(_("name"), max_length=100)
    entity = models.CharField(_("list"), max_length=30)
    params = models.JSONField(_("query"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    shared_with = models.ForeignKey(
        Group,
        verbose_name=_("shared with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SharedWithGroupQuerySet.as_manager()

    class Meta:
        ordering = ["entity", "name"]
        verbose_name = _("saved query")
        verbose_name_plural = _("saved queries")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class ImportJobQuerySet(VisibleQuerySet):
    owner_field = "created_by"


class ImportJob(TimeStamped):
    """An Excel import: the uploaded file, its mapping, progress and the per-row error report."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class OnDuplicate(models.TextChoices):
        SKIP = "skip", _("Skip the row")
        UPDATE = "update", _("Update the existing record")
        CREATE = "create", _("Create anyway")

    entity = models.CharField(_("entity"), max_length=12)
    file = models.FileField(_("file"), upload_to="crm/imports/")
    mapping = models.JSONField(_("column mapping"), default=dict)
    on_duplicate = models.CharField(
        _("duplicates"), max_length=6, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    failed_batches = models.PositiveIntegerField(_("failed batches"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return f"{self.entity} import #{self.pk}"

    @property
    def progress(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
