"""Assigning courses (to people and groups, notified), quiz scoring with attempts and pass mark,
completion, and the report per department."""

import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, NotPermitted, ValidationFailed
from integrations.models import Notification
from training.models import Assignment, Course
from training.selectors import department_report
from training.services import course_assign, course_save, material_done, quiz_submit

from .conftest import right_answers, wrong_answer


def _due(days=7):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_assigning_to_a_group_reaches_its_members_once_and_tells_them(
    school, django_capture_on_commit_callbacks
):
    # when HR assigns the course to the staff group and to Ann again by name
    with django_capture_on_commit_callbacks(execute=True):
        created = course_assign(
            actor=school.manager,
            course=school.course,
            due_on=_due(),
            users=[school.ann],
            groups=[school.staff],
        )
    # then each member has one assignment, with their department
    assert {a.learner.username for a in created} == {"t.ann", "t.bob", "t.cat"}
    assert Assignment.objects.get(learner=school.cat).department == school.sales
    # and each was notified with a link to their course page
    note = Notification.objects.get(recipient=school.ann)
    assert "Complaint handling" in note.title
    assert note.url == f"/training/learn/{Assignment.objects.get(learner=school.ann).pk}/"
    # assigning again adds nobody and tells nobody twice
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            course_assign(actor=school.manager, course=school.course, due_on=_due(), groups=[school.staff])
            == []
        )
    assert Notification.objects.filter(recipient=school.ann).count() == 1


def test_assignment_errors_are_located(school):
    draft = course_save(actor=school.manager, title="Draft course")
    with pytest.raises(ValidationFailed) as caught:
        course_assign(
            actor=school.manager, course=draft, due_on=timezone.localdate() - datetime.timedelta(days=1)
        )
    assert set(caught.value.fields) == {"__all__", "due_on", "people"}
    assert not Assignment.objects.exists()


def test_only_course_managers_assign(school):
    with pytest.raises(NotPermitted):
        course_assign(actor=school.ann, course=school.course, due_on=_due(), users=[school.bob])


def _assign(school, user):
    return course_assign(actor=school.manager, course=school.course, due_on=_due(), users=[user])[0]


def test_an_unanswered_question_is_named_and_counts_no_attempt(school):
    assignment = _assign(school, school.ann)
    with pytest.raises(ValidationFailed) as caught:
        quiz_submit(
            actor=school.ann, assignment=assignment, answers={school.first.pk: right_answers(school.first)}
        )
    assert set(caught.value.fields) == {f"q{school.second.pk}"}
    assignment.refresh_from_db()
    assert assignment.attempts == 0


def test_a_multiple_choice_question_needs_exactly_its_right_answers(school):
    # given Ann ticks only one of the two right channels: half the questions right, pass mark 50
    assignment = _assign(school, school.ann)
    attempt = quiz_submit(
        actor=school.ann,
        assignment=assignment,
        answers={
            school.first.pk: right_answers(school.first),
            school.second.pk: right_answers(school.second)[:1],
        },
    )
    assert (attempt.score, attempt.passed) == (50, True)


def test_completion_needs_the_materials_and_a_pass_and_attempts_run_out(school):
    assignment = _assign(school, school.ann)
    wrong = {school.first.pk: wrong_answer(school.first), school.second.pk: wrong_answer(school.second)}
    right = {school.first.pk: right_answers(school.first), school.second.pk: right_answers(school.second)}
    # a failed attempt
    attempt = quiz_submit(actor=school.ann, assignment=assignment, answers=wrong)
    assert (attempt.score, attempt.passed) == (0, False)
    # a pass without having opened the material: not complete yet
    quiz_submit(actor=school.ann, assignment=assignment, answers=right)
    assignment.refresh_from_db()
    assert assignment.passed and assignment.best_score == 100 and assignment.completed_at is None
    # opening the material completes it
    material_done(actor=school.ann, assignment=assignment, material=school.material)
    assignment.refresh_from_db()
    assert assignment.completed_at is not None
    # and no more attempts once passed
    with pytest.raises(Conflict):
        quiz_submit(actor=school.ann, assignment=assignment, answers=right)


def test_attempts_are_limited(school):
    Course.objects.filter(pk=school.course.pk).update(max_attempts=1)
    assignment = _assign(school, school.bob)
    wrong = {school.first.pk: wrong_answer(school.first), school.second.pk: wrong_answer(school.second)}
    quiz_submit(actor=school.bob, assignment=assignment, answers=wrong)
    with pytest.raises(Conflict):
        quiz_submit(actor=school.bob, assignment=assignment, answers=wrong)


def test_nobody_answers_for_someone_else(school):
    assignment = _assign(school, school.ann)
    with pytest.raises(NotPermitted):
        material_done(actor=school.bob, assignment=assignment, material=school.material)


def test_report_per_department(school):
    # given Ann completed with 100, Bob failed with 0 and is overdue, Cat has not started
    right = {school.first.pk: right_answers(school.first), school.second.pk: right_answers(school.second)}
    wrong = {school.first.pk: wrong_answer(school.first), school.second.pk: wrong_answer(school.second)}
    ann, bob, _cat = (_assign(school, u) for u in (school.ann, school.bob, school.cat))
    material_done(actor=school.ann, assignment=ann, material=school.material)
    quiz_submit(actor=school.ann, assignment=ann, answers=right)
    quiz_submit(actor=school.bob, assignment=bob, answers=wrong)
    Assignment.objects.filter(pk=bob.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    # when HR reads the report
    rows = {r.department: r for r in department_report(school.manager)}
    # then per department: assigned, completed, overdue, the average of the best scores
    service, sales = rows["Service"], rows["Sales"]
    assert (service.assigned, service.completed, service.overdue, service.average_score) == (2, 1, 1, 50.0)
    assert (sales.assigned, sales.completed, sales.overdue, sales.average_score) == (1, 0, 0, None)
    # and a learner's own report shows only themselves
    assert [(r.department, r.assigned) for r in department_report(school.cat)] == [("Sales", 1)]
