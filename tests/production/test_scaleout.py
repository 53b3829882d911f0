"""Scale-out: one beat fires at a time (a second one stands by on the Redis lock), two Celery
workers sweeping the same due timers fire each timer once, and the web keeps no local state."""

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.schedules import schedule
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.beat import LockedMemoryScheduler
from core.models import Heartbeat

ROOT = Path(__file__).resolve().parents[2]


class RecordingScheduler(LockedMemoryScheduler):
    """The real locked scheduler; only the message to the broker is replaced by a note of it."""

    def __init__(self, *args, sent, **kwargs):
        self.sent = sent
        super().__init__(*args, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        self.sent.append((self.owner, entry.name))
        return None


@pytest.fixture
def beats(db):
    """make() → a scheduler on the test Redis, with an entry due at every tick, sharing a lock key
    of this test's own."""
    app = Celery("beat-lock-test", broker="memory://", set_as_current=False)
    app.conf.beat_schedule = {"sweep": {"task": "tests.sweep", "schedule": schedule(timedelta(0))}}
    key = f"test:beat:lock:{uuid.uuid4().hex}"
    sent: list = []
    made = []

    def make():
        scheduler = RecordingScheduler(app=app, sent=sent, redis_url=settings.TEST_REDIS_URL, lock_key=key)
        made.append(scheduler)
        return scheduler

    make.sent, make.key = sent, key
    yield make
    for scheduler in made:
        scheduler.release_lock()
    redis.Redis.from_url(settings.TEST_REDIS_URL).delete(key)


def fired_by(sent, scheduler) -> int:
    return sum(1 for owner, _ in sent if owner == scheduler.owner)


@pytest.mark.redis
def test_a_second_beat_stands_by_while_the_first_holds_the_lock(beats):
    first, second = beats(), beats()

    for _ in range(5):
        first.tick()
        assert second.tick() == second.standby_seconds

    assert fired_by(beats.sent, first) >= 5 and fired_by(beats.sent, second) == 0
    assert first.holding and not second.holding
    assert Heartbeat.objects.get(name="beat").owner == first.owner  # the holder keeps /healthz fed


@pytest.mark.redis
def test_the_standby_takes_over_when_the_first_beat_stops_and_the_first_never_fires_again(beats):
    first, second = beats(), beats()
    first.tick()
    second.tick()
    fired_before = fired_by(beats.sent, first)

    first.close()  # a clean shutdown releases the lock
    for _ in range(3):
        second.tick()
    assert fired_by(beats.sent, second) >= 3

    # a crashed holder's lock expires; simulate the expiry, then the old holder comes back
    redis.Redis.from_url(settings.TEST_REDIS_URL).delete(beats.key)
    third = beats()
    third.tick()  # takes the free lock
    for _ in range(3):
        assert second.tick() == second.standby_seconds  # its renewal fails: it stands by
        third.tick()
    assert not second.holding and third.holding
    assert fired_by(beats.sent, first) == fired_before


def test_without_redis_the_scheduler_fires_alone(db):
    app = Celery("beat-embedded-test", broker="memory://", set_as_current=False)
    app.conf.beat_schedule = {"sweep": {"task": "tests.sweep", "schedule": schedule(timedelta(0))}}
    sent: list = []
    scheduler = RecordingScheduler(app=app, sent=sent, redis_url="", lock_key="unused")
    scheduler.redis_url = ""  # no broker to share a lock with
    scheduler.tick()
    assert sent and scheduler.holding


def test_celery_beat_uses_the_locked_scheduler_by_default():
    from config.celery import app

    assert app.conf.beat_scheduler == "core.beat:LockedScheduler"


# -- two workers ---------------------------------------------------------------------------------


TIMER_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="scale_timer" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Wait a day">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _worker(queue: str, name: str, log: Path) -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-two-workers",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.TEST_REDIS_URL,
        "DB_CONN_MAX_AGE": "0",
        "BATON_TICKER_SECONDS": "0",
    }
    with log.open("w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", f"{name}@%h",
             "--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _wait(condition, what: str, seconds: float = 120) -> None:
    """Wait for a condition (not a speed assertion: the bound only stops a hung test)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.3)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_the_same_due_timers_fire_each_once(tmp_path):
    from engine import services
    from engine.models import InstanceEvent, ProcessInstance, Timer

    if connection.vendor != "postgresql":
        pytest.skip("the workers share the test database over PostgreSQL")
    # given 40 instances waiting on a timer that is already due, and two workers on one queue
    services.definition_deploy(files={"scale_timer.bpmn": TIMER_BPMN})
    ids = [services.start_process("scale_timer", started_by=None).pk for _ in range(40)]
    Timer.objects.filter(instance_id__in=ids).update(due_at=timezone.now() - timedelta(minutes=1))
    queue = f"test-two-workers-{uuid.uuid4().hex[:8]}"
    broker = redis.Redis.from_url(settings.TEST_REDIS_URL)
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    workers = [_worker(queue, "one", logs[0]), _worker(queue, "two", logs[1])]
    try:
        _wait(lambda: all("ready." in log.read_text() for log in logs), "both workers to be ready")
        # when both receive sweeps of the same due timers at the same time
        sender = Celery("two-workers-sender", broker=settings.TEST_REDIS_URL, set_as_current=False)
        for _ in range(8):
            sender.send_task("engine.fire_due_timers", queue=queue)

        def swept():
            done = ProcessInstance.objects.filter(pk__in=ids, status=ProcessInstance.Status.COMPLETED).count()
            return done == len(ids) and broker.llen(queue) == 0

        _wait(swept, "the timers to fire")
        _wait(lambda: sum(log.read_text().count("succeeded") for log in logs) == 8, "all sweeps to finish")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(60)
        broker.delete(queue)
        broker.close()

    # then every instance went on exactly once, and both workers took part
    assert ProcessInstance.objects.filter(pk__in=ids, status=ProcessInstance.Status.COMPLETED).count() == 40
    fired = InstanceEvent.objects.filter(instance_id__in=ids, kind=InstanceEvent.Kind.TIMER_FIRED)
    assert fired.count() == 40 and fired.values("instance").distinct().count() == 40
    assert all("engine.fire_due_timers" in log.read_text() for log in logs)


# -- stateless web ---------------------------------------------------------------------------------


def test_sessions_and_cache_are_shared_by_every_web_process():
    # sessions: the database (never a process's memory or local files)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    # cache: Redis as soon as CACHE_URL is given (API rate limits are counted across processes)
    probe = (
        "import json; from django.conf import settings as s; print(json.dumps([s.CACHES, s.SESSION_ENGINE]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CACHE_URL": "redis://cache.internal:6379/1",
        "SECRET_KEY": "settings-probe",
    }
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    caches, session_engine = json.loads(out.stdout.strip().splitlines()[-1])
    assert caches["default"] == {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }
    assert session_engine == "django.contrib.sessions.backends.db"
