"""Cross-department projects (项目协作): members with roles, milestones (里程碑), tasks with
dependencies (前置任务), shared documents and a discussion.

Glossary: 项目 = project, 负责人 = owner, 成员 = member, 里程碑 = milestone, 任务 = project task,
前置任务 = predecessor, 看板 = board, 甘特图 = timeline.

Who sees what: the owner and the members see a project; the owner and members with the manager
role manage it; holders of `projects.manage_projects` (project admins) see and manage every one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

ADMIN_PERMISSION = "projects.manage_projects"


def is_project_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(ADMIN_PERMISSION))


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view") -> ProjectQuerySet:
        """`view`: owner, members, project admins; `change`: owner, managers, project admins;
        `work` (add and move tasks, post, upload): owner, managers and members (not observers)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_project_admin(user):
            return self
        roles = {
            "view": None,
            "work": (ProjectMember.Role.MANAGER, ProjectMember.Role.MEMBER),
            "change": (ProjectMember.Role.MANAGER,),
        }[action]
        membership = ProjectMember.objects.filter(project=OuterRef("pk"), user=user)
        if roles is not None:
            membership = membership.filter(role__in=roles)
        return self.filter(Q(owner=user) | Exists(membership))


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("In progress")
        ON_HOLD = "on_hold", _("On hold")
        DONE = "done", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "crm.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        permissions = [("manage_projects", _("See and manage every project"))]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="projects_dates")
        ]

    def __str__(self) -> str:
        return self.name


class ProjectMember(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        MEMBER = "member", _("Member")
        OBSERVER = "observer", _("Observer")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["project", "role", "pk"]
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="projects_member_once")]

    def __str__(self) -> str:
        return f"{self.project}: {self.user}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=200)
    due_on = models.DateField(_("date"))
    reached = models.BooleanField(_("reached"), default=False)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.name


class ProjectTask(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")

    # The inbox's priority scale (tasklist.selectors: high >= 70, low <= 30).
    class Priority(models.IntegerChoices):
        LOW = 30, _("Low")
        NORMAL = 50, _("Normal")
        HIGH = 70, _("High")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_tasks",
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.TODO)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    predecessors = models.ManyToManyField(
        "self", verbose_name=_("waits for"), symmetrical=False, blank=True, related_name="successors"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "due_on", "pk"]
        verbose_name = _("project task")
        verbose_name_plural = _("project tasks")
        indexes = [models.Index(fields=["assignee", "status", "due_on"], name="projects_task_inbox")]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(due_on__isnull=True)
                | Q(due_on__gte=models.F("starts_on")),
                name="projects_task_dates",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.DONE


class ProjectComment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("project comment")
        verbose_name_plural = _("project comments")

    def __str__(self) -> str:
        return self.text[:50]


class ProjectDocument(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to="projects/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")

    def __str__(self) -> str:
        return self.name
