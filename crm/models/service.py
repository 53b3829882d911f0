"""Service records (服务记录), complaints (投诉) and service requests (服务请求) as records, and the
service-level policy (服务时限 = SLA policy) that sets how soon they are due.

Their processes (triage, dispatch 派工, survey) come from BPMN; these rows are what they move.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Department
from org.permissions import ACTIONS

from .base import (
    ChoiceList,
    ChoiceOption,
    ComplaintQuerySet,
    ConfigQuerySet,
    CustomerScopedQuerySet,
    ServiceRequestQuerySet,
    TimeStamped,
)


class ServiceRecord(TimeStamped):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        ONSITE = "onsite", _("On site")
        ONLINE = "online", _("Online")

    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="service_records"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.PHONE)
    subject = models.CharField(_("subject"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    occurred_at = models.DateTimeField(_("when"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.subject


class Complaint(TimeStamped):
    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        STAFF = "staff", _("Entered by staff")
        PORTAL = "portal", _("Customer portal")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.COMPLAINT_CATEGORY},
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.STAFF)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Set by the complaint process when its SLA timer fires before the complaint is resolved.
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    # When it must be resolved, from the SLA policy (set by the complaint process; the portal's
    # "Expected by" and the service report's SLA read it).
    due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # Set when the complaint was merged into another one about the same thing (crm.service).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {
        field: "complaint"
        for field in ("status", "handler", "department", "severity", "resolution", "satisfaction", "due_at")
    }

    objects = ComplaintQuerySet.as_manager()

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.resolved_at is None

    @property
    def sla_label(self) -> str:
        """On time / Due today / Breached while unresolved (crm.service.selectors), else empty."""
        from ..service.selectors import sla_label

        return sla_label(self)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["customer", "status"], name="crm_complaint_customer"),
            # the service desk's SLA views: unresolved cases, soonest due first
            models.Index(
                fields=["due_at", "id"],
                name="crm_complaint_sla",
                condition=models.Q(status__in=["open", "in_progress"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"


class ServiceRequest(TimeStamped):
    class Kind(models.TextChoices):
        REPAIR = "repair", _("Repair")
        RETURN = "return", _("Return")
        INSTALL = "install", _("Installation")
        VISIT = "visit", _("Visit")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DISPATCHED = "dispatched", _("Dispatched")
        DONE = "done", _("Done")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="service_requests"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        "crm.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.REPAIR)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    preferred_at = models.DateTimeField(_("preferred time"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled_at = models.DateTimeField(_("scheduled"), null=True, blank=True)
    work_record = models.TextField(_("work record"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    # When the work must be done, from the SLA policy (set by the service dispatch process).
    due_at = models.DateTimeField(_("done by"), null=True, blank=True)
    # Set when the request was merged into another one about the same thing (crm.service).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {
        field: "service_dispatch"
        for field in ("status", "technician", "scheduled_at", "work_record", "satisfaction", "due_at")
    }

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["customer", "status"], name="crm_servicereq_customer"),
            models.Index(
                fields=["due_at", "id"],
                name="crm_servicereq_sla",
                condition=models.Q(status__in=["open", "dispatched"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.subject}"

    @property
    def sla_label(self) -> str:
        from ..service.selectors import sla_label

        return sla_label(self)


class SlaPolicy(models.Model):
    """How soon a complaint or a service request must be answered (its first task: triage,
    dispatch) and resolved, by severity, optionally only for a category or a customer level.

    The most specific active row wins (crm.selectors.service.sla_policy_for); administrators edit
    the table, the processes read it when the record arrives and again at triage.
    """

    class Record(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SERVICE_REQUEST = "service_request", _("Service request")

    record = models.CharField(
        _("applies to"), max_length=16, choices=Record.choices, default=Record.COMPLAINT
    )
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=Complaint.Severity.choices,
        blank=True,
        help_text=_("empty: any"),
    )
    category = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.COMPLAINT_CATEGORY},
        help_text=_("empty: any"),
    )
    customer_level = models.ForeignKey(
        "crm.CustomerLevel",
        verbose_name=_("customer level"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("empty: any"),
    )
    response_time = models.DurationField(_("respond within"))
    resolution_time = models.DurationField(_("resolve within"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=50, help_text=_("of its tasks: 70 and above is high, 30 and below low")
    )
    business_hours = models.BooleanField(
        _("in business hours"),
        default=False,
        help_text=_("count only the company calendar's working hours (else around the clock)"),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["record", "severity", "pk"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        default_permissions = ACTIONS
        permissions = [("manage_service_settings", _("Can administer SLA policies and the company calendar"))]

    def __str__(self) -> str:
        return f"{self.get_record_display()} · {self.get_severity_display() or _('any severity')}"


class WorkingHours(models.Model):
    """The company calendar's (工作日历) working hours of one weekday; a weekday without a row is
    a day off. No rows at all: the calendar is not set up and business time is clock time."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), unique=True)  # 0 = Monday
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["weekday"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        default_permissions = ACTIONS
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="crm_workinghours_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.start}-{self.end}"


class CalendarDay(models.Model):
    """An exception to the weekly hours: a public holiday (节假日), or a make-up working day (调休)
    on a weekend, worked with the hours of `works_like` (a weekday)."""

    day = models.DateField(_("date"), unique=True)
    working = models.BooleanField(_("working day"), default=False)
    works_like = models.PositiveSmallIntegerField(_("hours of"), default=0)
    name = models.CharField(_("name"), max_length=100, blank=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return f"{self.day} {self.name}"
