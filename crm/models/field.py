"""Field service (上门服务): technicians' skills (技能), the photos and the customer's signature of a
job's work record (工单), and product issues (产品问题) passed from a complaint or a job to product
development (产品研发).

The dispatch (派工) and the work itself are steps of the service_dispatch process; a product issue
is moved by the product_issue process (bpmn/). These rows are what they need besides the service
request.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS, VisibleQuerySet

from .base import ConfigQuerySet, TimeStamped


class TechnicianProfile(models.Model):
    """What the dispatcher reads beside a technician's name: skills and the area they cover."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.CASCADE,
        related_name="technician_profile",
    )
    skills = models.CharField(
        _("skills"), max_length=300, blank=True, help_text=_("comma-separated, e.g. pumps, electrics")
    )
    area = models.CharField(_("area"), max_length=100, blank=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["user__display_name"]
        verbose_name = _("technician profile")
        verbose_name_plural = _("technician profiles")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.user.get_full_name() or str(self.user)

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").split(",") if s.strip()]


class ProductIssueQuerySet(VisibleQuerySet):
    """Issues belong to their reporter: product development (row scope "all") sees every one, a
    service manager his team's, a technician his own; a task on one also admits (view only)."""

    owner_field = "reported_by"

    def involvement_filter(self, user) -> Q | None:
        from ..access import involved

        return involved(user, self.model)


class ProductIssue(TimeStamped):
    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        FIXED = "fixed", _("Fixed")

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    product = models.ForeignKey(
        "crm.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="issues"
    )
    complaint = models.ForeignKey(
        "crm.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="product_issues",
    )
    service_request = models.ForeignKey(
        "crm.ServiceRequest",
        verbose_name=_("service request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="product_issues",
    )
    summary = models.CharField(_("what is wrong"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REPORTED)
    decision_reason = models.TextField(_("triage note"), blank=True)
    fix = models.TextField(_("fix"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {field: "product_issue" for field in ("status", "decision_reason", "fix")}

    objects = ProductIssueQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("product issue")
        verbose_name_plural = _("product issues")
        default_permissions = ACTIONS
        indexes = [models.Index(fields=["status", "-id"], name="crm_productissue_status")]

    def __str__(self) -> str:
        return f"{self.code} {self.summary}"


class FieldPhotoQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> FieldPhotoQuerySet:
        from .service import ServiceRequest

        requests = ServiceRequest.objects.visible_to(user, action)
        issues = ProductIssue.objects.visible_to(user, action)
        return self.filter(
            Q(service_request_id__in=requests.values("pk")) | Q(product_issue_id__in=issues.values("pk"))
        )


class FieldPhoto(models.Model):
    """A photo taken on a job or of a product issue, or the customer's signature on a work record;
    seen with its record."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        SIGNATURE = "signature", _("Customer's signature")

    service_request = models.ForeignKey(
        "crm.ServiceRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    product_issue = models.ForeignKey(
        ProductIssue, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(_("file"), upload_to="field/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = FieldPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("field photo")
        verbose_name_plural = _("field photos")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name
