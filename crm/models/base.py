"""Shared building blocks of the CRM models: managed choice lists, code sequences, querysets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OrderBy, Q
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS, RowScope, VisibleQuerySet


class ChoiceList(models.TextChoices):
    STATUS = "status", _("Customer status")
    TYPE = "type", _("Customer type")
    SOURCE = "source", _("Source")
    INDUSTRY = "industry", _("Industry")
    REGION = "region", _("Region")
    COMPLAINT_CATEGORY = "complaint_category", _("Complaint category")
    CONSULTATION_CATEGORY = "consultation_category", _("Consultation category")


class ChoiceOptionQuerySet(VisibleQuerySet):
    owner_field = None

    def of(self, choice_list: str) -> ChoiceOptionQuerySet:
        return self.filter(choice_list=choice_list, active=True)


class ChoiceOption(models.Model):
    """One entry of an administrator-managed list (customer status, type, source, industry, region;
    complaint category)."""

    choice_list = models.CharField(_("list"), max_length=24, choices=ChoiceList.choices)
    code = models.CharField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = ChoiceOptionQuerySet.as_manager()

    class Meta:
        ordering = ["choice_list", "sort_order", "code"]
        verbose_name = _("choice option")
        verbose_name_plural = _("choice options")
        default_permissions = ACTIONS
        constraints = [
            models.UniqueConstraint(fields=["choice_list", "code"], name="crm_choiceoption_unique_code")
        ]

    def __str__(self) -> str:
        return self.label


class CodeSequence(models.Model):
    """Counters behind auto-numbered codes (customer C000001, order SO000001...)."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    next_value = models.PositiveBigIntegerField(_("next value"), default=1)

    class Meta:
        verbose_name = _("code sequence")
        verbose_name_plural = _("code sequences")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.name}: {self.next_value}"


class ConfigQuerySet(VisibleQuerySet):
    """Reference data (levels, pools, definitions): every permitted user sees every row."""

    owner_field = None

    def row_filter(self, user, action: str) -> Q | None:
        # every row, whatever the user's row scope: no need to look the scope up (a list of the
        # stock ledger or the products then costs the permission check only)
        return None


class CustomerScopedQuerySet(VisibleQuerySet):
    """Rows that belong to a customer: visible with the customer's owner or the customer's shares."""

    owner_field = "customer__owner"

    def shared_filter(self, user, action: str) -> Q | None:
        from .customers import CustomerShare

        return Q(customer_id__in=CustomerShare.objects.granting(user, action).values("customer_id"))


class TaskRecordQuerySet(CustomerScopedQuerySet):
    """Customer records a process runs on (level change requests...): also seen, read-only, by
    whoever holds, held or is offered a task about them (crm.access)."""

    def involvement_filter(self, user) -> Q | None:
        from ..access import involved

        return involved(user, self.model)


class OwnedOrCustomerQuerySet(TaskRecordQuerySet):
    """Rows with their own owner (opportunities, activities, orders); the customer's shares also
    admit, and so does a task about the row."""

    owner_field = "owner"


class ServiceCaseQuerySet(TaskRecordQuerySet):
    """Complaints and service requests: the customer's owner sees them, and so does the service
    side: the person working the case (`worker_field`) and everyone whose row scope covers that
    person (the service manager sees his team's cases), and, where the case is filed under a
    department (`department_field`), everyone whose scope covers that department (the head of
    customer service sees the cases triaged to it, whoever handles them)."""

    worker_field = ""
    department_field = ""

    def row_filter(self, user, action: str) -> Q | None:
        from org.selectors import departments_in_scope, user_row_scope, users_in_scope

        from .customers import Customer

        scope = user_row_scope(user)
        if scope == RowScope.ALL:
            return None
        owners = users_in_scope(user, scope)
        # the customer's owner side as a semi-join on the customer ids (not a join of the customer
        # table): the planner then walks the case's own indexes (the SLA views' deadline order)
        condition = Q(customer_id__in=Customer.objects.filter(owner__in=owners).values("pk"))
        shared = self.shared_filter(user, action)
        if shared is not None:
            condition |= shared
        condition |= Q(**{f"{self.worker_field}__in": owners})
        departments = departments_in_scope(user, scope) if self.department_field else None
        if departments:
            condition |= Q(**{f"{self.department_field}__in": sorted(departments)})
        return condition


class ComplaintQuerySet(ServiceCaseQuerySet):
    worker_field = "handler"
    department_field = "department"


class ServiceRequestQuerySet(ServiceCaseQuerySet):
    worker_field = "technician"


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class OwnedQuerySet(VisibleQuerySet):
    """Rows owned by one user (leads, campaigns, expenses, saved queries)."""

    owner_field = "owner"


class NullsLastIndex(models.Index):
    """An expression index whose `nulls_last` ordering is kept where the database can index it.

    PostgreSQL indexes `DESC NULLS LAST`, so "most recent first, never-contacted last" is one
    index range. SQLite cannot put NULLS LAST in an index; there the plain order is indexed.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        expressions = [
            OrderBy(e.expression, descending=e.descending) if isinstance(e, OrderBy) else e
            for e in self.expressions
        ]
        plain = models.Index(*expressions, name=self.name, condition=self.condition)
        return plain.create_sql(model, schema_editor, using=using, **kwargs)


class ChildQuerySet(models.QuerySet):
    """Rows that only exist inside a parent record (order lines, campaign members...): visible
    exactly when the parent is, under the parent's permission."""

    parent_field: str = ""

    def visible_to(self, user, action: str = "view"):
        parent_model = self.model._meta.get_field(self.parent_field).related_model
        parents = parent_model.objects.visible_to(user, action)
        return self.filter(**{f"{self.parent_field}__in": parents.values("pk")})


def child_queryset(parent_field: str) -> type[ChildQuerySet]:
    return type(f"{parent_field.title()}ChildQuerySet", (ChildQuerySet,), {"parent_field": parent_field})
