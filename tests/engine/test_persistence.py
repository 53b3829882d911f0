"""engine.persistence: the hand-written reads every task step starts with must give what the ORM
gives (every field, converted the same way), and the same "offered to" answer."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from engine import persistence, services
from engine.models import HumanTask, ProcessInstance
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def _values(obj, exclude=()):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in exclude}


def test_the_locked_instance_is_the_one_the_orm_reads(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice, variables={"amount": 12.5})
    task = HumanTask.objects.get(instance=instance, status="ready")
    with transaction.atomic():
        locked = persistence.lock_instance_of_task(task.pk, with_starter=True)
        expected = ProcessInstance.objects.select_related("definition", "state", "started_by").get(
            pk=instance.pk
        )
        # every column, JSON and times converted as the ORM converts them
        assert _values(locked) == _values(expected)
        assert locked.variables["amount"] == 12.5 and locked.started_at.tzinfo is not None
        assert _values(locked.definition, {"files", "metadata"}) == _values(
            expected.definition, {"files", "metadata"}
        )
        assert locked.definition.get_deferred_fields() == {"files", "metadata"}
        assert _values(locked.state) == _values(expected.state)
        assert locked.started_by.username == "alice"
        # without the starter: not read (an access would be a query of its own)
        assert "started_by" not in persistence.lock_instance_of_task(task.pk)._state.fields_cache
    assert persistence.lock_instance_of_task(10**12) is None


def test_offered_says_what_with_offered_says_for_every_user(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    task = HumanTask.objects.get(instance=instance, status="ready")
    # a member of a group nested in the task's candidate group is offered it too
    team = GroupFactory(name="sales_east", profile__parent=org.sales)
    nested = UserFactory(username="dave")
    nested.groups.add(team)
    task.candidates.create(group=org.sales)  # (whatever the process offered: sales now too)
    users = [org.alice, org.bob, org.boss, org.carol, nested]
    for user in users:
        rows = persistence.task_and_open_tasks(task.pk, instance.pk, worker=user)
        assert [r.task.pk for r in rows] == [task.pk]
        expected = HumanTask.objects.with_offered(user).get(pk=task.pk).offered
        assert rows[0].offered is expected, user.username
    offered = persistence.task_and_open_tasks
    assert {u.username for u in users if offered(task.pk, instance.pk, worker=u)[0].offered} >= {
        "bob",
        "dave",
    }
    assert not persistence.task_and_open_tasks(task.pk, instance.pk, worker=org.carol)[0].offered
    # without a worker there is no answer to give (the engine then asks the candidates itself)
    assert persistence.task_and_open_tasks(task.pk, instance.pk)[0].offered is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared", [True, False])
def test_the_step_reads_answer_the_same_prepared_or_not_and_after_a_reconnection(
    deploy, org, settings, prepared
):
    # given the step reads as statements prepared once per connection (PostgreSQL), or not
    from django.db import connection

    settings.ENGINE_PREPARED_STATEMENTS = prepared
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    task = HumanTask.objects.get(instance=instance, status="ready")
    with transaction.atomic():
        first = persistence.lock_instance_of_task(task.pk, with_starter=True)
    # when the connection is replaced (a new server session knows none of them) and read again
    connection.close()
    with transaction.atomic():
        again = persistence.lock_instance_of_task(task.pk, with_starter=True)
        rows = persistence.task_and_open_tasks(task.pk, instance.pk, worker=org.alice)
    # then the answers are the same, and a whole completion still works
    assert _values(again) == _values(first)
    assert [row.task.pk for row in rows] == [task.pk]
    services.complete_task(task.pk, user=org.boss, data={"approved": True})
    assert HumanTask.objects.get(pk=task.pk).status == "completed"


def test_the_state_a_step_writes_reads_back_whole_and_is_stored_with_lz4_where_the_server_has_it(deploy, org):
    from django.db import connection

    from engine.models import InstanceState

    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice, variables={"note": "审批 " * 800})
    state = InstanceState.objects.get(instance=instance)
    assert state.size == len(state.data)
    assert "审批 " * 800 in json.dumps(json.loads(state.data), ensure_ascii=False)
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL is built without lz4")
        cursor.execute(
            "SELECT pg_column_compression(data) FROM engine_instancestate WHERE instance_id = %s",
            [instance.pk],
        )
        assert cursor.fetchone()[0] == "lz4"
