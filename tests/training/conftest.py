"""A small company for training tests: an HR course manager, two departments of learners in a
group, a manager who reads the report, and a published course with one link and a two-question
quiz."""

from types import SimpleNamespace

import pytest

from org.permissions import RowScope
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory
from training.models import Course
from training.services import course_save, material_add, question_add

LEARNER = ["training.view_course", "training.view_assignment"]
MANAGER = [*LEARNER, "training.add_course", "training.change_course", "training.report_course"]


@pytest.fixture
def school(db):
    hr = GroupFactory(name="t_hr", perms=MANAGER, profile__row_scope=RowScope.ALL)
    staff = GroupFactory(name="t_staff", perms=LEARNER, profile__row_scope=RowScope.OWN)
    service = DepartmentFactory(code="T-SVC", name="Service")
    sales = DepartmentFactory(code="T-SAL", name="Sales")
    admin = DepartmentFactory(code="T-ADM", name="Admin")

    def person(username, dept, groups):
        user = UserFactory(username=username, display_name=username.replace("t.", "").title())
        user.groups.add(*groups)
        EmployeeFactory(user=user, department=dept)
        return user

    manager = person("t.hr", admin, [hr])
    course = course_save(
        actor=manager, title="Complaint handling", status=Course.Status.PUBLISHED, pass_mark=50
    )
    material = material_add(
        actor=manager, course=course, kind="video", url="https://videos.example.com/steps"
    )
    first = question_add(
        actor=manager, course=course, text="What comes first?", choices=[("Listen", True), ("Refund", False)]
    )
    second = question_add(
        actor=manager,
        course=course,
        text="Which are channels?",
        choices=[("Phone", True), ("E-mail", True), ("Fax machine", False)],
    )
    return SimpleNamespace(
        hr=hr,
        staff=staff,
        service=service,
        sales=sales,
        manager=manager,
        ann=person("t.ann", service, [staff]),
        bob=person("t.bob", service, [staff]),
        cat=person("t.cat", sales, [staff]),
        course=course,
        material=material,
        first=first,
        second=second,
    )


def right_answers(question) -> list[int]:
    return [c.pk for c in question.choices.all() if c.correct]


def wrong_answer(question) -> list[int]:
    return [c.pk for c in question.choices.all() if not c.correct][:1]
