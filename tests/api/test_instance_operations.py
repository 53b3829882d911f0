"""The administrators' instance operations through the API: the same engine services and checks
as the instance page (suspend/resume, variables masked, reassign, due date, migration dry run)."""

from __future__ import annotations

import pytest

from engine import services
from engine.models import HumanTask, Incident, ProcessInstance
from tests.api.conftest import bpmn_files
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    class World:
        pass

    w = World()
    w.admin = UserFactory(username="ops", is_superuser=True, is_staff=True)
    w.clerk = UserFactory(username="clerk", is_staff=True)
    w.carol = UserFactory(username="carol", display_name="Carol Xu")
    w.v1 = services.definition_deploy(files=bpmn_files("api_review.bpmn"))
    # nobody is in the group the review is offered to: a "nobody to do it" incident
    w.instance = services.start_process("api_review", started_by=w.clerk, variables={"secret_code": "1234"})
    w.task = HumanTask.objects.get(instance=w.instance, status="ready")
    return w


def test_an_administrator_operates_an_instance_through_the_api(world, client_for):
    api = client_for(world.admin)
    base = f"/api/v1/process-instances/{world.instance.pk}"
    # without the permission: refused, nothing changes
    assert client_for(world.clerk).post(f"{base}/suspend/", {}, format="json").status_code == 403
    answer = api.post(f"{base}/suspend/", {"reason": "audit"}, format="json")
    assert answer.status_code == 200 and answer.json()["suspended"] is True
    assert answer.json()["variables"]["secret_code"] == "••••••"
    assert api.get(f"{base}/variables/").json()["secret_code"] == "••••••"
    assert api.post(f"{base}/resume/").json()["suspended"] is False
    # reassigning the ownerless task closes its incident
    assert Incident.objects.filter(instance=world.instance, status="open", kind="no_owner").exists()
    answer = api.post(f"{base}/reassign/", {"task": world.task.pk, "assignee": world.carol.pk}, format="json")
    assert answer.status_code == 200
    assert not Incident.objects.filter(instance=world.instance, status="open").exists()
    answer = api.post(
        f"{base}/set-due/", {"task": world.task.pk, "due_at": "2027-03-01T09:00:00+08:00"}, format="json"
    )
    assert answer.status_code == 200
    world.task.refresh_from_db()
    assert world.task.assignee == world.carol and world.task.due_at.year == 2027
    # junk is a located 400
    answer = api.post(f"{base}/reassign/", {"task": 999999, "assignee": world.carol.pk}, format="json")
    assert answer.status_code == 400 and "task" in str(answer.json())


def test_migration_dry_run_then_migrate_through_the_api(world, client_for):
    text = (
        bpmn_files("api_review.bpmn")["api_review.bpmn"]
        .decode()
        .replace('name="API review"', 'name="API review 2"')
    )
    v2 = services.definition_deploy(files={"api_review.bpmn": text.encode()})
    api = client_for(world.admin)
    plan = api.post(f"/api/v1/process-definitions/{v2.pk}/migration-plan/", {}, format="json")
    assert plan.status_code == 200
    assert [(line["instance"], line["possible"]) for line in plan.json()] == [(world.instance.pk, True)]
    moved = api.post(
        f"/api/v1/process-definitions/{v2.pk}/migrate/", {"instances": [world.instance.pk]}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["moved"] == [world.instance.pk]
    assert ProcessInstance.objects.get(pk=world.instance.pk).definition == v2
    assert (
        client_for(world.clerk).post(f"/api/v1/process-definitions/{v2.pk}/migrate/", {}).status_code == 403
    )
