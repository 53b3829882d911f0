"""Fault tests: the system recovers from a dead worker, a Redis restart, a dropped database
connection and downtime, with no lost and no duplicated step.

Real services: PostgreSQL (the test database, shared with the workers these tests start), a Redis
server of the tests' own on a free port (the shared one is never disturbed) and real Celery worker
processes. No sleep is an assertion: each wait polls a condition with a generous bound that only
stops a hung test.

A webhook receiver down for an hour of simulated time is the fault test in
tests/integrations/test_webhooks.py (test_a_receiver_down_for_an_hour_gets_every_event_once_it_is_back).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
import redis
import time_machine
from celery import Celery
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from engine import services as engine
from engine.models import HumanTask, InstanceEvent, ProcessInstance
from integrations import webhooks
from integrations.models import WebhookDelivery
from integrations.webhooks import publish, retry_due_webhooks, webhook_subscribe
from tests.factories import EmployeeFactory
from tests.integrations.conftest import fake_server  # noqa: F401

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
MESSAGES_BPMN = (ROOT / "tests" / "engine" / "bpmn" / "messages.bpmn").read_bytes()
TWO_STEPS_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="fault_two_steps" name="Two steps" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Approve" camunda:assignee="${initiator}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="check"/>
    <bpmn:userTask id="check" name="Check" camunda:assignee="${initiator}"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
TIMER_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="fault_timer" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Wait an hour">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def wait_for(condition, what: str, seconds: float = 120):
    """Poll until `condition()` is truthy (the bound only stops a hung test; not a speed check)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests share the test database with other processes over PostgreSQL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PortTaken(Exception):
    pass


class OwnRedis:
    """A redis-server of the test's own; `kill()` is a crash (SIGKILL), `start()` a restart."""

    def __init__(self, workdir: Path, *, persistent: bool):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.persistent = persistent
        self.process = None

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else []
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(self.workdir), *persistence],
            stdout=(self.workdir / "redis.log").open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client) or self.process.poll() is not None, "redis-server to answer", 30)
        # the port is ours only if the server answering is the process we started (another test run
        # on this machine may have taken the free port first)
        ours = self.process.poll() is None and client.info("server")["process_id"] == self.process.pid
        client.close()
        if not ours:
            if self.process.poll() is None:
                self.kill()
            raise PortTaken(self.port)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path):
    made = []

    def make(*, persistent: bool = False) -> OwnRedis:
        for _attempt in range(5):
            server = OwnRedis(tmp_path, persistent=persistent)
            try:
                server.start()
            except PortTaken:
                continue
            made.append(server)
            return server
        pytest.fail("no free port for a redis-server of our own")

    yield make
    for server in made:
        if server.process and server.process.poll() is None:
            server.kill()


@pytest.fixture
def workers(tmp_path):
    """start(redis_url, queue) → a real `celery worker` process on the test database."""
    started = []

    def start(redis_url: str, queue: str, **env_extra) -> subprocess.Popen:
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.production.fault_worker_settings",
            "SECRET_KEY": "fault-tests",
            "DEBUG": "0",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "DB_CONN_MAX_AGE": "0",
            "BATON_TICKER_SECONDS": "0",
            **env_extra,
        }
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("w") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
                 "-n", f"fault{len(started)}-{uuid.uuid4().hex[:6]}@%h", "--pool", "solo",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
                cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        process.log = log
        started.append(process)
        wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, "the worker to start")
        assert process.poll() is None, log.read_text()[-3000:]
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _pg():
    db = settings.DATABASES["default"]
    return psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"])


def _blocked_backend(admin, own_pid: int) -> int | None:
    """The pid of a session of the test database waiting for a row lock (other than ours)."""
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s"
            " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
            [own_pid],
        )
        row = cursor.fetchone()
    return row[0] if row else None


class RowLock:
    """Hold `SELECT ... FOR UPDATE` on a process instance from a connection of our own, so the code
    under test stops, deterministically, at the moment it asks for the same row."""

    def __init__(self, instance_id: int):
        self.conn = _pg()
        self.admin = _pg()
        self.admin.autocommit = True
        with self.conn.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pid = cursor.fetchone()[0]
            table = ProcessInstance._meta.db_table
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [instance_id])

    def waiter(self) -> int:
        return wait_for(
            lambda: _blocked_backend(self.admin, self.pid), "the code under test to reach the lock"
        )

    def terminate(self, pid: int) -> None:
        with self.admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    def release(self) -> None:
        self.conn.rollback()

    def close(self) -> None:
        self.conn.close()
        self.admin.close()


# --- 1. a worker killed in the middle of a step ---------------------------------------------------


def test_a_worker_killed_mid_step_leaves_nothing_and_the_redelivered_message_advances_once(
    own_redis, workers
):
    # given an order waiting for its payment message, and a worker on our own Redis
    engine.definition_deploy(files={"messages.bpmn": MESSAGES_BPMN})
    instance = engine.start_process("order", started_by=None, variables={"order_id": 7})
    broker = own_redis()
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    first = workers(broker.url, queue)
    lock = RowLock(instance.pk)
    try:
        # when the worker is inside the step (its transaction waits for the instance row) ...
        # set_as_current=False: a new Celery app otherwise becomes the one `task.delay()` uses
        sender = Celery("fault-sender", broker=broker.url, set_as_current=False)
        sender.send_task(
            "engine.deliver_message", args=["payment_received", {"order_id": 7}, {"paid": 120}], queue=queue
        )
        orphan = lock.waiter()
        # ... and is killed outright
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
        lock.terminate(orphan)  # the dead worker's session goes too, as PostgreSQL does on its own
        lock.release()
    finally:
        lock.close()
    # then nothing of the half-done step is in the database
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.RUNNING
    assert not InstanceEvent.objects.filter(instance=instance, kind=InstanceEvent.Kind.MESSAGE).exists()
    # and the unacknowledged message goes to the next worker (acks_late), which finishes the step once
    workers(broker.url, queue)
    wait_for(
        lambda: ProcessInstance.objects.get(pk=instance.pk).status == ProcessInstance.Status.COMPLETED,
        "the redelivered message to complete the order",
    )
    instance.refresh_from_db()
    assert instance.variables["paid"] == 120
    assert InstanceEvent.objects.filter(instance=instance, kind=InstanceEvent.Kind.MESSAGE).count() == 1
    assert InstanceEvent.objects.filter(instance=instance, kind=InstanceEvent.Kind.COMPLETED).count() == 1
    client = broker.client()
    wait_for(lambda: client.llen(queue) == 0 and not client.hlen("unacked"), "the queue to drain")
    client.close()


# --- 2. Redis restarted with work queued ----------------------------------------------------------


@pytest.mark.parametrize("persistent", [False, True], ids=["queue-lost", "queue-kept"])
def test_redis_restarted_with_webhooks_queued_delivers_each_exactly_once(
    own_redis,
    workers,
    fake_server,  # noqa: F811
    settings,
    monkeypatch,
    persistent,
):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    webhook_subscribe(actor=None, name="ERP", url=fake_server.url + "/hook", events=["task.completed"])
    broker = own_redis(persistent=persistent)
    # The suite runs Celery eagerly; send these deliveries' messages, exactly as `_enqueue` does
    # (`deliver_webhook.delay(pk)`), to our own Redis instead, without touching the global app.
    sender = Celery("fault-sender", broker=broker.url, set_as_current=False)
    monkeypatch.setattr(
        webhooks, "_enqueue", lambda pk: sender.send_task("integrations.deliver_webhook", args=[pk])
    )
    # given five events queued for delivery while no worker runs
    with transaction.atomic():
        for n in range(5):
            publish("task.completed", {"task": n})
    client = broker.client()
    assert client.llen("celery") == 5
    client.close()
    # when Redis crashes and comes back (without persistence its queue is gone)
    broker.kill()
    broker.start()
    client = broker.client()
    assert client.llen("celery") == (5 if persistent else 0)
    client.close()
    # then a worker works off whatever survived ...
    workers(broker.url, "celery", WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    if persistent:
        wait_for(lambda: WebhookDelivery.objects.filter(status="delivered").count() == 5, "the deliveries")
    # ... and the sweep (beat, every minute) re-sends what was lost once it is overdue, and only that
    for minutes in (1, 6, 12):
        retry_due_webhooks(now=timezone.now() + timedelta(minutes=minutes))
    deliveries = list(WebhookDelivery.objects.all())
    assert {d.status for d in deliveries} == {"delivered"}
    assert [d.attempts for d in deliveries] == [1] * 5
    received = [r["headers"]["X-Baton-Delivery"] for r in fake_server.requests]
    assert sorted(received) == sorted(d.event_id for d in deliveries)  # each once, none twice


# --- 3. the database connection dropped in the middle of a request ---------------------------------


def test_a_request_whose_database_connection_is_killed_fails_cleanly_and_the_retry_succeeds():
    # given a person's task, and the request completing it stopped inside its transaction
    alice = EmployeeFactory(user__username="alice").user
    engine.definition_deploy(files={"two.bpmn": TWO_STEPS_BPMN})
    instance = engine.start_process("fault_two_steps", started_by=alice)
    task = HumanTask.objects.get(instance=instance, status="ready")
    url = f"/tasks/{task.pk}/complete/"
    responses = []

    def complete():
        client = Client(raise_request_exception=False)
        client.force_login(alice)
        try:
            responses.append(client.post(url, {}))
        finally:
            connection.close()

    lock = RowLock(instance.pk)
    thread = threading.Thread(target=complete)
    try:
        thread.start()
        # when PostgreSQL drops that request's connection (pg_terminate_backend)
        lock.terminate(lock.waiter())
        lock.release()
        thread.join(60)
    finally:
        lock.close()
    assert not thread.is_alive()
    # then the request fails with a clear "try again", and nothing of the step was written
    failed = responses[0]
    assert failed.status_code == 503
    assert "nothing was saved" in failed.content.decode().lower()
    task.refresh_from_db()
    assert task.status == HumanTask.Status.READY
    assert not HumanTask.objects.filter(instance=instance, element_id="check").exists()
    assert not InstanceEvent.objects.filter(
        instance=instance, kind=InstanceEvent.Kind.TASK_COMPLETED
    ).exists()
    # and the retry goes through, once
    client = Client()
    client.force_login(alice)
    assert client.post(url, {}).status_code == 302
    task.refresh_from_db()
    assert task.status == HumanTask.Status.COMPLETED
    assert HumanTask.objects.filter(instance=instance, element_id="check", status="ready").count() == 1
    assert (
        InstanceEvent.objects.filter(instance=instance, kind=InstanceEvent.Kind.TASK_COMPLETED).count() == 1
    )


# --- 4. a timer that fell due while everything was down ---------------------------------------------


def test_a_timer_due_during_downtime_fires_once_after_the_restart():
    engine.definition_deploy(files={"timer.bpmn": TIMER_BPMN})
    started = timezone.now()
    instance = engine.start_process("fault_timer", started_by=None)
    # when the whole system is down for three hours (nothing ticks) and comes back with two beats
    # sweeping at the same moment, and again a minute later
    with time_machine.travel(started + timedelta(hours=3), tick=False):
        results = []
        sweeps = [
            threading.Thread(target=lambda: (results.append(engine.fire_due_timers()), connection.close()))
            for _ in range(2)
        ]
        for sweep in sweeps:
            sweep.start()
        for sweep in sweeps:
            sweep.join(60)
    with time_machine.travel(started + timedelta(hours=3, minutes=1), tick=False):
        results.append(engine.fire_due_timers())
    # then the overdue timer fired exactly once, and the process went on
    assert sorted(results) == [0, 0, 1]
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert InstanceEvent.objects.filter(instance=instance, kind=InstanceEvent.Kind.TIMER_FIRED).count() == 1
