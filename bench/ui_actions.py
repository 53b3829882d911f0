"""UI write-action benchmark: what a person waits for after clicking, timed server-side through the
whole Django stack (middleware, session, view, engine, notifications run in-process) with Django's
test client, in the embedded mode (SQLite file) and on PostgreSQL (a scratch database).

The demo organisation and the shipped vehicle-request process; 300 vehicle requests (60 with
--quick) from two salespeople wait for their manager. Timed, each on a different task:
a) `complete`: the manager approves a request on its task page (POST .../complete/, decision
   approve): the engine runs to the next wait and offers "assign a vehicle" to the fleet group;
b) `claim`: a fleet administrator claims one of those from the group's queue (POST .../claim/);
c) `filter`: the fleet administrator filters the queue (GET /tasks/?view=queue&due=week&text=...)
   and the manager her tasks by process (GET /tasks/?process=vehicle_request), alternately.
Target: p95 <= 150 ms for each action in both modes. Wall and CPU time are both reported: on a
shared, loaded machine the wall time mostly measures the wait for a core (see the load average).
Each mode runs in its own Python process (a database engine cannot be swapped under a set-up
Django).

    python -m bench ui_actions [--quick]          (or ./baton bench [--quick] ui_actions)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 150.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["BATON_TICKER_SECONDS"] = "0"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("REDIS_URL", None)


def timed(fn, iterations: int) -> tuple[list[float], list[float], list[float], int]:
    """Per call: wall milliseconds, this process's CPU milliseconds (the server's own work, whatever
    else the machine runs; on PostgreSQL the database's work is in its own processes), milliseconds
    inside the database driver; and the queries of the last call."""
    from django.db import connection, reset_queries

    wall, cpu, sql, queries = [], [], [], 0
    for i in range(iterations):
        connection.force_debug_cursor = True
        reset_queries()
        started, started_cpu = time.perf_counter(), time.process_time()
        fn(i)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
        sql.append(sum(float(q["time"]) for q in connection.queries) * 1000)
        connection.force_debug_cursor = False
    return wall, cpu, sql, queries


def _world(requests_n: int) -> dict:
    """The demo organisation, the vehicle process bound, `requests_n` requests waiting."""
    import datetime
    import io

    from django.utils import timezone

    from office.seed import seed_demo as seed_office
    from office.services import vehicle_request_submit
    from org.models import User
    from org.seed import seed_demo as seed_org
    from processes.services import binding_set, definition_deploy

    seed_org(io.StringIO())
    seed_office(io.StringIO())
    shipped = ROOT / "bpmn"
    files = {p.name: p.read_bytes() for p in shipped.glob("vehicle_request*")}
    definition_deploy(files=files, actor=None, activate=True)
    binding_set(actor=None, event="vehicle.requested", process_key="vehicle_request")
    requesters = list(User.objects.filter(username__in=["zhang.wei", "liu.yang"]))
    start = timezone.now() + datetime.timedelta(days=2)
    for i in range(requests_n):
        begins = start + datetime.timedelta(hours=i)
        vehicle_request_submit(
            actor=requesters[i % 2],
            starts_at=begins,
            ends_at=begins + datetime.timedelta(hours=3),
            destination=f"客户现场 {i} 号",
            passengers=2,
        )
    return {"manager": User.objects.get(username="wang.fang"), "fleet": User.objects.get(username="ma.chao")}


def _measure(quick: bool) -> dict:
    """Run in a set-up Django pointed at a fresh database: build the world, time the actions."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from engine.models import HumanTask

    # pages link their CSS/JS by plain names (production runs collectstatic's hashed manifest)
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

    iterations = 60 if quick else 300
    started = time.perf_counter()
    people = _world(iterations)
    setup_s = time.perf_counter() - started
    manager, fleet = Client(), Client()
    manager.force_login(people["manager"])
    fleet.force_login(people["fleet"])
    approvals = list(
        HumanTask.objects.filter(
            assignee=people["manager"], status="ready", definition_key="vehicle_request"
        ).order_by("pk")
    )
    assert len(approvals) >= iterations, "a manager approval per request"

    def complete(i):
        response = manager.post(
            reverse("tasklist:task_complete", args=[approvals[i].pk]), {"decision": "approve", "comment": ""}
        )
        assert response.status_code == 302, response.status_code

    offered: list[int] = []

    def claim(i):
        response = fleet.post(reverse("tasklist:task_claim", args=[offered[i]]))
        assert response.status_code == 302, response.status_code

    def filtered(i):
        if i % 2:
            response = fleet.get("/tasks/", {"view": "queue", "due": "week", "text": "客户现场"})
        else:
            response = manager.get("/tasks/", {"view": "mine", "process": "vehicle_request"})
        assert response.status_code == 200, response.status_code

    results = {}
    for name, fn in (("complete", complete), ("claim", claim), ("filter", filtered)):
        if name == "claim":
            offered[:] = (
                HumanTask.objects.filter(
                    status="ready", assignee__isnull=True, definition_key="vehicle_request"
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            assert len(offered) >= iterations, f"{len(offered)} tasks in the fleet queue"
        samples, cpu, sql, queries = timed(fn, iterations)
        results[name] = {
            "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(percentile(samples, 0.95), 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
            "sql_p50_ms": round(statistics.median(sql), 1),
            "queries": queries,
        }
    assert HumanTask.objects.filter(assignee=people["fleet"], status="ready").count() >= iterations
    return {"iterations": iterations, "setup_s": round(setup_s, 1), "actions": results}


def child(mode: str, quick: bool) -> dict:
    """One mode, in this process: point Django at a fresh database of that kind and measure."""
    sys.path.insert(0, str(ROOT))
    _environment()
    if mode == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench_ui_") as folder:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/baton.sqlite3"
            import django
            from django.core.management import call_command

            django.setup()
            call_command("migrate", verbosity=0, interactive=False)
            return _measure(quick)
    from bench.engine import scratch_database

    with scratch_database():
        return _measure(quick)


def run(quick: bool) -> dict:
    figures: dict = {"bench": "ui_actions"}
    rows = []
    for mode in ("sqlite", "postgres"):
        command = [sys.executable, "-m", "bench.ui_actions", "--child", mode, *(["--quick"] if quick else [])]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            print(done.stdout[-2000:], done.stderr[-4000:], flush=True)
            figures[f"{mode}_failed"] = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
            continue
        result = json.loads(lines[-1])
        figures[f"{mode}_iterations"] = result["iterations"]
        for action, numbers in result["actions"].items():
            for key, value in numbers.items():
                figures[f"{mode}_{action}_{key}"] = value
            rows.append((mode, action, numbers))
    print(
        f"  {'mode':<9}{'action':<10}{'p50 ms':>8}{'p95 ms':>8}{'CPU p50':>9}{'CPU p95':>9}{'SQL p50':>9}"
        f"{'queries':>8}",
        flush=True,
    )
    for mode, action, numbers in rows:
        mark = "" if numbers["p95_ms"] <= TARGET_P95_MS else "  over the 150 ms target"
        print(
            f"  {mode:<9}{action:<10}{numbers['p50_ms']:>8.1f}{numbers['p95_ms']:>8.1f}"
            f"{numbers['cpu_p50_ms']:>9.1f}{numbers['cpu_p95_ms']:>9.1f}"
            f"{numbers['sql_p50_ms']:>9.1f}{numbers['queries']:>8}{mark}",
            flush=True,
        )
    figures["load_average"] = round(os.getloadavg()[0], 2)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if "--child" in sys.argv:
        print(json.dumps(child(sys.argv[sys.argv.index("--child") + 1], quick="--quick" in sys.argv)))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv)))
