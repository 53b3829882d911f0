"""Selling: activities (联系记录), leads (线索), opportunities (销售机会), competitors/partners, campaigns."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.permissions import ACTIONS

from .base import (
    ChoiceList,
    ChoiceOption,
    ConfigQuerySet,
    OwnedOrCustomerQuerySet,
    OwnedQuerySet,
    TimeStamped,
    child_queryset,
)
from .sales_processes import SalesProcess, SalesStage, default_stage_key


class Activity(TimeStamped):
    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DONE = "done", _("Done")
        PLANNED = "planned", _("Planned")

    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="activities"
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    opportunity = models.ForeignKey(
        "crm.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CALL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DONE)
    subject = models.CharField(_("subject"), max_length=200)
    occurred_at = models.DateTimeField(_("when"))
    outcome = models.TextField(_("outcome"), blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=0)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = OwnedOrCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="crm_activity_customer"),
            models.Index(fields=["owner", "next_follow_up"], name="crm_activity_follow"),
            models.Index(fields=["owner", "status", "occurred_at"], name="crm_activity_planned"),
        ]

    def __str__(self) -> str:
        return self.subject


class Lead(TimeStamped):
    class Quality(models.TextChoices):
        HOT = "hot", _("Hot")
        WARM = "warm", _("Warm")
        COLD = "cold", _("Cold")

    class Priority(models.IntegerChoices):
        HIGH = 1, _("High")
        NORMAL = 2, _("Normal")
        LOW = 3, _("Low")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    company_name = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    source = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.SOURCE},
    )
    region = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.REGION},
    )
    industry = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.INDUSTRY},
    )
    quality = models.CharField(_("quality"), max_length=10, choices=Quality.choices, default=Quality.WARM)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.NEW)
    description = models.TextField(_("description"), blank=True)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "crm.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    converted_customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    converted_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_opportunity = models.ForeignKey(
        "crm.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        default_permissions = ACTIONS
        indexes = [models.Index(fields=["owner", "status"], name="crm_lead_owner_status")]

    def __str__(self) -> str:
        return self.company_name


class LeadAssignmentRule(models.Model):
    """Who gets a new lead without an owner (线索分配): the first active rule (by order) whose region
    and industry match (blank matches any) hands the lead to the next member of its team in turn
    (round robin)."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey("auth.Group", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.REGION},
    )
    industry = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.INDUSTRY},
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("lead assignment rule")
        verbose_name_plural = _("lead assignment rules")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class Competitor(models.Model):
    """A competitor (竞争对手) or a partner (合作伙伴)."""

    class Kind(models.TextChoices):
        COMPETITOR = "competitor", _("Competitor")
        PARTNER = "partner", _("Partner")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPETITOR)
    name = models.CharField(_("name"), max_length=200, unique=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    products = models.TextField(
        _("competing products"),
        blank=True,
        help_text=_("Their products that compete with ours, or what a partner offers."),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("competitor or partner")
        verbose_name_plural = _("competitors and partners")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class Opportunity(TimeStamped):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    class Importance(models.IntegerChoices):
        KEY = 1, _("Key deal")
        NORMAL = 2, _("Normal")
        LOW = 3, _("Low")

    class CloseReason(models.TextChoices):
        """Why a deal was won or lost (赢单/丢单原因), for the reasons report."""

        PRICE = "price", _("Price")
        PRODUCT = "product", _("Product fit")
        RELATIONSHIP = "relationship", _("Relationship")
        COMPETITOR = "competitor", _("Competitor")
        BUDGET = "budget", _("Budget")
        TIMING = "timing", _("Timing")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        "crm.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="opportunities"
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(_("probability %"), default=10)
    # the stage of its sales process (SalesStage.key is the column's value: "potential", ...)
    stage = models.ForeignKey(
        SalesStage,
        verbose_name=_("stage"),
        to_field="key",
        db_column="stage",
        on_delete=models.PROTECT,
        default=default_stage_key,
        related_name="opportunities",
    )
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    source = models.ForeignKey(
        ChoiceOption,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"choice_list": ChoiceList.SOURCE},
    )
    importance = models.PositiveSmallIntegerField(
        _("importance"), choices=Importance.choices, default=Importance.NORMAL
    )
    close_reason = models.CharField(
        _("reason category"), max_length=15, choices=CloseReason.choices, blank=True
    )
    win_loss_reason = models.TextField(_("win/loss reason"), blank=True)
    competitors = models.ManyToManyField(Competitor, verbose_name=_("competitors"), blank=True)
    campaign = models.ForeignKey(
        "crm.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)

    # Changed only by the named process while it runs on the record (engine.ownership).
    PROCESS_OWNED_FIELDS = {"stage": "opportunity_stages"}

    objects = OwnedOrCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        default_permissions = ACTIONS
        indexes = [
            models.Index(fields=["owner", "status", "stage"], name="crm_opp_owner"),
            models.Index(fields=["customer", "status"], name="crm_opp_customer"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def process(self) -> SalesProcess:
        return self.stage.process

    def get_stage_display(self) -> str:
        return self.stage.label if self.stage_id else ""

    def save(self, *args, **kwargs):
        """Saves the opportunity and, in the same transaction, its stage spells: reaching a stage
        opens one, moving on or being won or lost closes it."""
        update_fields = kwargs.get("update_fields")
        adding = self._state.adding
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)
            if adding or update_fields is None or {"stage", "status"} & set(update_fields):
                self._follow_stage(adding)

    def _follow_stage(self, adding: bool) -> None:
        now = timezone.now()
        still_open = self.status == self.Status.OPEN
        if not adding:
            spells = OpportunityStageSpell.objects.filter(opportunity=self, left_at__isnull=True)
            current = spells.values_list("stage", flat=True).first()
            if still_open and current == self.stage_id:
                return
            if current is not None:
                spells.update(left_at=now if still_open else (self.closed_at or now))
        if still_open:
            entered = (self.created_at or now) if adding else now
            OpportunityStageSpell.objects.create(opportunity=self, stage=self.stage_id, entered_at=entered)


class OpportunityStageSpell(models.Model):
    """A stretch of time an opportunity spent at one stage (阶段停留): opened when it reaches the
    stage, closed when it moves on or is won or lost (kept by Opportunity.save). Recorded from the
    release that added it on; opportunities older than that have spells from their next change."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_spells")
    # the stage's key (SalesStage.key); history, so it outlives a stage deleted later
    stage = models.CharField(_("stage"), max_length=40)
    entered_at = models.DateTimeField(_("reached"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    objects = child_queryset("opportunity").as_manager()

    class Meta:
        ordering = ["opportunity", "entered_at", "id"]
        verbose_name = _("stage spell")
        verbose_name_plural = _("stage spells")
        default_permissions = ()
        indexes = [models.Index(fields=["opportunity", "left_at"], name="crm_stage_spell_open")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.stage}"


class CampaignQuerySet(OwnedQuerySet):
    """The owner's campaigns (widened by the row scope), and, to view, those with a task for the
    user: the assignee opens the campaign their task belongs to (and may book expenses on it)."""

    def shared_filter(self, user, action: str):
        if action != "view":
            return None
        return models.Q(pk__in=CampaignTask.objects.filter(assignee_id=user.pk).values("campaign_id"))


class Campaign(TimeStamped):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        EVENT = "event", _("Event or trade fair")
        ONLINE = "online", _("Online advertising")
        PHONE = "phone", _("Telephone")
        PRINT = "print", _("Print and mail")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=60, blank=True, help_text=_("e.g. trade fair, seminar"))
    goal = models.TextField(_("goal"), blank=True, help_text=_("What the campaign should achieve."))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, default=0)
    expected_revenue = models.DecimalField(_("expected revenue"), max_digits=16, decimal_places=2, default=0)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        default_permissions = ACTIONS

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    status = models.CharField(_("status"), max_length=40, blank=True, help_text=_("e.g. invited, attended"))

    objects = child_queryset("campaign").as_manager()

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.customer_id or self.contact_id}"


class CampaignTask(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = child_queryset("campaign").as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("campaign task")
        verbose_name_plural = _("campaign tasks")
        default_permissions = ()

    def __str__(self) -> str:
        return self.title


class CampaignCost(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="costs")
    item = models.CharField(_("item"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    spent_on = models.DateField(_("date"), null=True, blank=True)

    objects = child_queryset("campaign").as_manager()

    class Meta:
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.item}: {self.amount}"


class Cooperation(TimeStamped):
    """What the company did with a partner (合作记录): a joint project, a referral, a reseller deal."""

    partner = models.ForeignKey(
        Competitor, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="cooperations"
    )
    happened_on = models.DateField(_("date"))
    subject = models.CharField(_("what"), max_length=300)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, default=0)

    objects = child_queryset("partner").as_manager()

    class Meta:
        ordering = ["-happened_on", "-id"]
        verbose_name = _("cooperation record")
        verbose_name_plural = _("cooperation records")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.happened_on} {self.subject}"
