"""Concurrency and faults on PostgreSQL: row locks make each completion happen exactly once, and
a worker dying mid-step leaves the last committed state for a retry to finish."""

import os
import random
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from engine import services
from engine.connectors import register_connector, unregister_connector
from engine.errors import TaskAlreadyCompleted, TaskNotActive
from engine.models import HumanTask, InstanceEvent, InstanceState, ProcessInstance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def in_thread(fn):
    """Run fn in a thread with its own connection, closed afterwards."""

    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_two_threads_complete_the_same_task_exactly_one_wins(deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    review = HumanTask.objects.get(instance=instance, element_id="review")
    barrier = threading.Barrier(2)
    outcomes = []

    @in_thread
    def worker():
        barrier.wait()
        try:
            services.complete_task(review.pk, user=org.boss, data={"approved": True})
            outcomes.append("ok")
        except TaskAlreadyCompleted as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "task_already_completed"]
    assert InstanceEvent.objects.filter(instance=instance, kind="task_completed").count() == 1
    assert HumanTask.objects.filter(instance=instance, element_id="fulfil").count() == 1


def test_two_branches_completed_at_the_same_moment_both_count(deploy, org):
    # given instances waiting at two parallel tasks, "Left" and "Right", then a join
    from tests.factories import UserFactory

    deploy("parallel_loop.bpmn")
    admin = UserFactory(username="task_admin", perms=["engine.change_humantask"])
    instances = [services.start_process("parallel_loop", started_by=org.alice) for _ in range(6)]
    for instance in instances:
        # when two people complete the two branches of an instance at the same moment
        tasks = {t.element_id: t.pk for t in HumanTask.objects.filter(instance=instance, status="ready")}
        barrier = threading.Barrier(2)
        failures = []

        @in_thread
        def worker(pk):
            barrier.wait()
            try:
                services.complete_task(pk, user=admin, data={"done": True})
            except Exception as error:  # any failure is the finding
                failures.append(repr(error))

        threads = [threading.Thread(target=worker, args=(tasks[name],)) for name in ("left", "right")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # then the second step sees the first one's completion: the join passes, the process ends
        instance.refresh_from_db()
        assert failures == []
        assert instance.status == "completed", instance.completed_elements
        assert not HumanTask.objects.filter(instance=instance, status="ready").exists()


def test_sixteen_threads_finish_two_hundred_instances_without_duplicates(deploy, org):
    deploy("approval.bpmn")
    instances = [services.start_process("approval", started_by=org.alice) for _ in range(200)]
    errors, done = [], Counter()
    lock = threading.Lock()

    @in_thread
    def worker(seed):
        rng = random.Random(seed)
        while True:
            open_tasks = list(HumanTask.objects.filter(status="ready").values_list("pk", "element_id")[:64])
            if not open_tasks:
                return
            pk, element_id = rng.choice(open_tasks)
            user = org.boss if element_id == "review" else org.bob
            try:
                services.complete_task(
                    pk, user=user, data={"approved": True} if element_id == "review" else {}
                )
                with lock:
                    done[pk] += 1
            except (TaskAlreadyCompleted, TaskNotActive):
                continue
            except Exception as error:  # anything else is a failure of the engine
                errors.append(repr(error))
                return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = [i.pk for i in instances]
    assert ProcessInstance.objects.filter(pk__in=ids, status="completed").count() == 200
    assert len(done) == 400 and set(done.values()) == {1}
    completions = Counter(
        InstanceEvent.objects.filter(instance_id__in=ids, kind="task_completed").values_list(
            "human_task_id", flat=True
        )
    )
    assert len(completions) == 400 and set(completions.values()) == {1}
    created = Counter(
        InstanceEvent.objects.filter(instance_id__in=ids, kind="task_created").values_list(
            "human_task_id", flat=True
        )
    )
    assert len(created) == 400 and set(created.values()) == {1}
    assert InstanceEvent.objects.filter(instance_id__in=ids, kind="completed").count() == 200


CHILD = """
import os, django
django.setup()
from engine import services
from engine.connectors import register_connector
from org.models import User

def book(params, data):
    os._exit(1)  # the worker dies in the middle of the step

register_connector("test.book", book)
services.complete_task({task}, user=User.objects.get(username="alice"), data={{"ok": True}})
"""


def test_worker_killed_mid_step_leaves_last_committed_state_and_a_retry_completes(deploy, org):
    deploy("crash.bpmn")
    instance = services.start_process("crash", started_by=org.alice)
    approve = HumanTask.objects.get(instance=instance, element_id="approve")
    state_before = InstanceState.objects.get(instance=instance).data
    events_before = InstanceEvent.objects.filter(instance=instance).count()
    # when a separate worker process completes the task and dies inside the service call
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=url, DEBUG="0")
    env.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(task=approve.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert child.returncode == 1, child.stderr.decode()[-2000:]
    # then nothing of that step was kept
    approve.refresh_from_db()
    assert approve.status == "ready"
    assert InstanceState.objects.get(instance=instance).data == state_before
    assert InstanceEvent.objects.filter(instance=instance).count() == events_before
    # and a retry by a healthy worker completes it
    register_connector("test.book", lambda params, data: {"booked": True})
    try:
        services.complete_task(approve.pk, user=org.alice, data={"ok": True})
    finally:
        unregister_connector("test.book")
    after = HumanTask.objects.get(instance=instance, element_id="after")
    assert after.status == "ready"
    instance.refresh_from_db()
    assert instance.variables["ok"] is True


def test_two_beat_processes_fire_each_due_timer_exactly_once(deploy, org):
    from datetime import timedelta

    from django.utils import timezone

    from engine.models import Timer

    # given 30 instances waiting on a timer that is due
    deploy("timers.bpmn")
    ids = [
        services.start_process("timers", started_by=org.alice, variables={"reminders": 0}).pk
        for _ in range(30)
    ]
    Timer.objects.filter(instance_id__in=ids).update(due_at=timezone.now() - timedelta(seconds=1))
    barrier = threading.Barrier(2)
    fired = []

    @in_thread
    def beat():
        barrier.wait()
        fired.append(services.fire_due_timers())

    # when two beat processes run at the same moment
    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every timer fired once: one task per instance, one history row per timer
    assert sum(fired) == 30
    assert Timer.objects.filter(instance_id__in=ids, element_id="wait", status="fired").count() == 30
    events = Counter(
        InstanceEvent.objects.filter(instance_id__in=ids, kind="timer_fired").values_list(
            "instance_id", flat=True
        )
    )
    assert len(events) == 30 and set(events.values()) == {1}
    assert HumanTask.objects.filter(instance_id__in=ids, element_id="answer").count() == 30


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("reader", ["task", "instance"])
def test_a_step_that_waited_for_the_lock_reads_the_state_its_holder_committed(deploy, org, reader):
    # given an instance whose lock is held by a step that is about to write a new state
    import time

    from django.db import transaction

    from engine import persistence
    from engine.step import lock_instance

    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    task = HumanTask.objects.get(instance=instance, status="ready")
    locked, release, seen = threading.Event(), threading.Event(), []

    @in_thread
    def holder():
        with transaction.atomic():
            lock_instance(instance.pk)
            locked.set()
            release.wait(30)
            InstanceState.objects.filter(instance=instance).update(data='{"marker": "newer"}')
            HumanTask.objects.filter(pk=task.pk).update(name="Renamed meanwhile")
            ProcessInstance.objects.filter(pk=instance.pk).update(step_count=99)

    @in_thread
    def waiter():
        locked.wait(30)
        with transaction.atomic():
            if reader == "task":
                found, task_rows, _key = persistence.lock_task_rows(task.pk)
                names = [row.task.name for row in task_rows]
            else:
                found, names = lock_instance(instance.pk), ["Renamed meanwhile"]
            seen.append((found.step_count, found.state.data, names))

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for t in threads:
        t.start()
    # when the other step waits for the lock and the holder then commits its state
    locked.wait(30)
    for _ in range(300):
        if _waiting_for_a_lock():
            break
        time.sleep(0.01)
    release.set()
    for t in threads:
        t.join()
    # then the waiting step works on the committed state, not on the one it saw before waiting
    # (and, reading through the task, the task rows its holder committed too)
    assert seen == [(99, '{"marker": "newer"}', ["Renamed meanwhile"])]
