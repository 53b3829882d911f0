"""The API's "next tasks" answer comes from the engine's step when the step knows every open task
of the instance (the usual case) and from the database otherwise: both must say the same, for
every user, after every step."""

from __future__ import annotations

import pytest

from api.views.engine import _step
from engine import services
from engine.models import HumanTask, ProcessInstance
from tests.engine.conftest import bpmn
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    boss = UserFactory(username="boss")
    department = DepartmentFactory(name="Sales", head=boss)
    EmployeeFactory(user=boss, department=department)
    alice = UserFactory(username="alice")
    EmployeeFactory(user=alice, department=department)
    bob = UserFactory(username="bob")
    bob.groups.add(GroupFactory(name="sales"))
    carol = UserFactory(username="carol")
    return {"alice": alice, "bob": bob, "boss": boss, "carol": carol}


def _answers(step: services.StepResult, people: dict) -> tuple[dict, dict]:
    """Next task ids per user: from the step, and from the database (a fresh read of the instance)."""
    stored = ProcessInstance.objects.select_related("started_by", "definition").get(pk=step.instance.pk)

    def ids(answer) -> list[int]:
        return [task["id"] for task in answer["next_tasks"]]

    from_step = {name: ids(_step(step, user)) for name, user in people.items()}
    from_db = {name: ids(_step(services.StepResult(stored), user)) for name, user in people.items()}
    return from_step, from_db


def test_after_a_start_and_a_completion_the_step_and_the_database_agree(people):
    services.definition_deploy(files=bpmn("approval.bpmn"))
    # the review is assigned to alice's department head
    step = services.start_process_step("approval", started_by=people["alice"])
    assert step.open_tasks is not None
    from_step, from_db = _answers(step, people)
    assert from_step == from_db
    assert from_step["boss"] and not from_step["alice"] and not from_step["carol"]
    # approved: the fulfilment is offered to the sales group (bob) and to alice
    review = HumanTask.objects.get(instance=step.instance, element_id="review")
    step = services.complete_task_step(review.pk, user=people["boss"], data={"approved": True})
    from_step, from_db = _answers(step, people)
    assert from_step == from_db
    assert from_step["bob"] == from_step["alice"] != [] and not from_step["carol"]


def test_with_older_tasks_still_open_the_answer_comes_from_the_database(people):
    services.definition_deploy(files=bpmn("multi.bpmn"))
    step = services.start_process_step(
        "multi", started_by=people["alice"], variables={"reviewers": ["alice", "bob", "boss"]}
    )
    from_step, from_db = _answers(step, people)
    assert from_step == from_db and all(from_step[name] for name in ("alice", "bob", "boss"))
    # alice signs: bob's and the boss's signatures stay open, which this step did not create
    mine = HumanTask.objects.get(instance=step.instance, assignee=people["alice"])
    step = services.complete_task_step(mine.pk, user=people["alice"], data={"signed": True})
    assert step.open_tasks is None
    from_step, from_db = _answers(step, people)
    assert from_step == from_db
    assert from_step["alice"] == [] and from_step["bob"] and from_step["boss"]
