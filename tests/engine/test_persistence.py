"""engine.persistence: the hand-written read every task step starts with must give what the ORM
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
        locked, rows, _key = persistence.lock_task_rows(task.pk, with_starter=True)
        assert _values(rows[0].task) == _values(task)
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
        assert "started_by" not in persistence.lock_task_rows(task.pk).instance._state.fields_cache
    assert persistence.lock_task_rows(10**12) is None


def test_each_open_task_comes_once_and_the_instance_with_the_task_asked_for(deploy, org):
    # given an instance with three open tasks (a multi-instance task for three reviewers)
    deploy("multi.bpmn")
    instance = services.start_process(
        "multi", started_by=org.alice, variables={"reviewers": ["alice", "bob", "boss"]}
    )
    open_tasks = list(HumanTask.objects.filter(instance=instance, status="ready").order_by("pk"))
    assert len(open_tasks) == 3
    expected = ProcessInstance.objects.select_related("state").get(pk=instance.pk)
    # when the last one is asked for
    with transaction.atomic():
        found, rows, _key = persistence.lock_task_rows(open_tasks[-1].pk, with_starter=True)
    # then each open task comes once, in key order, with the instance the ORM reads
    assert [row.task.pk for row in rows] == [t.pk for t in open_tasks]
    assert _values(found) == _values(expected) and _values(found.state) == _values(expected.state)
    assert all(row.task.instance is found for row in rows)
    # and a completed task asked for comes first, with the instance and the others still open
    services.complete_task(open_tasks[0].pk, user=org.alice, data={"signed": True})
    with transaction.atomic():
        found, rows, _key = persistence.lock_task_rows(open_tasks[0].pk)
    assert [row.task.pk for row in rows] == [t.pk for t in open_tasks]
    assert rows[0].task.status == "completed" and found.step_count == expected.step_count + 1


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
        rows = persistence.lock_task_rows(task.pk, worker=user).tasks
        assert [r.task.pk for r in rows] == [task.pk]
        expected = HumanTask.objects.with_offered(user).get(pk=task.pk).offered
        assert rows[0].offered is expected, user.username

    def offered(user):
        return persistence.lock_task_rows(task.pk, worker=user).tasks[0].offered

    assert {u.username for u in users if offered(u)} >= {"bob", "dave"}
    assert not offered(org.carol)
    # without a worker there is no answer to give (the engine then asks the candidates itself)
    assert persistence.lock_task_rows(task.pk).tasks[0].offered is None


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
        first = persistence.lock_task_rows(task.pk, with_starter=True).instance
    # when the connection is replaced (a new server session knows none of them) and read again
    connection.close()
    with transaction.atomic():
        again, rows, _key = persistence.lock_task_rows(task.pk, with_starter=True, worker=org.alice)
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
