"""Training: courses made of materials (documents, slides, videos, links) and an optional short
quiz, assigned to people (directly or through a group) with a due date; each assignment records
what the learner opened, their quiz attempts and when they completed the course.

Glossary: 培训 = training; 课程 = course; 课件 = material; 测验 = quiz; 及格分 = pass mark;
指派 = assignment; 截止日期 = due date; 完成 = completed; 逾期 = overdue.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.permissions import VisibleQuerySet


class CourseQuerySet(VisibleQuerySet):
    """Published courses for everyone holding the view permission; drafts for course managers
    (the change permission)."""

    def row_filter(self, user, action: str) -> Q | None:
        from org.permissions import user_can

        if action != "view" or user_can(user, self.model, "change"):
            return None
        return Q(status=Course.Status.PUBLISHED)


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, help_text=_("0: unlimited")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        permissions = [("report_course", "View training reports")]

    def __str__(self) -> str:
        return self.title


class Material(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        SLIDES = "slides", _("Slides")
        VIDEO = "video", _("Video")
        LINK = "link", _("Link")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DOCUMENT)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="training/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    multiple = models.BooleanField(_("several answers are right"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=300)
    correct = models.BooleanField(_("right"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class AssignmentQuerySet(VisibleQuerySet):
    """One's own assignments; course managers and report readers see everyone's in their scope."""

    owner_field = "learner"


class Assignment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="course_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    due_on = models.DateField(_("due"))
    # the learner's department when assigned: the report's row
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(_("best score (%)"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    passed = models.BooleanField(_("passed"), default=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("course assignment")
        verbose_name_plural = _("course assignments")
        constraints = [
            models.UniqueConstraint(fields=["course", "learner"], name="training_assignment_unique")
        ]
        indexes = [models.Index(fields=["learner", "completed_at"], name="training_assignment_learner")]

    def __str__(self) -> str:
        return f"{self.course} · {self.learner}"


class MaterialProgress(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="progress")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "material"], name="training_progress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.material}"


class QuizAttempt(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    # {question id: [choice ids]} as answered
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "number"], name="training_attempt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assignment} #{self.number}: {self.score}%"
