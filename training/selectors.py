"""Reads for training: a learner's courses, one assignment with its progress, course lists for
managers, and the report per department (assigned, completed, overdue, average score)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _g

from core.errors import NotFound
from org.models import Department
from org.permissions import user_can

from .models import Assignment, Course, Material


@dataclass(frozen=True)
class MyCourse:
    assignment: Assignment
    overdue: bool
    progress: int  # percent of materials done


def my_courses(user) -> list[MyCourse]:
    """The user's assignments: open ones first (soonest due), then the completed."""
    today = timezone.localdate()
    rows = (
        Assignment.objects.filter(learner=user)
        .select_related("course")
        .annotate(
            n_materials=Count("course__materials", distinct=True),
            n_done=Count("progress", distinct=True),
        )
        .order_by("due_on", "pk")
    )
    out = []
    for a in rows:
        percent = 100 if a.completed_at else (round(100 * a.n_done / a.n_materials) if a.n_materials else 0)
        out.append(MyCourse(a, a.completed_at is None and a.due_on < today, percent))
    out.sort(key=lambda m: (m.assignment.completed_at is not None, m.assignment.due_on))
    return out


def own_assignment(user, pk: int) -> Assignment:
    assignment = Assignment.objects.select_related("course").filter(pk=pk, learner=user).first()
    if assignment is None:
        raise NotFound(_g("Not found, or not yours to see."))
    return assignment


@dataclass(frozen=True)
class MaterialRow:
    material: Material
    done: bool


def assignment_materials(assignment: Assignment) -> list[MaterialRow]:
    done = set(assignment.progress.values_list("material_id", flat=True))
    return [MaterialRow(m, m.pk in done) for m in assignment.course.materials.all()]


def course_for(user, pk: int, action: str = "view") -> Course:
    course = Course.objects.visible_to(user, action).filter(pk=pk).first()
    if course is None:
        raise NotFound(_g("Not found, or not yours to see."))
    return course


def may_report(user) -> bool:
    return user_can(user, Course, "change") or (
        user is not None and user.is_authenticated and user.has_perm("training.report_course")
    )


@dataclass(frozen=True)
class DepartmentRow:
    department: str
    assigned: int
    completed: int
    overdue: int
    average_score: float | None

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.assigned) if self.assigned else 0


def department_report(user, *, course: Course | None = None) -> list[DepartmentRow]:
    """Per department of the learners (when assigned), for the assignments the user may see: how
    many were assigned, completed, overdue (open past the due date), and the average best quiz
    score of those who took the quiz. One grouped query."""
    today = timezone.localdate()
    qs = Assignment.objects.visible_to(user)
    if course is not None:
        qs = qs.filter(course=course)
    grouped = (
        qs.values("department_id")
        .annotate(
            assigned=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            overdue=Count("pk", filter=Q(completed_at__isnull=True, due_on__lt=today)),
            average=Avg("best_score"),
        )
        .order_by()
    )
    names = dict(Department.objects.values_list("pk", "name"))
    rows = [
        DepartmentRow(
            department=names.get(g["department_id"], "—"),
            assigned=g["assigned"],
            completed=g["completed"],
            overdue=g["overdue"],
            average_score=round(g["average"], 1) if g["average"] is not None else None,
        )
        for g in grouped
    ]
    rows.sort(key=lambda r: r.department)
    return rows


def assignment_rows(user, *, course: Course | None = None, limit: int = 500):
    """Each assignment with its learner, for the report's detail table and the export."""
    qs = Assignment.objects.visible_to(user).select_related("course", "learner", "department")
    if course is not None:
        qs = qs.filter(course=course)
    return list(qs.order_by("department__name", "learner__display_name", "course__title")[:limit])
