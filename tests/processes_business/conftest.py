"""The demo organisation with the shipped processes deployed from bpmn/, and helpers that act as
the real people: look at a to-do list, complete a task by its name."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from engine.models import HumanTask, InstanceEvent, ProcessInstance
from integrations.models import Notification
from office.seed import seed_demo as seed_office
from org.models import User
from org.seed import seed_demo as seed_org
from processes.services import binding_set, definition_deploy

SHIPPED = Path(settings.BASE_DIR) / "bpmn"
BINDINGS = json.loads((SHIPPED / "bindings.json").read_text())


def shipped_files(key: str) -> dict[str, bytes]:
    """A process file with its forms and the DMN tables, as the seed deploys them."""
    files = {f"{key}.bpmn": (SHIPPED / f"{key}.bpmn").read_bytes()}
    for path in SHIPPED.iterdir():
        if path.suffix == ".dmn" or (path.suffix == ".json" and path.name.startswith(f"{key}.")):
            files[path.name] = path.read_bytes()
    return files


@pytest.fixture
def demo(db):
    """The seeded demo company (org + office) as {username: user}."""
    seed_org(io.StringIO())
    seed_office(io.StringIO())
    return SimpleNamespace(**{u.username.replace(".", "_"): u for u in User.objects.all()})


@pytest.fixture
def deploy(demo):
    def _deploy(key: str):
        result = definition_deploy(files=shipped_files(key), actor=None, activate=True)
        for event, process_key in BINDINGS.items():
            if process_key == key:
                binding_set(actor=None, event=event, process_key=key)
        return result.definition

    return _deploy


def inbox(user) -> list[str]:
    return list(HumanTask.objects.inbox(user).values_list("name", flat=True))


def queue(user) -> list[str]:
    return list(HumanTask.objects.queue(user).values_list("name", flat=True))


def todo(user) -> list[str]:
    """Everything on the person's list: assigned to them or offered to their groups."""
    return sorted(inbox(user) + queue(user))


def open_task(user, name: str) -> HumanTask:
    tasks = [t for t in HumanTask.objects.inbox(user) if t.name == name] + [
        t for t in HumanTask.objects.queue(user) if t.name == name
    ]
    assert tasks, f"{user} has no task {name!r}; their list: {todo(user)}"
    return tasks[0]


def complete(user, name: str, data: dict | None = None) -> ProcessInstance:
    from engine.services import complete_task

    return complete_task(open_task(user, name).pk, user=user, data=data or {})


def instance_for(obj) -> ProcessInstance:
    return ProcessInstance.objects.get(business_object_id=str(obj.pk), key__in=list(BINDINGS.values()))


def history(instance) -> list[tuple[str, str]]:
    return list(instance.events.order_by("pk").values_list("kind", "element_id"))


def completed_steps(instance) -> list[str]:
    return list(
        InstanceEvent.objects.filter(instance=instance, kind=InstanceEvent.Kind.TASK_COMPLETED)
        .order_by("pk")
        .values_list("element_id", flat=True)
    )


def notified(user, template: str | None = None) -> list[str]:
    rows = Notification.objects.filter(recipient=user)
    if template:
        rows = rows.filter(template=template)
    return list(rows.order_by("pk").values_list("title", flat=True))


@pytest.fixture
def two_deals(demo, deploy):
    """zhang.wei's opportunity and his colleague liu.yang's (which he cannot see), each in its stage
    process."""
    from crm.sales.services import opportunity_create
    from tests.crm.factories import CustomerFactory

    deploy("opportunity_stages")
    mine = opportunity_create(
        actor=demo.zhang_wei, customer=CustomerFactory(owner=demo.zhang_wei), name="Mine", amount=1000
    )
    theirs = opportunity_create(
        actor=demo.liu_yang, customer=CustomerFactory(owner=demo.liu_yang), name="Theirs", amount=9000
    )
    return mine, theirs


def forged(opportunity) -> dict:
    """Process data naming `opportunity` as the business object, as a forger would send it."""
    return {"business_object": {"type": "crm.opportunity", "id": opportunity.pk, "label": "x"}}
