"""Writes for training: courses with their materials and quiz, assignments (with the learner's
notification after commit), a learner's progress and quiz attempts. Each checks the actor,
validates with located errors (nothing written on error) and writes the audit row."""

from __future__ import annotations

import datetime
from pathlib import PurePath

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, NotPermitted, ValidationFailed
from crm.files import check_upload
from integrations.services import notify
from org.models import Employee
from org.permissions import user_can
from org.selectors import members_of

from .models import Assignment, Choice, Course, Material, MaterialProgress, Question, QuizAttempt
from .notifications import COURSE_ASSIGNED

MATERIAL_TYPES = (".pdf", ".docx", ".pptx", ".ppt", ".doc", ".xlsx", ".png", ".jpg", ".jpeg")
VIDEO_TYPES = (".mp4",)
MATERIAL_MAX_BYTES = 200 * 2**20
MAX_CHOICES = 8
MAX_DUE_DAYS = 730


def _require(actor, action: str) -> None:
    if not user_can(actor, Course, action):
        raise NotPermitted(_g("You may not manage courses."))


def _text(value, field: str, errors: dict, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_g("This field is required."))
    elif len(value) > max_length:
        errors.setdefault(field, []).append(_g("At most %(n)d characters.") % {"n": max_length})
    return value


def _int(value, field: str, errors: dict, *, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_g("Enter a whole number."))
        return low
    if not low <= number <= high:
        errors.setdefault(field, []).append(_g("Between %(low)d and %(high)d.") % {"low": low, "high": high})
    return number


# --- courses ------------------------------------------------------------------------------------


@transaction.atomic
def course_save(
    *,
    actor,
    title: str,
    description: str = "",
    status: str = Course.Status.DRAFT,
    pass_mark=60,
    max_attempts=3,
    course: Course | None = None,
) -> Course:
    """Create or change a course; errors keyed title, description, status, pass_mark, max_attempts."""
    _require(actor, "change" if course else "add")
    errors: dict = {}
    title = _text(title, "title", errors, max_length=200)
    description = _text(description, "description", errors, max_length=5000, required=False)
    if status not in Course.Status.values:
        errors.setdefault("status", []).append(_g("Choose draft or published."))
    pass_mark = _int(pass_mark, "pass_mark", errors, low=1, high=100)
    max_attempts = _int(max_attempts, "max_attempts", errors, low=0, high=20)
    if errors:
        raise ValidationFailed(_("The course could not be saved."), fields=errors)
    before = snapshot(course) if course else {}
    course = course or Course(created_by=actor)
    course.title, course.description, course.status = title, description, status
    course.pass_mark, course.max_attempts = pass_mark, max_attempts
    course.save()
    audit_record(
        action="update" if before else "create",
        actor=actor,
        obj=course,
        changes=diff(before, snapshot(course)),
    )
    return course


def _check_video(upload, errors: dict):
    """An MP4 is recognised by its `ftyp` box (crm.files knows office documents and images)."""
    name = PurePath(str(getattr(upload, "name", "") or "video.mp4")).name[:200]
    size = getattr(upload, "size", 0) or 0
    if size > MATERIAL_MAX_BYTES:
        errors.setdefault("file", []).append(
            _g("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": MATERIAL_MAX_BYTES // 2**20}
        )
        return None
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if head[4:8] != b"ftyp":
        errors.setdefault("file", []).append(
            _g("“%(name)s” is not really a %(type)s file.") % {"name": name, "type": "mp4"}
        )
        return None
    return name, size, "video/mp4"


@transaction.atomic
def material_add(
    *, actor, course: Course, kind: str, title: str = "", upload=None, url: str = ""
) -> Material:
    """A file (document, slides, MP4 video) or a link (a video site, an intranet page); errors
    keyed kind, title, file, url."""
    _require(actor, "change")
    errors: dict = {}
    if kind not in Material.Kind.values:
        errors.setdefault("kind", []).append(_g("Choose a kind."))
    url = (url or "").strip()
    found = None
    if upload:
        suffix = PurePath(str(upload.name)).suffix.lower()
        if suffix in VIDEO_TYPES:
            found = _check_video(upload, errors)
        else:
            checked = check_upload(
                upload,
                allowed=MATERIAL_TYPES + VIDEO_TYPES,
                max_bytes=MATERIAL_MAX_BYTES,
                field="file",
                errors=errors,
            )
            found = (checked.name, checked.size, checked.content_type) if checked else None
    elif url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors.setdefault("url", []).append(_g("Enter a web address starting with http:// or https://."))
        if len(url) > 500:
            errors.setdefault("url", []).append(_g("At most %(n)d characters.") % {"n": 500})
    else:
        errors.setdefault("file", []).append(_g("Choose a file or give a web address."))
    default_title = PurePath(found[0]).stem if found else url[:200]
    title = _text(title or default_title, "title", errors, max_length=200)
    if errors:
        raise ValidationFailed(_("The material could not be added."), fields=errors)
    material = Material(course=course, kind=kind, title=title, position=course.materials.count() + 1)
    if found:
        material.file_name, _size, material.content_type = found
        material.file.save(found[0], upload, save=False)
    else:
        material.url = url
    material.save()
    audit_record(action="update", actor=actor, obj=course, extra={"material_added": title})
    return material


@transaction.atomic
def question_add(*, actor, course: Course, text: str, choices: list[tuple[str, bool]]) -> Question:
    """A quiz question with its answers (text, right?); one right answer makes it single choice,
    several multiple choice. Errors keyed text, choices."""
    _require(actor, "change")
    errors: dict = {}
    text = _text(text, "text", errors, max_length=500)
    choices = [((c or "").strip(), bool(right)) for c, right in choices if (c or "").strip()]
    if len(choices) < 2:
        errors.setdefault("choices", []).append(_g("Give at least two answers."))
    if len(choices) > MAX_CHOICES:
        errors.setdefault("choices", []).append(_g("At most %(n)d answers.") % {"n": MAX_CHOICES})
    if any(len(c) > 300 for c, _r in choices):
        errors.setdefault("choices", []).append(_g("An answer has at most 300 characters."))
    right = sum(1 for _c, r in choices if r)
    if choices and not right:
        errors.setdefault("choices", []).append(_g("Tick the right answer (or answers)."))
    if errors:
        raise ValidationFailed(_("The question could not be added."), fields=errors)
    question = Question.objects.create(
        course=course, text=text, multiple=right > 1, position=course.questions.count() + 1
    )
    Choice.objects.bulk_create(
        Choice(question=question, text=c, correct=r, position=i) for i, (c, r) in enumerate(choices, start=1)
    )
    audit_record(action="update", actor=actor, obj=course, extra={"question_added": text})
    return question


@transaction.atomic
def question_remove(*, actor, question: Question) -> None:
    _require(actor, "change")
    audit_record(action="update", actor=actor, obj=question.course, extra={"question_removed": question.text})
    question.delete()


# --- assignments --------------------------------------------------------------------------------


@transaction.atomic
def course_assign(
    *, actor, course: Course, due_on: datetime.date | None, users=(), groups: list[Group] | tuple = ()
) -> list[Assignment]:
    """Assign a published course to people and to the members of groups (nested groups included)
    by a date; people who have it already keep their assignment. Each new learner is notified
    after commit. Errors keyed people, due_on."""
    _require(actor, "change")
    errors: dict = {}
    today = timezone.localdate()
    if course.status != Course.Status.PUBLISHED:
        errors.setdefault("__all__", []).append(_g("Publish the course before assigning it."))
    if due_on is None:
        errors.setdefault("due_on", []).append(_g("Give a due date."))
    elif due_on < today:
        errors.setdefault("due_on", []).append(_g("The due date has passed."))
    elif due_on > today + datetime.timedelta(days=MAX_DUE_DAYS):
        errors.setdefault("due_on", []).append(_g("At most two years ahead."))
    learners = {u.pk: u for u in users if u is not None and u.is_active}
    for group in groups:
        learners.update({u.pk: u for u in members_of(group)})
    if not learners:
        errors.setdefault("people", []).append(_g("Choose people or groups."))
    if errors:
        raise ValidationFailed(_("The course could not be assigned."), fields=errors)
    existing = set(
        Assignment.objects.filter(course=course, learner_id__in=list(learners)).values_list(
            "learner_id", flat=True
        )
    )
    departments = dict(
        Employee.objects.filter(user_id__in=list(learners)).values_list("user_id", "department_id")
    )
    created = [
        Assignment.objects.create(
            course=course, learner=user, assigned_by=actor, due_on=due_on, department_id=departments.get(pk)
        )
        for pk, user in learners.items()
        if pk not in existing
    ]
    audit_record(
        action="update",
        actor=actor,
        obj=course,
        extra={"assigned": [a.learner_id for a in created], "due_on": due_on.isoformat()},
    )
    if created:
        due_text = formats.date_format(due_on, "SHORT_DATE_FORMAT")
        by = getattr(actor, "display_name", "") or actor.get_username()
        for assignment in created:
            url = reverse("training:learn", args=[assignment.pk])
            transaction.on_commit(
                lambda a=assignment, url=url: notify(
                    recipients=[a.learner],
                    template=COURSE_ASSIGNED,
                    context={"course": course.title, "due": due_text, "assigned_by": by},
                    url=url,
                )
            )
    return created


def _own(actor, assignment: Assignment) -> None:
    if assignment.learner_id != getattr(actor, "pk", None):
        raise NotPermitted(_g("This is somebody else's course."))


def _maybe_complete(assignment: Assignment) -> None:
    if assignment.completed_at is not None:
        return
    materials = set(assignment.course.materials.values_list("pk", flat=True))
    done = set(assignment.progress.values_list("material_id", flat=True))
    has_quiz = assignment.course.questions.exists()
    if materials <= done and (assignment.passed or not has_quiz):
        assignment.completed_at = timezone.now()
        assignment.save(update_fields=["completed_at"])
        audit_record(
            action="update", actor=assignment.learner, obj=assignment, changes={"completed": [False, True]}
        )


@transaction.atomic
def material_done(*, actor, assignment: Assignment, material: Material) -> None:
    """The learner went through a material."""
    _own(actor, assignment)
    if material.course_id != assignment.course_id:
        raise ValidationFailed(_g("This material belongs to another course."))
    MaterialProgress.objects.get_or_create(assignment=assignment, material=material)
    _maybe_complete(assignment)


def attempts_left(assignment: Assignment) -> int | None:
    """None: unlimited."""
    allowed = assignment.course.max_attempts
    return None if not allowed else max(0, allowed - assignment.attempts)


@transaction.atomic
def quiz_submit(*, actor, assignment: Assignment, answers: dict[int, list[int]]) -> QuizAttempt:
    """Score the learner's answers ({question id: [choice ids]}): a question counts when exactly
    its right answers are ticked; the score is the share of such questions. Every question must be
    answered (errors keyed `q<id>`); once passed, or out of attempts, no more attempts."""
    _own(actor, assignment)
    assignment = Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
    if assignment.passed:
        raise Conflict(_g("You have passed this quiz already."))
    if attempts_left(assignment) == 0:
        raise Conflict(_g("No attempts left; ask the course manager."))
    questions = list(assignment.course.questions.prefetch_related("choices"))
    if not questions:
        raise ValidationFailed(_g("This course has no quiz."))
    errors: dict = {}
    right = 0
    kept: dict[str, list[int]] = {}
    for question in questions:
        choice_ids = {c.pk for c in question.choices.all()}
        given = {int(c) for c in answers.get(question.pk, []) if str(c).isdigit()} & choice_ids
        if not given:
            errors.setdefault(f"q{question.pk}", []).append(_g("Answer this question."))
            continue
        if not question.multiple and len(given) > 1:
            errors.setdefault(f"q{question.pk}", []).append(_g("Choose one answer."))
            continue
        kept[str(question.pk)] = sorted(given)
        if given == {c.pk for c in question.choices.all() if c.correct}:
            right += 1
    if errors:
        raise ValidationFailed(_("Some questions are not answered."), fields=errors)
    score = round(100 * right / len(questions))
    passed = score >= assignment.course.pass_mark
    assignment.attempts += 1
    attempt = QuizAttempt.objects.create(
        assignment=assignment, number=assignment.attempts, score=score, passed=passed, answers=kept
    )
    assignment.best_score = max(score, assignment.best_score or 0)
    assignment.passed = passed
    assignment.save(update_fields=["attempts", "best_score", "passed"])
    audit_record(action="update", actor=actor, obj=assignment, extra={"quiz_score": score, "passed": passed})
    _maybe_complete(assignment)
    return attempt
