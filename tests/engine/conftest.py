"""Fixtures for the engine tests: deploying the BPMN files under tests/engine/bpmn and a small
org chart (a salesperson, their manager heading the department, a sales group)."""

from pathlib import Path

import pytest

from engine import services
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory

BPMN_DIR = Path(__file__).parent / "bpmn"


def bpmn(name: str) -> dict[str, bytes]:
    return {name: (BPMN_DIR / name).read_bytes()}


@pytest.fixture
def deploy(db):
    def _deploy(*names: str, **kwargs):
        files = {}
        for name in names:
            files.update(bpmn(name))
        return services.definition_deploy(files=files, **kwargs)

    return _deploy


@pytest.fixture
def org(db):
    """boss heads Sales (and may retry incidents); alice works there; sales group has bob; carol
    is outside."""
    boss = UserFactory(username="boss", perms=["engine.change_incident"])
    department = DepartmentFactory(name="Sales", head=boss)
    EmployeeFactory(user=boss, department=department)
    alice = UserFactory(username="alice")
    EmployeeFactory(user=alice, department=department)
    sales = GroupFactory(name="sales")
    bob = UserFactory(username="bob")
    bob.groups.add(sales)
    carol = UserFactory(username="carol")

    class Org:
        pass

    o = Org()
    o.boss, o.alice, o.bob, o.carol, o.sales, o.department = boss, alice, bob, carol, sales, department
    return o
