"""Customer card (客户卡片), its sharing, tracked-field history, levels, merges and contacts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from org.models import Department
from org.permissions import ACTIONS, VisibleQuerySet
from org.selectors import effective_group_ids

from ..access import department_chain
from .base import (
    ChoiceList,
    ChoiceOption,
    ConfigQuerySet,
    CustomerScopedQuerySet,
    NullsLastIndex,
    TaskRecordQuerySet,
    TimeStamped,
)


class CustomerLevel(models.Model):
    """A customer level (客户级别) definition: A/B/C..., ordered, with the criteria in words."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    criteria = models.TextField(_("criteria"), blank=True)
    # measurable criteria over the last 365 days of booked orders; a customer meeting a higher
    # level's is suggested for a level change (either one suffices; empty: not a criterion)
    min_yearly_amount = models.DecimalField(
        _("yearly order amount from"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    min_yearly_orders = models.PositiveIntegerField(_("yearly orders from"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("customer level")
        verbose_name_plural = _("customer levels")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class CreditLevel(models.TextChoices):
    AAA = "AAA", _("AAA — excellent")
    AA = "AA", _("AA — good")
    A = "A", _("A — normal")
    B = "B", _("B — watch")
    C = "C", _("C — cash only")


class CustomerQuerySet(VisibleQuerySet):
    owner_field = "owner"

    def shared_filter(self, user, action: str) -> Q | None:
        return Q(pk__in=CustomerShare.objects.granting(user, action).values("customer_id"))

    def involvement_filter(self, user) -> Q | None:
        from ..access import customers_involved

        return customers_involved(user)


def _option(choice_list: str, verbose: str):
    return models.ForeignKey(
        ChoiceOption,
        verbose_name=verbose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"choice_list": choice_list},
    )


class Customer(TimeStamped):
    # Basic information
    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    zip_code = models.CharField(_("zip code"), max_length=20, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    legal_person = models.CharField(_("legal person"), max_length=100, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=40, blank=True)
    # Classification
    status = _option(ChoiceList.STATUS, _("status"))
    level = models.ForeignKey(
        CustomerLevel,
        verbose_name=_("level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    customer_type = _option(ChoiceList.TYPE, _("type"))
    source = _option(ChoiceList.SOURCE, _("source"))
    industry = _option(ChoiceList.INDUSTRY, _("industry"))
    region = _option(ChoiceList.REGION, _("region"))
    credit_level = models.CharField(_("credit level"), max_length=4, choices=CreditLevel.choices, blank=True)
    description = models.TextField(_("description"), blank=True)
    background = models.TextField(_("background"), blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    portal_enabled = models.BooleanField(_("portal access"), default=False)
    # Ownership and the pool (公海)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crm_customers",
    )
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)
    pool = models.ForeignKey(
        "crm.CustomerPool",
        verbose_name=_("pool"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    # Follow-up, maintained by activities and deals
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    last_won_at = models.DateTimeField(_("last won deal"), null=True, blank=True)
    # When the owner was last told that the pool's rules will soon take this customer back.
    recycle_warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Values of administrator-defined custom fields, keyed by definition key
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Normalized keys for the duplicate check and the name search (maintained by the services)
    search_name = models.CharField(max_length=200, editable=False, default="")
    name_key = models.CharField(max_length=200, editable=False, default="")
    name_bucket = models.CharField(max_length=8, editable=False, default="")
    phone_digits = models.CharField(max_length=30, editable=False, default="")
    email_key = models.CharField(max_length=254, editable=False, default="")
    tax_id_key = models.CharField(max_length=40, editable=False, default="")

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {"level": "customer_level_change"}

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        default_permissions = ACTIONS
        indexes = [
            # "My customers of level A, most recently active first": one index range, no sort.
            NullsLastIndex(
                F("owner"),
                F("level"),
                F("last_activity_at").desc(nulls_last=True),
                F("id").desc(),
                name="crm_cust_owner_level_act",
            ),
            NullsLastIndex(
                F("owner"),
                F("last_activity_at").desc(nulls_last=True),
                F("id").desc(),
                name="crm_cust_owner_act",
            ),
            NullsLastIndex(F("last_activity_at").desc(nulls_last=True), F("id").desc(), name="crm_cust_act"),
            models.Index(fields=["search_name"], name="crm_cust_search", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_key"], name="crm_cust_name_key"),
            models.Index(fields=["name_bucket"], name="crm_cust_name_bucket"),
            models.Index(fields=["phone_digits"], name="crm_cust_phone", condition=~Q(phone_digits="")),
            models.Index(fields=["email_key"], name="crm_cust_email", condition=~Q(email_key="")),
            models.Index(fields=["tax_id_key"], name="crm_cust_tax", condition=~Q(tax_id_key="")),
            models.Index(fields=["pool", "owner"], name="crm_cust_pool_owner"),
            models.Index(fields=["level"], name="crm_cust_level"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ShareLevel(models.TextChoices):
    READ = "read", _("Read")
    EDIT = "edit", _("Edit")


class CustomerShareQuerySet(VisibleQuerySet):
    owner_field = "customer__owner"

    def granting(self, user, action: str) -> CustomerShareQuerySet:
        """Shares that let `user` perform `action` on the shared customer (read: view/export)."""
        if action == "delete":
            return self.none()
        who = Q(user_id=user.pk)
        groups = effective_group_ids(user)
        if groups:
            who |= Q(group_id__in=groups)
        departments = department_chain(user)
        if departments:
            # A share with a department reaches its sub-departments too.
            who |= Q(department_id__in=departments)
        qs = self.filter(who)
        if action in ("add", "change"):
            qs = qs.filter(level=ShareLevel.EDIT)
        return qs


class CustomerShare(models.Model):
    """A customer card shared with a user, a group or a department (客户共享), read or edit."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    group = models.ForeignKey(
        Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    level = models.CharField(_("access"), max_length=8, choices=ShareLevel.choices, default=ShareLevel.READ)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CustomerShareQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer share")
        verbose_name_plural = _("customer shares")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["user", "customer"], name="crm_share_user"),
            models.Index(fields=["group", "customer"], name="crm_share_group"),
            models.Index(fields=["department", "customer"], name="crm_share_dept"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, group__isnull=True, department__isnull=True)
                    | Q(user__isnull=True, group__isnull=False, department__isnull=True)
                    | Q(user__isnull=True, group__isnull=True, department__isnull=False)
                ),
                name="crm_share_exactly_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} → {self.user or self.group or self.department} ({self.level})"


class CustomerChange(models.Model):
    """Change history of tracked customer fields (who, when, old → new), shown on the card."""

    class Kind(models.TextChoices):
        FIELD = "field", _("Field changed")
        MERGE = "merge", _("Merged")
        LEVEL = "level", _("Level changed")
        OWNER = "owner", _("Owner changed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FIELD)
    field = models.CharField(_("field"), max_length=60)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("customer change")
        verbose_name_plural = _("customer changes")
        default_permissions = ("view",)
        indexes = [models.Index(fields=["customer", "-changed_at"], name="crm_change_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field_label}: {self.old_value} → {self.new_value}"

    @property
    def field_label(self) -> str:
        """The changed field as people read it ("Level", not `level`)."""
        from django.core.exceptions import FieldDoesNotExist

        try:
            name = Customer._meta.get_field(self.field).verbose_name
        except FieldDoesNotExist:
            return self.field
        return str(name)[:1].upper() + str(name)[1:]


class CustomerMerge(models.Model):
    """Record of a merge: what the removed card held and what moved, so it can be traced back."""

    kept = models.ForeignKey(
        Customer, verbose_name=_("kept customer"), on_delete=models.CASCADE, related_name="merges"
    )
    removed_id = models.BigIntegerField(_("removed customer id"))
    removed_code = models.CharField(_("removed customer code"), max_length=20)
    removed_name = models.CharField(_("removed customer name"), max_length=200)
    removed_snapshot = models.JSONField(_("removed customer"), default=dict)
    kept_snapshot = models.JSONField(_("kept customer before"), default=dict)
    choices = models.JSONField(_("field choices"), default=dict)
    moved = models.JSONField(_("moved records"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.removed_code} → {self.kept_id}"


class LevelChangeRequest(models.Model):
    """A requested level change; decided by the level-change process (or an administrator)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="level_requests")
    from_level = models.ForeignKey(
        CustomerLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_level = models.ForeignKey(CustomerLevel, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    process_instance_id = models.CharField(_("process instance"), max_length=64, blank=True)

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {
        field: "customer_level_change" for field in ("status", "decided_by", "decided_at", "decision_note")
    }

    objects = TaskRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("level change request")
        verbose_name_plural = _("level change requests")
        default_permissions = ACTIONS
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="pending"),
                name="crm_levelreq_one_pending",
            )
        ]

    def __str__(self) -> str:
        # in words, and without the status, which changes after the label is copied onto tasks
        return f"{self.customer}: {self.from_level or '—'} → {self.to_level}"


class ContactQuerySet(CustomerScopedQuerySet):
    """Contacts go with their customer, and are part of the basics a task's holder sees."""

    def involvement_filter(self, user) -> Q | None:
        from ..access import customers_involved

        return Q(customer_id__in=Customer.objects.filter(customers_involved(user)).values("pk"))


class Contact(TimeStamped):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department at the customer"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True, help_text=_("e.g. decision maker"))
    superior = models.ForeignKey(
        "self",
        verbose_name=_("superior"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subordinates",
    )
    gender = models.CharField(
        _("gender"), max_length=1, blank=True, choices=[("m", _("male")), ("f", _("female"))]
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    interests = models.CharField(_("interests"), max_length=300, blank=True)
    family = models.TextField(_("family"), blank=True, help_text=_("e.g. spouse, children, their birthdays"))
    notes = models.TextField(_("notes"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    active = models.BooleanField(_("active"), default=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    phone_digits = models.CharField(max_length=30, editable=False, default="")

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "department", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["customer", "department", "name"], name="crm_contact_customer"),
            models.Index(fields=["phone_digits"], name="crm_contact_phone"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactEmployment(models.Model):
    """A contact's employment at a customer; moving a contact closes one row and opens another."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="employments")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="employments"
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("employment")
        verbose_name_plural = _("employment history")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.contact_id} @ {self.customer_id}"
