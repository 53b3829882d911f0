"""Sales processes (销售流程) and their stages (销售阶段) as data: a company keeps several processes,
each with its own ordered stage list; an opportunity's stage is one of them, and the
opportunity-stage BPMN reads the current stage's row (its form fields and approval rule)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import ChoiceList, ConfigQuerySet

# The six stages every installation starts with (the default process). Their keys are the values
# the opportunity stage had before stages became data, so old records, reports and API clients
# keep them; their names are our messages, translated where shown (names a company types are
# shown as typed).
DEFAULT_STAGES = [
    ("potential", gettext_noop("Potential"), 10),
    ("lead", gettext_noop("Lead"), 20),
    ("confirmed", gettext_noop("Opportunity confirmed"), 50),
    ("contract", gettext_noop("Contract"), 80),
    ("receivables", gettext_noop("Receivables"), 95),
    ("repeat", gettext_noop("Repeat sale"), 30),
]
DEFAULT_PROCESS_NAME = gettext_noop("Standard sales")


def new_stage_key() -> str:
    return "s" + secrets.token_hex(6)


class SalesProcess(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    customer_types = models.ManyToManyField(
        "crm.ChoiceOption",
        verbose_name=_("customer types"),
        blank=True,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.TYPE},
        help_text=_("New opportunities of customers of these types follow this process."),
    )
    departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("departments"),
        blank=True,
        related_name="+",
        help_text=_("New opportunities owned by people of these departments follow this process."),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "sort_order", "name"]
        verbose_name = _("sales process")
        verbose_name_plural = _("sales processes")
        default_permissions = ACTIONS
        permissions = [("manage_sales", _("Can administer sales processes, levels, pools and targets"))]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.name) if self.name else ""


class SalesStage(models.Model):
    class Approval(models.TextChoices):
        NONE = "none", _("No approval")
        ALWAYS = "always", _("Always, by the owner's manager")
        AMOUNT_ABOVE = "amount", _("When the amount is above")
        DISCOUNT_ABOVE = "discount", _("When the discount % is above")

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won (ends the deal)")
        LOST = "lost", _("Lost (ends the deal)")

    process = models.ForeignKey(
        SalesProcess, verbose_name=_("sales process"), on_delete=models.CASCADE, related_name="stages"
    )
    key = models.CharField(max_length=40, unique=True, default=new_stage_key, editable=False)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("win probability %"), default=10)
    required_fields = models.JSONField(
        _("required before leaving"),
        default=list,
        blank=True,
        help_text=_("Fields of the opportunity the owner fills in before it moves on."),
    )
    approval = models.CharField(
        _("approval to leave"), max_length=10, choices=Approval.choices, default=Approval.NONE
    )
    approval_threshold = models.DecimalField(
        _("approval threshold"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.OPEN)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["process", "position", "id"]
        verbose_name = _("sales stage")
        verbose_name_plural = _("sales stages")
        default_permissions = ACTIONS
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="crm_stage_probability")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return gettext(self.name) if self.name else ""

    @property
    def is_open(self) -> bool:
        return self.kind == self.Kind.OPEN


# (key, probability, required before leaving, approval, threshold) beyond DEFAULT_STAGES: what the
# shipped process did before stages were data (a contract's discount above 10 % went to the manager).
STANDARD_RULES = {"contract": (["amount"], "discount", 10)}


def ensure_standard_process() -> None:
    """The standard process with the six stages, when there is no sales process at all (the data
    migration makes it; a flushed database — e.g. after a transactional test — has none)."""
    if SalesProcess.objects.exists():
        return
    process = SalesProcess.objects.create(name=DEFAULT_PROCESS_NAME, is_default=True)
    for position, (key, name, probability) in enumerate(DEFAULT_STAGES):
        required, approval, threshold = STANDARD_RULES.get(key, ([], "none", None))
        SalesStage.objects.update_or_create(
            key=key,
            defaults={
                "process": process,
                "name": name,
                "position": position,
                "probability": probability,
                "required_fields": required,
                "approval": approval,
                "approval_threshold": threshold,
            },
        )


def default_stage_key() -> str | None:
    """The first open stage of the default process (a new opportunity's stage when none is given)."""
    ensure_standard_process()
    return (
        SalesStage.objects.filter(process__is_default=True, kind=SalesStage.Kind.OPEN)
        .order_by("position", "pk")
        .values_list("key", flat=True)
        .first()
    )
