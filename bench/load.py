"""HTTP load test against a real deployment started on loopback by this script.

It starts, on free loopback ports: a Redis server of its own, gunicorn (`config.wsgi`, WEB_WORKERS
sync workers, default 4; WEB_THREADS > 1 makes them gthread workers with that many threads),
one Celery worker (concurrency 2) and the Celery beat (locked scheduler), all on a fresh
PostgreSQL database (migrated and seeded with the demo company, then dropped), and waits for
/healthz to report all of them healthy. Then 16 concurrent users work it for 90 s (`--quick`:
15 s) through the public interfaces only:

- 10 clerks (API token auth): start the two-step approval process (`bench/data/approval.bpmn`,
  POST /api/v1/process-instances/), take its first task from the answer's `next_tasks` (else from
  their group queue, GET /api/v1/tasks/?view=queue) and complete it
  (POST /api/v1/tasks/<id>/complete/);
- 4 managers (API token auth): poll their queue for approval tasks, each taking its own share
  (task id modulo 4, so two managers never race for one task) and complete them;
- 2 customers (portal session + CSRF): open the complaint form and submit a complaint, which
  starts the shipped complaint process.

When the time is up the clerks stop starting, the managers drain the approvals, the Celery queue
is drained, and every server is stopped (also on failure). Then the database is checked:
every started approval is completed with both tasks completed exactly once (one completion event
each), no human task is open on an instance that is not running, every instance's history has its
`started` event (and `completed` for finished ones), every complaint submitted got its process.

Figures: completed approval instances/s (from the first request until the last approval
completed), p50/p95/p99 per endpoint in ms, errors (any unexpected status or exception), and
`lost` (consistency problems found afterwards). Targets: >= 50 approvals/s, 0 errors, 0 lost.

    python -m bench load [--quick]        (or ./baton bench [--quick] for every benchmark)
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DATA = Path(__file__).resolve().parent / "data"
CLERKS, MANAGERS, CUSTOMERS = 10, 4, 2
PASSWORD = "bench-load-Passw0rd"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:.0f} s")


@contextmanager
def _process(command: list[str], *, env: dict, log: Path, what: str):
    """A child in its own process group; on exit the group gets SIGTERM, then SIGKILL."""
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            if process.poll() is not None:
                break
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(wait)
            except subprocess.TimeoutExpired:
                continue


# -- seeding (in this process, on the bench database) ----------------------------------------------


def _seed_tag() -> str:
    """Changes whenever what seed() writes may change: the apps' demo seeds, the process, seed()."""
    import hashlib
    import inspect

    digest = hashlib.sha256(inspect.getsource(seed).encode())
    for path in sorted([*ROOT.glob("*/seed.py"), DATA / "approval.bpmn"]):
        digest.update(path.read_bytes())
    return "load_" + digest.hexdigest()[:12]


def issue_tokens() -> dict:
    """API tokens for the seeded clerks and managers (their secrets exist only at creation)."""
    from django.contrib.auth import get_user_model

    from api.services import token_create

    users = get_user_model().objects

    def tokens(prefix: str, count: int) -> list[str]:
        return [token_create(user=users.get(username=f"{prefix}{i}"), name="load")[1] for i in range(count)]

    return {
        "clerks": tokens("load.clerk", CLERKS),
        "managers": tokens("load.manager", MANAGERS),
        "customer": "customer@demo.example",
    }


def seed() -> None:
    """Demo company, bench clerks and managers, the approval process, a customer's password.
    Runs once per template (see _seed_tag); each run copies the result."""
    import io

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from engine import services
    from org.models import Employee

    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        logging.disable(logging.INFO)
        try:
            call_command("seed_demo", stdout=quiet)
        finally:
            logging.disable(logging.NOTSET)
    users = get_user_model()
    admin = users.objects.get(username="admin")
    services.definition_deploy(
        files={"approval.bpmn": (DATA / "approval.bpmn").read_bytes()}, deployed_by=admin
    )

    def staff(prefix: str, count: int, lane: str, like: str) -> None:
        """Employees like the demo user `like` (same department and groups), also in `lane`."""
        group, _ = Group.objects.get_or_create(name=lane)
        model = users.objects.get(username=like)
        groups = [group, *model.groups.all()]
        for i in range(count):
            user = users.objects.create_user(f"{prefix}{i}", password=PASSWORD)
            user.groups.add(*groups)
            Employee.objects.create(
                user=user, code=f"{prefix}{i}", name=f"{prefix}{i}", department=model.employee.department
            )

    customer = users.objects.get(username="customer@demo.example")
    customer.set_password(PASSWORD)
    customer.save(update_fields=["password"])
    staff("load.clerk", CLERKS, "bench_sales", "zhang.wei")
    staff("load.manager", MANAGERS, "bench_managers", "wang.fang")


def _complaint_category() -> str:
    from portal import selectors

    categories = list(selectors.complaint_categories())
    first = categories[0] if categories else ""
    return str(first[0] if isinstance(first, list | tuple) else first)


# -- the deployment ----------------------------------------------------------------------------------


def _static_outdated(static_root: Path) -> bool:
    manifest = static_root / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = [ROOT / "static", *ROOT.glob("*/static")]
    newest = max((f.stat().st_mtime for d in sources for f in d.rglob("*") if f.is_file()), default=0)
    return newest > manifest.stat().st_mtime


@contextmanager
def deployment(database: str, workdir: Path, web_workers: int, web_threads: int = 1):
    redis_port, web_port = _free_port(), _free_port()
    admin_url = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{admin_url.rsplit('/', 1)[0]}/{database}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
        "SECRET_KEY": "bench-load-secret-key-not-for-production",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        # connections live through the run, so the PostgreSQL backends' CPU is counted whole
        "DB_CONN_MAX_AGE": "600",
        "API_TOKEN_RATE": "1000000/minute",
        "API_USER_RATE": "1000000/minute",
        "BATON_TICKER_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    # DEBUG=0 serves the hashed static files of the manifest, as in production.
    if _static_outdated(Path(env["STATIC_ROOT"])):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    with ExitStack() as stack:
        redis = stack.enter_context(
            _process(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(workdir)],
                env=env, log=workdir / "redis.log", what="redis",
            )
        )  # fmt: skip
        _wait_for_port(redis_port, redis, "redis-server")
        sessions = {"redis": redis.pid}
        web = stack.enter_context(
            _process(
                [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
                 "--workers", str(web_workers), "--worker-tmp-dir", str(workdir), "--log-level", "warning",
                 *([] if web_threads <= 1 else ["--worker-class", "gthread", "--threads", str(web_threads)])],
                env=env, log=workdir / "gunicorn.log", what="gunicorn",
            )
        )  # fmt: skip
        sessions["gunicorn"] = web.pid
        worker = stack.enter_context(
            _process(
                [str(VENV_BIN / "celery"), "-A", "config", "worker", "--concurrency", "2", "--loglevel",
                 "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                env=env, log=workdir / "celery.log", what="celery",
            )
        )  # fmt: skip
        sessions["celery worker"] = worker.pid
        beat = stack.enter_context(
            _process(
                [str(VENV_BIN / "celery"), "-A", "config", "beat", "--loglevel", "WARNING",
                 "--schedule", str(workdir / "celerybeat-schedule")],
                env=env, log=workdir / "beat.log", what="celery beat",
            )
        )  # fmt: skip
        _wait_for_port(web_port, web, "gunicorn")
        _warm_up(f"http://127.0.0.1:{web_port}", web_workers)
        sessions["celery beat"] = beat.pid
        yield {"url": f"http://127.0.0.1:{web_port}", "redis_port": redis_port, "sessions": sessions}


def _warm_up(base: str, workers: int) -> None:
    """Until /healthz answers 200 (database, broker and the beat's heartbeat), and then enough
    requests for every web worker to have loaded the app."""
    import requests

    deadline = time.monotonic() + 60
    body = ""
    while True:
        try:
            response = requests.get(f"{base}/healthz", timeout=10)
            body = response.text
            if response.status_code == 200:
                break
        except requests.RequestException as error:
            body = str(error)
        if time.monotonic() > deadline:
            raise RuntimeError(f"the deployment did not become healthy within 60 s: {body}")
        time.sleep(0.3)
    for _ in range(4 * workers):
        requests.get(f"{base}/portal/login/", timeout=30)


def _scrape(base: str) -> dict[str, float]:
    """The deployment's own /metrics (this script is a loopback client)."""
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    text = requests.get(f"{base}/metrics", timeout=30).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


def cpu_seconds(sessions: dict[str, int], database: str) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each part of the deployment: every process in
    the session of each started server (gunicorn master + workers, ...), PostgreSQL backends
    serving the bench database, and this driver process. Read from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    by_session = {pid: name for name, pid in sessions.items()}
    totals = dict.fromkeys([*sessions, "postgres", "driver"], 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # ended while we looked
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / ticks
        session = int(fields[3])
        if session in by_session:
            totals[by_session[session]] += used
        elif cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            totals["postgres"] += used
    own = os.times()
    totals["driver"] = own.user + own.system
    return totals


def _queue_length(redis_port: int) -> int:
    import redis

    return redis.Redis(port=redis_port).llen("celery")


# -- the users ---------------------------------------------------------------------------------------


def _guarded(target, rec: Recorder):
    """A user thread that crashes counts as an error instead of vanishing silently."""

    def run(*args):
        try:
            target(*args)
        except Exception as error:
            with rec.lock:
                rec.errors.append(f"{target.__name__} crashed: {error.__class__.__name__}: {error}")

    return run


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def call(self, session, endpoint: str, method: str, url: str, *, expect=(200,), **kwargs):
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=60, allow_redirects=False, **kwargs)
        except Exception as error:
            with self.lock:
                self.errors.append(f"{endpoint}: {error.__class__.__name__}: {error}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[endpoint].append(elapsed)
            if response.status_code not in expect:
                self.errors.append(f"{endpoint}: HTTP {response.status_code} {response.text[:200]}")
                return None
        return response


class _Answer:
    """What the driver reads of an HTTP answer (the names `requests` uses)."""

    def __init__(self, status: int, content: bytes):
        self.status_code, self.content = status, content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


class _ApiClient:
    """The API users' HTTP client: token auth, JSON bodies, one connection per request (gunicorn's
    sync workers close it after each answer). The driver shares the two cores with the deployment,
    so its own CPU counts against the rate: `requests` took about three times the CPU of
    http.client per call here (docs/benchmarks.md, "Reading the load figures")."""

    def __init__(self, base: str, token: str):
        address = urllib.parse.urlsplit(base)
        self.host, self.port = address.hostname, address.port
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def request(self, method: str, url: str, *, timeout: float, allow_redirects: bool = False, params=None,
                json=None) -> _Answer:  # fmt: skip
        del allow_redirects  # (the API answers without redirects)
        path = urllib.parse.urlsplit(url).path + (f"?{urllib.parse.urlencode(params)}" if params else "")
        headers, body = dict(self.headers), None
        if json is not None:
            body = _json_bytes(json)
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return _Answer(response.status, response.read())
        finally:
            connection.close()


def _json_bytes(value) -> bytes:
    return json.dumps(value).encode()


def clerk(base: str, token: str, rec: Recorder, stop: threading.Event, started: list, lock) -> None:
    session = _ApiClient(base, token)
    while not stop.is_set():
        response = rec.call(
            session, "POST process-instances", "POST", f"{base}/api/v1/process-instances/",
            json={"key": "bench_approval"}, expect=(201,),
        )  # fmt: skip
        if response is None:
            time.sleep(0.1)
            continue
        body = response.json()
        instance_id = body["id"]
        with lock:
            started.append(instance_id)
        # the start answers with the starter's next task, as the inbox's "start and continue" does
        task_id = next((t["id"] for t in body.get("next_tasks", []) if t["name"] == "Enter request"), None)
        for _attempt in range(0 if task_id is not None else 50):
            listing = rec.call(
                session, "GET tasks?view=queue", "GET", f"{base}/api/v1/tasks/",
                params={"view": "queue", "process": "bench_approval", "name": "Enter request"},
            )  # fmt: skip
            if listing is None:
                break
            task_id = next((t["id"] for t in listing.json()["results"] if t["instance"] == instance_id), None)
            if task_id is not None:
                break
            time.sleep(0.05)
        if task_id is None:
            with rec.lock:
                rec.errors.append(f"instance {instance_id}: its first task never showed in the queue")
            continue
        rec.call(
            session, "POST tasks/<id>/complete", "POST", f"{base}/api/v1/tasks/{task_id}/complete/",
            json={"data": {"amount": 5000}},
        )  # fmt: skip


def manager(base: str, token: str, index: int, rec: Recorder, done: threading.Event, completed: list, lock):
    session = _ApiClient(base, token)
    while True:
        listing = rec.call(
            session, "GET tasks?view=queue", "GET", f"{base}/api/v1/tasks/",
            params={"view": "queue", "process": "bench_approval", "name": "Approve request",
                    "page_size": 200},
        )  # fmt: skip
        mine = [
            t
            for t in (listing.json()["results"] if listing is not None else [])
            if t["id"] % MANAGERS == index
        ]
        if not mine:
            if done.is_set():
                return
            time.sleep(0.05)
            continue
        for task in mine:
            response = rec.call(
                session, "POST tasks/<id>/complete", "POST", f"{base}/api/v1/tasks/{task['id']}/complete/",
                json={"data": {"approved": True}},
            )  # fmt: skip
            if response is not None and response.json().get("status") == "completed":
                with lock:
                    completed.append((task["instance"], time.perf_counter()))


def customer(base: str, username: str, category: str, rec: Recorder, stop: threading.Event, submitted: list):
    import requests

    session = requests.Session()
    page = rec.call(session, "GET portal/login", "GET", f"{base}/portal/login/")
    token = CSRF_INPUT.search(page.text).group(1) if page is not None else ""
    login = rec.call(
        session, "POST portal/login", "POST", f"{base}/portal/login/", expect=(302,),
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/portal/login/"},
    )  # fmt: skip
    if login is None:
        return
    number = 0
    while not stop.is_set():
        form = rec.call(session, "GET portal/complaints/new", "GET", f"{base}/portal/complaints/new/")
        if form is None:
            time.sleep(0.1)
            continue
        number += 1
        subject = f"load {threading.get_ident()} #{number}"
        response = rec.call(
            session, "POST portal/complaints/new", "POST", f"{base}/portal/complaints/new/", expect=(302,),
            data={"csrfmiddlewaretoken": CSRF_INPUT.search(form.text).group(1), "category": category,
                  "subject": subject, "description": "The pump leaks again after the last service."},
            headers={"Referer": f"{base}/portal/complaints/new/"},
        )  # fmt: skip
        if response is not None:
            submitted.append(subject)
        time.sleep(0.2)  # a person types between two complaints


# -- afterwards: the database -------------------------------------------------------------------------


def verify(started: list[int], subjects: list[str]) -> list[str]:
    from django.db.models import Count, Q

    from crm.models import Complaint
    from engine.models import HumanTask, InstanceEvent, ProcessInstance

    problems = []
    instances = ProcessInstance.objects.filter(pk__in=started)
    not_done = instances.exclude(status=ProcessInstance.Status.COMPLETED).count()
    if instances.count() != len(started):
        problems.append(f"{len(started) - instances.count()} started approval instance(s) missing")
    if not_done:
        problems.append(f"{not_done} approval instance(s) not completed")
    tasks = HumanTask.objects.filter(instance__in=started)
    bad_tasks = (
        tasks.annotate(completions=Count("events", filter=Q(events__kind=InstanceEvent.Kind.TASK_COMPLETED)))
        .exclude(status=HumanTask.Status.COMPLETED, completions=1)
        .count()
    )
    if tasks.count() != 2 * len(started):
        problems.append(f"{tasks.count()} human tasks for {len(started)} two-step instances")
    if bad_tasks:
        problems.append(f"{bad_tasks} approval task(s) not completed exactly once")
    orphans = HumanTask.objects.filter(status=HumanTask.Status.READY).exclude(
        instance__status__in=[ProcessInstance.Status.RUNNING, ProcessInstance.Status.ERROR]
    )
    if orphans.exists():
        problems.append(f"{orphans.count()} open human task(s) on ended instances")
    no_start = ProcessInstance.objects.exclude(events__kind=InstanceEvent.Kind.STARTED).count()
    no_end = (
        ProcessInstance.objects.filter(status=ProcessInstance.Status.COMPLETED)
        .exclude(events__kind=InstanceEvent.Kind.COMPLETED)
        .count()
    )
    if no_start or no_end:
        problems.append(f"history incomplete: {no_start} without 'started', {no_end} without 'completed'")
    complaints = Complaint.objects.filter(subject__in=subjects)
    if complaints.count() != len(subjects):
        problems.append(f"{len(subjects) - complaints.count()} submitted complaint(s) not stored")
    complaint_ids = [str(pk) for pk in complaints.values_list("pk", flat=True)]
    with_process = (
        ProcessInstance.objects.filter(
            business_object_id__in=complaint_ids, business_object_type__model="complaint"
        )
        .values("business_object_id")
        .distinct()
        .count()
    )
    if with_process != len(complaint_ids):
        problems.append(f"{len(complaint_ids) - with_process} complaint(s) without their process")
    return problems


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        value = values[0] * 1000 if values else 0.0
        return value, value, value
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def run(quick: bool) -> dict:
    from bench.engine import scratch_database

    duration = 15 if quick else 90
    setup_started = time.perf_counter()
    web_workers = int(os.environ.get("WEB_WORKERS", "4"))
    web_threads = int(os.environ.get("WEB_THREADS", "1"))
    rec = Recorder()
    started: list[int] = []
    completed: list[tuple[int, float]] = []
    subjects: list[str] = []
    lock = threading.Lock()
    prepared = (_seed_tag(), seed)
    with scratch_database(prepared) as database, tempfile.TemporaryDirectory(prefix="baton-load-") as tmp:
        seeded = issue_tokens()
        category = _complaint_category()
        from django.db import connections

        connections.close_all()
        with deployment(database, Path(tmp), web_workers, web_threads) as live:
            base = live["url"]
            setup_seconds = time.perf_counter() - setup_started
            stop, done = threading.Event(), threading.Event()
            threads = [
                threading.Thread(target=_guarded(clerk, rec), args=(base, token, rec, stop, started, lock))
                for token in seeded["clerks"]
            ]
            threads += [
                threading.Thread(
                    target=_guarded(manager, rec), args=(base, token, i, rec, done, completed, lock)
                )
                for i, token in enumerate(seeded["managers"])
            ]
            threads += [
                threading.Thread(
                    target=_guarded(customer, rec),
                    args=(base, seeded["customer"], category, rec, stop, subjects),
                )
                for _ in range(CUSTOMERS)
            ]
            cpu_before = cpu_seconds(live["sessions"], database)
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            time.sleep(duration)
            stop.set()
            for thread in threads[:CLERKS]:
                thread.join()
            drain_until = time.monotonic() + 120
            while len(completed) < len(started) and time.monotonic() < drain_until:
                time.sleep(0.1)
            done.set()
            for thread in threads:
                thread.join()
            last = max((at for _, at in completed), default=time.perf_counter())
            while _queue_length(live["redis_port"]) and time.monotonic() < drain_until:
                time.sleep(0.2)
            time.sleep(1)  # the worker acks its last task
            cpu_after = cpu_seconds(live["sessions"], database)
            metrics = _scrape(base)
        lost = verify(started, subjects)
        connections.close_all()
    elapsed = last - began
    for message in sorted(set(rec.errors))[:5] + lost:
        print(f"  load problem: {message}", file=sys.stderr)
    figures = {
        "bench": "load",
        "approvals_pi_s": round(len(completed) / elapsed, 2),
        # completions per second in each 15 s of the run: a rate that sinks as the tables grow
        # would show here
        "approvals_pi_s_by_15s": " ".join(
            f"{sum(1 for _i, at in completed if began + t <= at < began + t + 15) / 15:.1f}"
            for t in range(0, int(elapsed), 15)
        ),
        "errors": len(rec.errors),
        "lost": len(lost),
        "approvals_started": len(started),
        "approvals_completed": len(completed),
        "complaints_submitted": len(subjects),
        "users": CLERKS + MANAGERS + CUSTOMERS,
        "web_workers": web_workers,
        "web_threads": web_threads,
        "seconds": round(elapsed, 1),
        "requests": sum(len(v) for v in rec.times.values()),
        "setup_seconds": round(setup_seconds, 1),
        "metrics_tasks_completed": metrics.get("baton_human_tasks_completed_total", -1),
        "metrics_incidents_open": metrics.get("baton_incidents_open", -1),
    }
    # Where the two cores went: CPU ms per completed approval (the portal complaints included).
    for part, used in cpu_after.items():
        per_approval = 1000 * (used - cpu_before[part]) / max(len(completed), 1)
        figures[f"cpu ms/approval {part}"] = round(per_approval, 1)
    for endpoint, values in sorted(rec.times.items()):
        p50, p95, p99 = _percentiles(values)
        figures[f"{endpoint} p50/p95/p99 ms"] = f"{p50:.0f}/{p95:.0f}/{p99:.0f} (n={len(values)})"
    print(
        f"  {figures['approvals_pi_s']} approvals/s over HTTP, {figures['errors']} errors, "
        f"{figures['lost']} consistency problems, {figures['requests']} requests",
        flush=True,
    )
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    run(quick="--quick" in sys.argv)
