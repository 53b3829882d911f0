"""What the engine stores: deployed definitions, running instances and their projections.

Glossary: a *definition version* is one deployed set of BPMN/DMN files under a process key; an
*instance* is one run of it; a *human task* is the inbox projection of a READY user/manual task;
*timers* and *message subscriptions* are the waiting events, indexed so beat and correlation find
them without reading any serialized state; *instance events* are the append-only history;
*incidents* are failures parked at an element until someone retries them.

The serialized SpiffWorkflow state lives in `InstanceState`, one row per instance, separate from
`ProcessInstance` so lists of instances never load it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.permissions import VisibleQuerySet


class DefinitionVersion(models.Model):
    key = models.CharField(_("process key"), max_length=200, db_index=True)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=255, blank=True)
    files = models.JSONField(_("files"), default=dict, help_text=_("file name -> file text"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    active = models.BooleanField(_("active"), default=False)
    metadata = models.JSONField(_("metadata"), default=dict)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deployed_at = models.DateTimeField(_("deployed at"), default=timezone.now)

    class Meta:
        verbose_name = _("process definition version")
        verbose_name_plural = _("process definition versions")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="engine_definition_key_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(active=True), name="engine_definition_one_active"
            ),
        ]
        indexes = [models.Index(fields=["key", "content_hash"], name="engine_def_key_hash")]
        ordering = ["key", "-version"]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class ProcessInstanceQuerySet(VisibleQuerySet):
    owner_field = "started_by"

    def involving(self, user):
        """Instances `user` took part in: started, holds or held a task, is offered one, or acted on."""
        offered = HumanTaskCandidate.objects.offered_to(user)
        tasks = HumanTask.objects.filter(
            Q(assignee=user) | Q(completed_by=user) | Q(pk__in=offered.values("task_id"))
        )
        acted = InstanceEvent.objects.filter(actor=user).values("instance_id")
        return self.filter(Q(started_by=user) | Q(pk__in=tasks.values("instance_id")) | Q(pk__in=acted))


class ProcessInstance(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        ERROR = "error", _("Error")

    definition = models.ForeignKey(DefinitionVersion, on_delete=models.PROTECT, related_name="instances")
    key = models.CharField(_("process key"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    business_object_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    business_object_id = models.CharField(max_length=64, blank=True)
    business_object_label = models.CharField(max_length=255, blank=True)
    variables = models.JSONField(_("variables"), default=dict, help_text=_("snapshot of the process data"))
    completed_elements = models.JSONField(default=list)
    step_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # An administrator paused it: its tasks cannot be completed, its timers and messages wait.
    suspended = models.BooleanField(_("suspended"), default=False)

    objects = ProcessInstanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        indexes = [
            models.Index(fields=["key", "status"], name="engine_inst_key_status"),
            models.Index(fields=["business_object_type", "business_object_id"], name="engine_inst_bo"),
            models.Index(fields=["started_by", "status"], name="engine_inst_starter"),
        ]

    def __str__(self) -> str:
        return f"{self.key} #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.RUNNING, self.Status.ERROR)


class InstanceState(models.Model):
    """The serialized live task tree (without the spec). Compacted, so its size stays bounded."""

    instance = models.OneToOneField(
        ProcessInstance, primary_key=True, on_delete=models.CASCADE, related_name="state"
    )
    serializer_version = models.CharField(max_length=16)
    data = models.TextField()
    size = models.PositiveIntegerField(default=0)
    task_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("instance state")
        verbose_name_plural = _("instance states")

    def __str__(self) -> str:
        return f"state of {self.instance_id} ({self.size} bytes)"


class HumanTaskQuerySet(VisibleQuerySet):
    def open(self):
        return self.filter(status=HumanTask.Status.READY)

    def inbox(self, user):
        """Open tasks assigned to `user`, soonest due first."""
        return self.open().filter(assignee=user).order_by(models.F("due_at").asc(nulls_last=True), "pk")

    def queue(self, user):
        """Open unassigned tasks offered to `user` directly or through any of their groups."""
        offered = HumanTaskCandidate.objects.filter(open=True).offered_to(user)
        return (
            self.open()
            .filter(assignee__isnull=True, pk__in=offered.values("task_id"))
            .order_by(models.F("due_at").asc(nulls_last=True), "pk")
        )

    def delegated_by(self, user):
        """Open tasks `user` handed to someone else (and does not hold again)."""
        delegated = InstanceEvent.objects.filter(
            kind=InstanceEvent.Kind.TASK_DELEGATED, actor=user, human_task__isnull=False
        ).values("human_task_id")
        return self.open().filter(pk__in=delegated).exclude(assignee=user)

    def done_by(self, user):
        """Tasks `user` completed."""
        return self.filter(status=HumanTask.Status.COMPLETED, completed_by=user)

    def offered_to(self, user):
        """Tasks (open or not) a candidate row offers to `user` or one of their groups."""
        return self.filter(pk__in=HumanTaskCandidate.objects.offered_to(user).values("task_id"))

    def involving(self, user):
        """Tasks `user` is involved in: assigned, completed, offered, acted on (e.g. delegated), or
        of an instance they started. The rule of the task page, staff UI and API alike; a user's
        permission scope over tasks (`visible_to`) adds the rest."""
        offered = HumanTaskCandidate.objects.offered_to(user).values("task_id")
        acted = InstanceEvent.objects.filter(actor=user, human_task__isnull=False).values("human_task_id")
        return self.filter(
            Q(assignee=user)
            | Q(completed_by=user)
            | Q(instance__started_by=user)
            | Q(pk__in=offered)
            | Q(pk__in=acted)
        )

    def viewable_by(self, user):
        """Tasks `user` may open: involved in, or within their permission scope over tasks."""
        return self.involving(user) | self.visible_to(user, "view")

    def with_offered(self, user):
        """Each task says whether it is offered to `user` (`offered`: a candidate row names them or
        one of their groups)."""
        offered = HumanTaskCandidate.objects.filter(task=models.OuterRef("pk")).offered_to(user)
        return self.annotate(offered=models.Exists(offered))

    def shared_filter(self, user, action: str):
        """Besides their team's tasks (row scope), a user sees every task offered to them."""
        offered = HumanTaskCandidate.objects.offered_to(user)
        return Q(assignee=user) | Q(pk__in=offered.values("task_id"))

    owner_field = "assignee"


class HumanTask(models.Model):
    class Status(models.TextChoices):
        READY = "ready", _("Open")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="human_tasks")
    task_id = models.UUIDField(_("workflow task id"), unique=True)
    definition_key = models.CharField(max_length=200)
    definition_version = models.PositiveIntegerField()
    element_id = models.CharField(_("element id"), max_length=255)
    name = models.CharField(_("name"), max_length=255)
    lane = models.CharField(_("lane"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.READY)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_human_tasks",
    )
    candidate_users = models.JSONField(default=list, help_text=_("user names (display copy)"))
    candidate_groups = models.JSONField(default=list, help_text=_("group names (display copy)"))
    priority = models.IntegerField(_("priority"), default=50)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    follow_up_at = models.DateTimeField(_("follow up at"), null=True, blank=True)
    form_key = models.CharField(max_length=255, blank=True)
    form_schema = models.JSONField(default=dict, blank=True)
    business_object_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    business_object_id = models.CharField(max_length=64, blank=True)
    business_object_label = models.CharField(max_length=255, blank=True)
    search_text = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = HumanTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("human task")
        verbose_name_plural = _("human tasks")
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="engine_task_inbox"),
            models.Index(fields=["instance", "status"], name="engine_task_instance"),
            models.Index(fields=["status", "due_at"], name="engine_task_due"),
            models.Index(fields=["business_object_type", "business_object_id"], name="engine_task_bo"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.instance_id})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.READY


class HumanTaskCandidateQuerySet(models.QuerySet):
    def offered_to(self, user):
        """Candidate rows naming `user` or any group they are in (nested groups included)."""
        from org.selectors import effective_group_ids

        return self.filter(Q(user=user) | Q(group_id__in=effective_group_ids(user)))


class HumanTaskCandidate(models.Model):
    """One potential owner of a task (a user or a group), with `open`/`due_at` copied from the task
    so the group queue is one index range scan on PostgreSQL and SQLite alike."""

    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="candidates")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE)
    open = models.BooleanField(default=True)
    due_at = models.DateTimeField(null=True, blank=True)

    objects = HumanTaskCandidateQuerySet.as_manager()

    class Meta:
        indexes = [
            # The inbox reads a group's (or a user's) queue in due order and needs only the task id
            # from here: covering indexes make that an index-only range scan.
            models.Index(fields=["group", "open", "due_at"], include=["task"], name="engine_cand_group_cov"),
            models.Index(fields=["user", "open", "due_at"], include=["task"], name="engine_cand_user_cov"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(group__isnull=False), name="engine_cand_user_or_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.group} for {self.task_id}"


class Timer(models.Model):
    class Kind(models.TextChoices):
        DATE = "date", _("Date")
        DURATION = "duration", _("Duration")
        CYCLE = "cycle", _("Cycle")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        FIRED = "fired", _("Fired")
        CANCELLED = "cancelled", _("Cancelled")
        # its instance is suspended: beat passes it by (an index range, no join) until the resume
        SUSPENDED = "suspended", _("Suspended")

    instance = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.CASCADE, related_name="timers"
    )
    definition = models.ForeignKey(
        DefinitionVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="start_timers"
    )
    task_id = models.UUIDField(null=True, blank=True)
    element_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    expression = models.CharField(max_length=255, blank=True)
    interrupting = models.BooleanField(default=True)
    due_at = models.DateTimeField()
    cycle = models.JSONField(default=dict, blank=True, help_text=_("remaining cycles of a start timer"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # a timer not fired yet (waiting, or held while its instance is suspended)
    PENDING = (Status.WAITING, Status.SUSPENDED)

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"], name="engine_timer_due"),
            models.Index(fields=["instance", "status"], name="engine_timer_instance"),
        ]

    def __str__(self) -> str:
        return f"{self.element_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class MessageSubscription(models.Model):
    """A waiting message catch (instance set) or a message start event (definition set)."""

    instance = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    definition = models.ForeignKey(
        DefinitionVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="start_messages"
    )
    task_id = models.UUIDField(null=True, blank=True)
    message_name = models.CharField(max_length=255)
    element_id = models.CharField(max_length=255)
    correlation = models.JSONField(default=dict)
    correlation_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["message_name", "correlation_hash"], name="engine_msg_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.message_name} {self.correlation}"


class InstanceEvent(models.Model):
    class Kind(models.TextChoices):
        STARTED = "started", _("Started")
        STEP = "step", _("Elements completed")
        TASK_CREATED = "task_created", _("Task created")
        TASK_CLAIMED = "task_claimed", _("Task claimed")
        TASK_UNCLAIMED = "task_unclaimed", _("Task released")
        TASK_DELEGATED = "task_delegated", _("Task delegated")
        TASK_DUE_CHANGED = "task_due_changed", _("Due date changed")
        TASK_COMPLETED = "task_completed", _("Task completed")
        TASK_CANCELLED = "task_cancelled", _("Task cancelled")
        COMMENT = "comment", _("Comment")
        TIMER_FIRED = "timer_fired", _("Timer fired")
        MESSAGE = "message", _("Message received")
        INCIDENT = "incident", _("Incident")
        INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        MIGRATED = "migrated", _("Moved to another version")
        SUSPENDED = "suspended", _("Suspended")
        RESUMED = "resumed", _("Resumed")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    element_id = models.CharField(max_length=255, blank=True)
    human_task = models.ForeignKey(
        HumanTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("instance event")
        verbose_name_plural = _("instance events")
        indexes = [
            models.Index(fields=["instance", "id"], name="engine_event_instance"),
            # "Delegated by me" and an actor's own history read events by actor and kind.
            models.Index(fields=["actor", "kind", "id"], name="engine_event_actor"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.element_id}"


class Incident(models.Model):
    class Kind(models.TextChoices):
        SCRIPT = "script", _("Script failed")
        CONNECTOR = "connector", _("Service call failed")
        NO_OWNER = "no_owner", _("Nobody to do the task")
        ENGINE = "engine", _("Engine error")
        STUCK = "stuck", _("Stuck: nothing left to wait for")
        LIMIT = "limit", _("Too many processes started in a chain")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    element_id = models.CharField(max_length=255, blank=True)
    element_name = models.CharField(max_length=255, blank=True)
    task_id = models.UUIDField(null=True, blank=True)
    human_task = models.ForeignKey(
        HumanTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    message = models.TextField()
    traceback = models.TextField(blank=True, help_text=_("for administrators"))
    connector = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_retry_at"], name="engine_incident_retry"),
            models.Index(fields=["instance", "status"], name="engine_incident_instance"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.element_id}"
