"""Fixtures for the task list: a small sales team and the discount-approval process.

The process (bpmn/discount.bpmn): the initiator's department head approves or rejects
("Approve the discount", due in a day, high priority); on approval the sales group's queue gets
"Prepare the order" with a form of several field types.
"""

from pathlib import Path

import pytest

from engine import services
from engine.models import HumanTask
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory

BPMN = Path(__file__).parent / "bpmn"


class Team:
    pass


@pytest.fixture
def team(db):
    """boss heads Sales; alice and bob sell (group `sales`); carol is elsewhere."""
    team = Team()
    team.sales = GroupFactory(name="sales")
    team.boss = UserFactory(username="boss", display_name="Boss Wang")
    department = DepartmentFactory(name="Sales", head=team.boss)
    EmployeeFactory(user=team.boss, department=department)
    team.alice = UserFactory(username="alice", display_name="Alice Li")
    EmployeeFactory(user=team.alice, department=department)
    team.bob = UserFactory(username="bob", display_name="Bob Zhao")
    EmployeeFactory(user=team.bob, department=department)
    for user in (team.alice, team.bob):
        user.groups.add(team.sales)
    team.carol = UserFactory(username="carol", display_name="Carol Xu")
    services.definition_deploy(files={"discount.bpmn": (BPMN / "discount.bpmn").read_bytes()})
    return team


def start_discount(by, **variables):
    """Start one discount approval; returns its open review task."""
    instance = services.start_process("tl_discount", started_by=by, variables=variables)
    return HumanTask.objects.get(instance=instance, status=HumanTask.Status.READY)


def approve(task, user):
    """Approve a review; returns the "Prepare the order" task it creates in the sales queue."""
    services.complete_task(task.pk, user=user, data={"decision": "approve", "comment": ""})
    return HumanTask.objects.get(instance=task.instance, status=HumanTask.Status.READY)


OFFICE_PROCESSES = (
    "leave_request",
    "vehicle_request",
    "customer_level_change",
    "service_dispatch",
    "order_approval",
)


@pytest.fixture
def office(db):
    import io

    from office.seed import seed_demo as seed_office
    from org.models import User
    from org.seed import seed_demo as seed_org
    from processes.services import binding_set, definition_deploy

    seed_org(io.StringIO())
    seed_office(io.StringIO())
    from tests.processes_business.conftest import BINDINGS, shipped_files

    for key in OFFICE_PROCESSES:
        definition_deploy(files=shipped_files(key), actor=None, activate=True)
        for event, process_key in BINDINGS.items():
            if process_key == key:
                binding_set(actor=None, event=event, process_key=key)
    return User.objects.get(username="zhang.wei")
