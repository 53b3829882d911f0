"""What the history of a process says about a completed form: people and departments by name."""

import pytest
from django.utils import timezone

from engine.models import HumanTask, InstanceEvent
from tasklist.history import history_lines
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

TRIAGE = {
    "type": "object",
    "properties": {
        "department": {"type": "string", "title": "Department", "x-widget": "department"},
        "handler": {"type": "string", "title": "Handler", "x-widget": "user"},
        "summary": {"type": "string", "title": "Summary"},
    },
}


def test_a_department_and_a_person_picked_in_a_form_read_as_their_names():
    DepartmentFactory(code="SERVICE", name="Customer Service 客服部")
    UserFactory(username="xu.li", display_name="Xu Li 徐丽")
    task = HumanTask(name="Triage", form_schema=TRIAGE)
    answers = {"department": "SERVICE", "handler": "xu.li", "summary": "nobody.here"}
    event = InstanceEvent(
        kind=InstanceEvent.Kind.TASK_COMPLETED, human_task=task, at=timezone.now(), data={"data": answers}
    )
    [line] = history_lines([event])
    assert line.facts == [
        ("Department", "Customer Service 客服部"),
        ("Handler", "Xu Li 徐丽"),
        ("Summary", "nobody.here"),  # text that names nobody stays as typed
    ]
