"""Human resources: the employee file and the personnel changes HR runs as processes.

Glossary: 人事异动 = personnel change, 入职 = onboarding, 转正 = probation confirmation,
调岗 = transfer, 调薪 = salary adjustment, 离职/辞退/退休 = departure (resignation/dismissal/
retirement), 员工档案 = employee file, 试用期 = probation, 交接人 = successor.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.models import Department, Employee, Position
from org.permissions import ACTIONS

# Who sees salaries (the file's salary history, a salary adjustment's amounts): this permission,
# or an approver of that very adjustment.
VIEW_SALARY = "hr.view_salary"
# HR's own reading right over every file and personnel change (a manager sees their tree).
VIEW_FILES = "hr.view_employmentprofile"


class EmploymentType(models.TextChoices):
    PROBATION = "probation", _("On probation")
    REGULAR = "regular", _("Regular")
    INTERN = "intern", _("Intern")


class ContractType(models.TextChoices):
    OPEN_ENDED = "open_ended", _("Open-ended contract")
    FIXED_TERM = "fixed_term", _("Fixed-term contract")
    INTERNSHIP = "internship", _("Internship agreement")
    RETIREE = "retiree", _("Re-employed retiree agreement")


class EmploymentStatus(models.TextChoices):
    PROBATION = "probation", _("On probation")
    ACTIVE = "active", _("Employed")
    LEAVING = "leaving", _("Leaving")
    LEFT = "left", _("Left")


class DepartureReason(models.TextChoices):
    RESIGNATION = "resignation", _("Resignation")
    DISMISSAL = "dismissal", _("Dismissal")
    RETIREMENT = "retirement", _("Retirement")
    CONTRACT_END = "contract_end", _("Contract not renewed")


class EmploymentProfile(models.Model):
    """What HR keeps about a person beyond the org chart: personal data, contract, status."""

    employee = models.OneToOneField(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="hr_profile"
    )
    employment_type = models.CharField(
        _("employment type"), max_length=12, choices=EmploymentType.choices, default=EmploymentType.REGULAR
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EmploymentStatus.choices, default=EmploymentStatus.ACTIVE
    )
    contract_type = models.CharField(
        _("contract type"), max_length=12, choices=ContractType.choices, default=ContractType.OPEN_ENDED
    )
    contract_starts_on = models.DateField(_("contract start"), null=True, blank=True)
    contract_ends_on = models.DateField(_("contract end"), null=True, blank=True)
    probation_ends_on = models.DateField(_("probation end"), null=True, blank=True)
    id_number = models.CharField(_("ID card number"), max_length=32, blank=True)
    gender = models.CharField(
        _("gender"), max_length=8, blank=True, choices=[("f", _("Female")), ("m", _("Male"))]
    )
    education = models.CharField(_("education"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=200, blank=True)
    left_on = models.DateField(_("last working day"), null=True, blank=True)
    departure_reason = models.CharField(
        _("reason for leaving"), max_length=16, blank=True, choices=DepartureReason.choices
    )

    class Meta:
        verbose_name = _("employee file")
        verbose_name_plural = _("employee files")
        permissions = [(VIEW_SALARY.split(".")[1], _("Can see salaries"))]

    def __str__(self) -> str:
        return str(self.employee)


class PersonnelChangeQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """HR sees every change; others the changes they asked for, of people below them in the
        org chart, or that they hold, held or are offered a task on (the approvers)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser or user.has_perm(f"hr.{action}_personnelchange"):
            return self
        if action != "view":
            return self.none()
        from .selectors import employee_ids_below, involved_change_ids

        return self.filter(
            Q(requested_by=user)
            | Q(employee_id__in=employee_ids_below(user))
            | Q(pk__in=involved_change_ids(user))
        )


class PersonnelChange(models.Model):
    """One personnel change (人事异动), the business object its process runs on. What it changes
    is kept here (not in process data), so a salary's amounts never travel with the process."""

    class Kind(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding")
        PROBATION = "probation", _("Probation confirmation")
        TRANSFER = "transfer", _("Transfer of post")
        SALARY = "salary", _("Salary adjustment")
        DEPARTURE = "departure", _("Departure")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved, takes effect on its date")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personnel_changes",
    )
    # onboarding: the person's name before their record exists
    person_name = models.CharField(_("name"), max_length=100, blank=True)
    username = models.CharField(_("user name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    employment_type = models.CharField(
        _("employment type"), max_length=12, choices=EmploymentType.choices, blank=True
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # onboarding: the teams and roles the new account joins (what they may see and do)
    groups = models.ManyToManyField(
        "auth.Group", verbose_name=_("groups and roles"), blank=True, related_name="+"
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager = models.ForeignKey(
        Employee, verbose_name=_("manager"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_on = models.DateField(_("effective date"))
    probation_ends_on = models.DateField(_("probation end"), null=True, blank=True)
    salary_before = models.DecimalField(
        _("salary before"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    salary_after = models.DecimalField(
        _("monthly salary"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    departure_reason = models.CharField(
        _("reason for leaving"), max_length=16, blank=True, choices=DepartureReason.choices
    )
    successor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    # what applying the change did, in words (the hand-over summary of a departure)
    outcome = models.TextField(_("outcome"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = PersonnelChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("personnel change")
        verbose_name_plural = _("personnel changes")
        indexes = [models.Index(fields=["kind", "status", "effective_on"], name="hr_change_kind_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject_name}"

    @property
    def subject_name(self) -> str:
        return str(self.employee) if self.employee_id else self.person_name


class PositionRecord(models.Model):
    """The position history: where a person worked from which day (onboarding, transfers)."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="position_records"
    )
    starts_on = models.DateField(_("from"))
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager = models.ForeignKey(
        Employee,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    change = models.ForeignKey(
        PersonnelChange, verbose_name=_("personnel change"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("position record")
        verbose_name_plural = _("position history")
        # "export": the HR report's Excel download (reports.catalogue)
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return f"{self.employee} · {self.starts_on} · {self.department}"


class SalaryRecord(models.Model):
    """The salary history (confidential: VIEW_SALARY)."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="salary_records"
    )
    effective_on = models.DateField(_("effective date"))
    monthly_salary = models.DecimalField(_("monthly salary"), max_digits=12, decimal_places=2)
    change = models.ForeignKey(
        PersonnelChange, verbose_name=_("personnel change"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_on", "-pk"]
        verbose_name = _("salary record")
        verbose_name_plural = _("salary history")

    def __str__(self) -> str:
        return f"{self.employee} · {self.effective_on}"


class EmployeeDocument(models.Model):
    """A document in the file: the signed contract, ID copy, certificates."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="hr_documents"
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="hr/documents/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("employee document")
        verbose_name_plural = _("employee documents")

    def __str__(self) -> str:
        return self.title
