"""Training for staff: "My courses" and a course's materials and quiz for the learner; courses,
their materials, questions and assignments for course managers; the report per department with
an Excel export."""

from __future__ import annotations

import datetime
import io
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from audit.services import audit_export
from core.errors import Conflict, ValidationFailed
from core.xlsx import safe_row
from org.models import User
from org.permissions import user_can
from org.selectors import group_labels
from training import selectors, services
from training.models import Assignment, Course, Material


def managers(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not user_can(request.user, Course, "change"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- the learner --------------------------------------------------------------------------------


@login_required
@require_GET
def my_courses(request):
    return render(
        request,
        "tasklist/training/my_courses.html",
        {
            "courses": selectors.my_courses(request.user),
            "may_manage": user_can(request.user, Course, "change"),
            "may_report": selectors.may_report(request.user),
        },
    )


def _learn_context(assignment: Assignment) -> dict:
    return {
        "assignment": assignment,
        "course": assignment.course,
        "materials": selectors.assignment_materials(assignment),
        "has_quiz": assignment.course.questions.exists(),
        "attempts_left": services.attempts_left(assignment),
        "attempts": list(assignment.quiz_attempts.all()),
    }


@login_required
@require_GET
def learn(request, pk: int):
    assignment = selectors.own_assignment(request.user, pk)
    return render(request, "tasklist/training/learn.html", _learn_context(assignment))


@login_required
@require_GET
def material_open(request, pk: int, material_id: int):
    """Open (download or follow) a material; opening it counts as going through it."""
    assignment = selectors.own_assignment(request.user, pk)
    material = Material.objects.filter(pk=material_id, course_id=assignment.course_id).first()
    if material is None:
        raise Http404
    services.material_done(actor=request.user, assignment=assignment, material=material)
    if material.url:
        return redirect(material.url)
    return FileResponse(
        material.file.open("rb"),
        as_attachment=material.kind != Material.Kind.VIDEO,
        filename=material.file_name,
        content_type=material.content_type,
    )


@login_required
@require_http_methods(["GET", "POST"])
def quiz(request, pk: int):
    assignment = selectors.own_assignment(request.user, pk)
    questions = list(assignment.course.questions.prefetch_related("choices"))
    if not questions:
        raise Http404
    errors: dict = {}
    given: dict[int, list[str]] = {}
    if request.method == "POST":
        given = {q.pk: request.POST.getlist(f"q{q.pk}") for q in questions}
        try:
            attempt = services.quiz_submit(actor=request.user, assignment=assignment, answers=given)
        except ValidationFailed as error:
            errors = error.fields
        except Conflict as error:
            messages.error(request, error.message)
            return redirect("training:learn", assignment.pk)
        else:
            if attempt.passed:
                messages.success(request, _g("Passed with %(score)d%%.") % {"score": attempt.score})
            else:
                messages.error(
                    request,
                    _g("%(score)d%%: the pass mark is %(mark)d%%.")
                    % {"score": attempt.score, "mark": assignment.course.pass_mark},
                )
            return redirect("training:learn", assignment.pk)
    rows = [(q, errors.get(f"q{q.pk}", []), [str(c) for c in given.get(q.pk, [])]) for q in questions]
    return render(
        request,
        "tasklist/training/quiz.html",
        {"assignment": assignment, "course": assignment.course, "questions": rows, "errors": errors},
        status=400 if errors else 200,
    )


# --- course managers ----------------------------------------------------------------------------


@managers
@require_GET
def course_list(request):
    courses = Course.objects.visible_to(request.user).order_by("-updated_at")
    return render(request, "tasklist/training/course_list.html", {"courses": list(courses[:200])})


def _course_values(post) -> dict:
    return {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "status": post.get("status", Course.Status.DRAFT),
        "pass_mark": post.get("pass_mark", ""),
        "max_attempts": post.get("max_attempts", ""),
    }


@managers
@require_http_methods(["GET", "POST"])
def course_new(request):
    values = {"status": Course.Status.DRAFT, "pass_mark": 60, "max_attempts": 3}
    errors = {}
    if request.method == "POST":
        values = _course_values(request.POST)
        try:
            course = services.course_save(actor=request.user, **values)
        except ValidationFailed as error:
            errors = error.fields
        else:
            return redirect("training:course", course.pk)
    return render(
        request,
        "tasklist/training/course_form.html",
        {"values": values, "errors": errors, "statuses": Course.Status.choices},
        status=400 if errors else 200,
    )


def _people_choices() -> list[tuple[int, str]]:
    return list(
        User.objects.filter(is_active=True, employee__isnull=False)
        .order_by("display_name")
        .values_list("pk", "display_name")
    )


def _group_choices() -> list[tuple[int, str]]:
    groups = list(Group.objects.order_by("name").values_list("pk", "name"))
    labels = group_labels([n for _pk, n in groups])
    return sorted(((pk, labels.get(n, n)) for pk, n in groups), key=lambda c: c[1])


def _course_page(
    request, course: Course, *, errors: dict | None = None, form: str = "", posted=None, status=200
):
    assignments = list(
        course.assignments.select_related("learner", "department").order_by("due_on", "learner__display_name")
    )
    return render(
        request,
        "tasklist/training/course.html",
        {
            "course": course,
            "materials": list(course.materials.all()),
            "questions": list(course.questions.prefetch_related("choices")),
            "assignments": assignments,
            "today": datetime.date.today(),
            "errors": errors or {},
            "general_errors": (errors or {}).get("__all__", []),
            "form": form,
            "posted": posted or {},
            "statuses": Course.Status.choices,
            "kinds": Material.Kind.choices,
            "people": _people_choices(),
            "groups": _group_choices(),
            "choice_rows": range(1, 5),
        },
        status=status,
    )


@managers
@require_http_methods(["GET", "POST"])
def course_detail(request, pk: int):
    course = selectors.course_for(request.user, pk, "change")
    if request.method == "GET":
        return _course_page(request, course)
    form = request.POST.get("form", "")
    try:
        if form == "course":
            services.course_save(actor=request.user, course=course, **_course_values(request.POST))
            messages.success(request, _g("Course saved."))
        elif form == "material":
            services.material_add(
                actor=request.user,
                course=course,
                kind=request.POST.get("kind", ""),
                title=request.POST.get("title", ""),
                upload=request.FILES.get("file"),
                url=request.POST.get("url", ""),
            )
            messages.success(request, _g("Material added."))
        elif form == "question":
            right = set(request.POST.getlist("right"))
            choices = [(request.POST.get(f"choice{i}", ""), str(i) in right) for i in range(1, 5)]
            services.question_add(
                actor=request.user, course=course, text=request.POST.get("text", ""), choices=choices
            )
            messages.success(request, _g("Question added."))
        elif form == "assign":
            due = request.POST.get("due_on", "")
            try:
                due_on = datetime.date.fromisoformat(due) if due else None
            except ValueError:
                raise ValidationFailed(
                    _g("Enter a date."), fields={"due_on": [_g("Enter a date.")]}
                ) from None
            user_ids = [v for v in request.POST.getlist("people") if v.isdigit()]
            group_ids = [v for v in request.POST.getlist("groups") if v.isdigit()]
            created = services.course_assign(
                actor=request.user,
                course=course,
                due_on=due_on,
                users=list(User.objects.filter(pk__in=user_ids)),
                groups=list(Group.objects.filter(pk__in=group_ids)),
            )
            messages.success(
                request, _g("Assigned to %(n)d people; they are notified.") % {"n": len(created)}
            )
        else:
            raise Http404
    except ValidationFailed as error:
        return _course_page(request, course, errors=error.fields, form=form, posted=request.POST, status=400)
    return redirect("training:course", course.pk)


@managers
@require_POST
def question_delete(request, pk: int, question_id: int):
    course = selectors.course_for(request.user, pk, "change")
    question = course.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    services.question_remove(actor=request.user, question=question)
    return redirect("training:course", course.pk)


# --- report -------------------------------------------------------------------------------------


def _report_course(request) -> Course | None:
    value = request.GET.get("course", "")
    return Course.objects.visible_to(request.user).filter(pk=value).first() if value.isdigit() else None


@login_required
@require_GET
def report(request):
    if not selectors.may_report(request.user):
        raise PermissionDenied
    course = _report_course(request)
    return render(
        request,
        "tasklist/training/report.html",
        {
            "rows": selectors.department_report(request.user, course=course),
            "assignments": selectors.assignment_rows(request.user, course=course, limit=200),
            "course": course,
            "courses": list(
                Course.objects.visible_to(request.user).order_by("title").values_list("pk", "title")
            ),
            "today": datetime.date.today(),
        },
    )


@login_required
@require_GET
def report_export(request):
    if not selectors.may_report(request.user):
        raise PermissionDenied
    course = _report_course(request)
    rows = selectors.department_report(request.user, course=course)
    details = selectors.assignment_rows(request.user, course=course, limit=100_000)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_g("By department")[:31])
    sheet.append([_g("Department"), _g("Assigned"), _g("Completed"), _g("Overdue"), _g("Average score (%)")])
    for r in rows:
        sheet.append(safe_row(sheet, [r.department, r.assigned, r.completed, r.overdue, r.average_score]))
    people = book.create_sheet(_g("People")[:31])
    people.append(
        [
            _g("Department"),
            _g("Learner"),
            _g("Course"),
            _g("Due"),
            _g("Completed"),
            _g("Best score (%)"),
            _g("Attempts"),
        ]
    )
    for a in details:
        people.append(
            safe_row(
                people,
                [
                    a.department.name if a.department else "",
                    a.learner.display_name or a.learner.get_username(),
                    a.course.title,
                    a.due_on,
                    a.completed_at.replace(tzinfo=None) if a.completed_at else None,
                    a.best_score,
                    a.attempts,
                ],
            )
        )
    buffer = io.BytesIO()
    book.save(buffer)
    audit_export(request, Assignment, count=len(details), params=dict(request.GET.items()), via="ui")
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="training-report.xlsx"'
    return response
