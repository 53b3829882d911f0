"""The designer's records around the engine's definition versions.

A *start binding* maps a business event (complaint.submitted) to the process key whose active
version starts when the event happens. A *deployment log* keeps every validation/deploy attempt
with its findings, so designers see what was rejected and why.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS, VisibleQuerySet


class BusinessEvent(models.TextChoices):
    LEVEL_CHANGE_REQUESTED = "customer.level_change_requested", _("Customer level change requested")
    COMPLAINT_SUBMITTED = "complaint.submitted", _("Complaint submitted")
    SERVICE_REQUEST_SUBMITTED = "service_request.submitted", _("Service request submitted")
    ORDER_SUBMITTED = "order.submitted", _("Order submitted")
    LEAVE_REQUESTED = "leave.requested", _("Leave requested")
    VEHICLE_REQUESTED = "vehicle.requested", _("Vehicle requested")
    OPPORTUNITY_CREATED = "opportunity.created", _("Opportunity created")
    SALES_SUPPORT_REQUESTED = "sales_support.requested", _("Sales support requested")


class StartBindingQuerySet(VisibleQuerySet):
    owner_field = None  # configuration: visible to whoever holds the entity permission


class StartBinding(models.Model):
    event = models.CharField(_("business event"), max_length=100)
    process_key = models.CharField(_("process key"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = StartBindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("start binding")
        verbose_name_plural = _("start bindings")
        default_permissions = ACTIONS
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(active=True), name="processes_one_active_binding_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.process_key}"


class DeploymentLogQuerySet(VisibleQuerySet):
    owner_field = "uploaded_by"


class DeploymentLog(models.Model):
    class Outcome(models.TextChoices):
        DEPLOYED = "deployed", _("Deployed as a new version")
        UNCHANGED = "unchanged", _("Unchanged (same content as an existing version)")
        REJECTED = "rejected", _("Rejected")
        VALIDATED = "validated", _("Validated only")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_names = models.JSONField(_("files"), default=list)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    process_key = models.CharField(_("process key"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    findings = models.JSONField(_("findings"), default=list)

    objects = DeploymentLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("deployment log entry")
        verbose_name_plural = _("deployment log")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.process_key or ', '.join(self.file_names)}: {self.outcome}"


class RecordType(models.TextChoices):
    """The records a process may be started from (its business object)."""

    NONE = "", _("No record (a request of its own)")
    CUSTOMER = "crm.customer", _("A customer")
    OPPORTUNITY = "crm.opportunity", _("An opportunity")
    ORDER = "crm.order", _("An order")
    CONTRACT = "crm.contract", _("A contract")


class ManualStart(models.Model):
    """Who may start a process by hand and from where: the "Start a request" menu and the start
    buttons on records list a process only through its manual start."""

    process_key = models.CharField(_("process key"), max_length=200, unique=True)
    groups = models.ManyToManyField(
        "auth.Group",
        verbose_name=_("who may start it"),
        blank=True,
        related_name="+",
        help_text=_("Members of these groups may start it; nobody chosen means every employee."),
    )
    record_type = models.CharField(
        _("started from"), max_length=40, choices=RecordType.choices, blank=True, default=RecordType.NONE
    )
    active = models.BooleanField(_("offered"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("manual start")
        verbose_name_plural = _("manual starts")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.process_key
