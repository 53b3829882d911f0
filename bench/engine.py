"""Engine benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

a) the approval process (start -> user task in lane A -> exclusive gateway -> user task in lane B ->
   script -> end), N instances, by raw SpiffWorkflow in memory (JSON serialize/deserialize at each
   user task) and by our services (each step a transaction): instances/s each and
   `persisted/raw` (target >= 0.5);
b) a loop process, 1,000 iterations of a user task, completed to the end: time and bytes written
   for steps 1-10 vs 991-1000 (target ratio <= 1.5 for both); `--quick` runs 200 iterations and
   compares steps 1-10 with 191-200, so that `./baton bench --quick` stays within 3 minutes. Time is the
   median step of a window; `loop_time_ratio` compares the last ten steps with the first ten
   steps of a fresh instance interleaved with them (same machine load), and
   `loop_time_ratio_sequential` with the long instance's own first ten steps (a minute earlier).
   Bytes are the parameter bytes of every INSERT/UPDATE a step sends to the database;
c) 16 threads completing the tasks of M instances concurrently: completed instances/s and errors
   (target 0);
d) the same flow in django-viewflow (bench/_engine_peer.py, with the `bench` extra), alternating
   with Baton's: Baton/viewflow on one thread (target >= 2) and at 16 threads (target >= 3), and
   the SQL statements one instance sends on each side (Baton's target <= 15).

    python -m bench engine [--quick]      (or ./baton bench [--quick] for every benchmark)
"""

from __future__ import annotations

import json
import os
import queue
import statistics
import sys
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).resolve().parent / "data"
ADMIN_DATABASE_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
THREADS = 16
# A Redis database of the benchmark's own for the shared cache ("" to run without one).
BENCH_CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")


# -- scratch database ------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(ADMIN_DATABASE_URL)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def _admin_query(sql: str, params=()) -> list:
    import psycopg2

    connection = psycopg2.connect(ADMIN_DATABASE_URL)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def _migrations_key() -> str:
    """A hash of every migration file: the migrated template is reused until one changes."""
    import hashlib

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _point_django_at(name: str) -> str | None:
    """Use database `name` from now on; returns the previous name (None: Django was not set up)."""
    import django
    from django.apps import apps
    from django.conf import settings

    if not apps.ready:
        os.environ["DATABASE_URL"] = f"{ADMIN_DATABASE_URL.rsplit('/', 1)[0]}/{name}"
        django.setup()
        return None
    from django.db import connections

    connections.close_all()
    previous = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    return previous


def _build_template(template: str, prepare, *, source: str | None = None) -> str:
    """Create database `template` (a copy of `source`, or empty) and run `prepare()` in it, unless
    it exists already. Built under a temporary name and renamed, so a half-built one never counts."""
    if _admin_query("SELECT 1 FROM pg_database WHERE datname = %s", (template,)):
        return template
    build = f"{template}_build_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{build}"')
    _admin(f'CREATE DATABASE "{build}"' + (f' TEMPLATE "{source}"' if source else ""))
    _point_django_at(build)
    from django.db import connections

    try:
        prepare()
    except BaseException:
        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{build}" WITH (FORCE)')
        raise
    connections.close_all()
    try:
        _admin(f'ALTER DATABASE "{build}" RENAME TO "{template}"')
    except Exception:  # another benchmark built it meanwhile
        _admin(f'DROP DATABASE IF EXISTS "{build}"')
    return template


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False, skip_checks=True)


def _migrated_template() -> str:
    """A migrated database to copy from (CREATE DATABASE ... TEMPLATE, a second or two) instead
    of running every migration for each benchmark. Built once per set of migration files."""
    template = f"bench_tpl_{_migrations_key()}"
    if _admin_query("SELECT 1 FROM pg_database WHERE datname = %s", (template,)):
        return template
    _build_template(template, _migrate)
    for (old,) in _admin_query("SELECT datname FROM pg_database WHERE datname LIKE 'bench_tpl_%%'"):
        if not old.startswith(template) and "_build_" not in old:
            with suppress(Exception):  # in use by a benchmark copying it right now
                _admin(f'DROP DATABASE IF EXISTS "{old}"')  # outdated migrations
    return template


@contextmanager
def scratch_database(prepared: tuple[str, object] | None = None):
    """A fresh, migrated PostgreSQL database (a copy of the migrated template), also when another
    benchmark already set Django up; dropped at the end. `prepared=(tag, prepare)`: a copy of a
    second template, the migrated one after `prepare()` ran in it (seed data); `tag` must change
    whenever what `prepare` writes does."""
    name = f"bench_baton_{os.getpid()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DB_CONN_MAX_AGE"] = "0"
    os.environ["BATON_TICKER_SECONDS"] = "0"
    os.environ.pop("REDIS_URL", None)
    if BENCH_CACHE_URL:  # the shared cache a deployment has (docker-compose.yml: CACHE_URL)
        os.environ.setdefault("CACHE_URL", BENCH_CACHE_URL)
    from django.apps import apps

    original = None
    if apps.ready:
        from django.conf import settings

        original = settings.DATABASES["default"]["NAME"]
    template = _migrated_template()
    if prepared is not None:
        tag, prepare = prepared
        template = _build_template(f"{template}_{tag}", prepare, source=template)
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _point_django_at(name)
    try:
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        if original is not None:
            _point_django_at(original)
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- (a) the approval process, raw and persisted ---------------------------------------------------


class RawApproval:
    """The approval process run by plain SpiffWorkflow in memory, its state serialized to JSON and
    read back at each user task (what a naive persistence would do, without a database)."""

    def __init__(self):
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(DATA / "approval.bpmn"))
        self.spec = parser.get_spec("bench_approval")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    def run_one(self) -> None:
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        for data in ({"amount": 5000}, {"approved": True}):
            workflow = self.serializer.deserialize_json(self.serializer.serialize_json(workflow))
            task = next(t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual)
            task.data.update(data)
            task.run()
            workflow.do_engine_steps()
        assert workflow.completed and workflow.data["status"] == "approved"


class Org:
    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        users = get_user_model()
        sales, _ = Group.objects.get_or_create(name="bench_sales")
        managers, _ = Group.objects.get_or_create(name="bench_managers")
        self.clerk = users.objects.create_user("bench_clerk", password="x")
        self.clerk.groups.add(sales)
        self.manager = users.objects.create_user("bench_manager", password="x")
        self.manager.groups.add(managers)

    def worker_for(self, task):
        return self.manager if task.element_id == "approve" else self.clerk


def deploy(name: str, user):
    from engine import services

    return services.definition_deploy(files={name: (DATA / name).read_bytes()}, deployed_by=user)


def settle() -> None:
    """ANALYZE the scratch database, untimed, before each timed batch: what autovacuum does in a
    live database as its tables grow. The benchmark grows its tables from empty within seconds,
    before autovacuum first looks (autovacuum_naptime, a minute); without statistics PostgreSQL keeps
    the generic plan of a prepared statement made while the tables were nearly empty (a sequential
    scan of the task table in Baton's lock read, engine.persistence), and its cost then grows with
    every instance (15-25% of the single-thread rate by the last phase, measured). The peer's
    database is analyzed at the same points (bench/_engine_peer.py)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class NextTask(NamedTuple):
    pk: int
    element_id: str


def open_task(instance_id: int) -> NextTask | None:
    """The instance's first open task, as a person picks it from their inbox: one SQL statement
    and no model built, read the same way on both sides of the comparison (the peer's
    Peer.open_task). The harness's own lookup is not the engine's step cost: through the ORM it
    cost 0.45 ms of CPU a call, this about 0.05 ms. Measured against the ORM lookup, alternating:
    Baton's side ran 1.21x faster on one thread and 1.37x at 16 threads, viewflow's 1.13x on both
    (docs/benchmarks.md, session 14)."""
    from django.db import connection

    from engine.models import HumanTask

    table = connection.ops.quote_name(HumanTask._meta.db_table)
    sql = f"SELECT id, element_id FROM {table} WHERE instance_id = %s AND status = %s ORDER BY id LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, [instance_id, HumanTask.Status.READY])
        row = cursor.fetchone()
    return NextTask(*row) if row else None


def persisted_approval(org: Org) -> int:
    """The approval process through our services: start and two completions, three transactions,
    each in a request's memo (core.memo, as RequestMemoMiddleware opens one for every request):
    with a shared cache (CACHE_URL, as deployed), slow-changing reads (groups, the active version,
    webhook subscriptions) are remembered across requests, as in production."""
    from core.memo import request_memo
    from engine import services

    with request_memo():
        instance = services.start_process("bench_approval", started_by=org.clerk)
    with request_memo():
        services.complete_task(open_task(instance.pk).pk, user=org.clerk, data={"amount": 5000})
    with request_memo():
        services.complete_task(open_task(instance.pk).pk, user=org.manager, data={"approved": True})
    return instance.pk


def bare_approval(org: Org) -> int:
    """The same without any memo (as a Celery task or a command calls the services)."""
    from engine import services

    instance = services.start_process("bench_approval", started_by=org.clerk)
    services.complete_task(open_task(instance.pk).pk, user=org.clerk, data={"amount": 5000})
    services.complete_task(open_task(instance.pk).pk, user=org.manager, data={"approved": True})
    return instance.pk


def approvals(org: Org, n: int) -> tuple[float, float, int]:
    """(raw, persisted) instances/s and the SQL statements one persisted instance sends. Raw and
    persisted runs alternate, one instance each, so both are measured under the same load."""
    from django.db import connection

    from engine.models import ProcessInstance

    raw = RawApproval()
    raw.run_one()  # warm up: imports, parser, spec cache, connection
    persisted_approval(org)
    counter = WriteCounter()
    with connection.execute_wrapper(counter):
        persisted_approval(org)
    bare = WriteCounter()
    with connection.execute_wrapper(bare):
        bare_approval(org)
    print(f"  SQL statements per instance: {counter.queries} in requests, {bare.queries} bare", flush=True)
    settle()
    raw_seconds = persisted_seconds = 0.0
    ids = []
    for _ in range(n):
        started = time.perf_counter()
        raw.run_one()
        middle = time.perf_counter()
        ids.append(persisted_approval(org))
        persisted_seconds += time.perf_counter() - middle
        raw_seconds += middle - started
    done = ProcessInstance.objects.filter(pk__in=ids, status=ProcessInstance.Status.COMPLETED).count()
    assert done == n, f"only {done} of {n} approval instances completed"
    return n / raw_seconds, n / persisted_seconds, counter.queries


def persisted_without_commit_flush(org: Org, n: int) -> float:
    """Diagnostic, not a production setting: the same persisted approvals with the session's
    synchronous_commit off, i.e. commits not waiting for the WAL flush. The gap to the durable
    figure is the fsync cost on this machine's disk."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        started = time.perf_counter()
        for _ in range(n):
            persisted_approval(org)
        return n / (time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


class WriteCounter:
    """Counts statements, and the parameter bytes of INSERT/UPDATE statements (what a step writes)."""

    def __init__(self):
        self.bytes = 0
        self.statements = 0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        verb = sql.lstrip()[:6].upper()
        if verb in ("INSERT", "UPDATE", "WITH W"):  # (WITH w0 AS (...): a step's writes, batched)
            self.statements += 1
            rows = params if many else [params]
            for row in rows or []:
                values = row.values() if isinstance(row, dict) else row or []
                self.bytes += sum(len(v if isinstance(v, bytes) else str(v).encode()) for v in values)
        return execute(sql, params, many, context)


def loop_steps(org: Org, iterations: int) -> dict:
    """Run one loop instance through all its iterations. The last ten steps are interleaved with
    the first ten steps of a fresh instance, so both windows are timed under the same machine load
    (the machine is shared; load drifts over the minute the loop takes)."""
    from django.db import connection

    from engine import services
    from engine.models import ProcessInstance

    def start():
        return services.start_process(
            "bench_loop", started_by=org.clerk, variables={"rounds": 0, "limit": iterations}
        )

    def step(instance) -> tuple[float, int]:
        task = open_task(instance.pk)
        assert task is not None, f"loop instance {instance.pk} has no open task"
        counter = WriteCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            services.complete_task(task.pk, user=org.clerk, data={})
            return time.perf_counter() - started, counter.bytes

    settle()
    long_run = start()
    first = [step(long_run) for _ in range(10)]
    for _ in range(10, iterations - 10):
        step(long_run)
    fresh = start()
    last, control = [], []
    for _ in range(10):
        last.append(step(long_run))
        control.append(step(fresh))
    long_run.refresh_from_db()
    assert long_run.status == ProcessInstance.Status.COMPLETED, f"loop instance is {long_run.status}"
    assert long_run.variables.get("rounds") == iterations, long_run.variables

    def median_ms(window):
        return statistics.median(t for t, _ in window) * 1000

    def total_bytes(window):
        return sum(b for _, b in window)

    return {
        "loop_iterations": iterations,
        "loop_first10_ms": median_ms(first),
        "loop_last10_ms": median_ms(last),
        "loop_control10_ms": median_ms(control),
        "loop_time_ratio": median_ms(last) / median_ms(control),
        "loop_time_ratio_sequential": median_ms(last) / median_ms(first),
        "loop_first10_bytes": total_bytes(first),
        "loop_last10_bytes": total_bytes(last),
        "loop_bytes_ratio": total_bytes(last) / total_bytes(first),
    }


def concurrent_approvals(org: Org, instances: int) -> dict:
    from django.db import connection

    from core.memo import request_memo
    from engine import services
    from engine.models import HumanTask, InstanceEvent, ProcessInstance

    ids = [services.start_process("bench_approval", started_by=org.clerk).pk for _ in range(instances)]
    work: queue.Queue = queue.Queue()
    for instance_id in ids:
        work.put(instance_id)
    errors: list[str] = []
    lock = threading.Lock()
    settle()

    def worker():
        try:
            while True:
                try:
                    instance_id = work.get_nowait()
                except queue.Empty:
                    return
                task = open_task(instance_id)
                if task is None:
                    continue
                try:
                    data = {"amount": 5000} if task.element_id == "request" else {"approved": True}
                    with request_memo():
                        services.complete_task(task.pk, user=org.worker_for(task), data=data)
                except Exception as error:
                    with lock:
                        errors.append(f"{error.__class__.__name__}: {error}")
                work.put(instance_id)  # its next task (if any) goes to the back of the queue
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    completed = ProcessInstance.objects.filter(pk__in=ids, status=ProcessInstance.Status.COMPLETED).count()
    tasks_done = HumanTask.objects.filter(instance_id__in=ids, status=HumanTask.Status.COMPLETED).count()
    completions = InstanceEvent.objects.filter(
        instance_id__in=ids, kind=InstanceEvent.Kind.TASK_COMPLETED
    ).count()
    if completed != instances:
        errors.append(f"{instances - completed} instance(s) did not complete")
    if tasks_done != 2 * instances or completions != 2 * instances:
        errors.append(f"{tasks_done} tasks / {completions} completion events for {2 * instances} tasks")
    for message in sorted(set(errors))[:5]:
        print(f"  concurrent error: {message}", file=sys.stderr)
    return {
        "concurrent_instances": instances,
        "concurrent_threads": THREADS,
        "concurrent_pi_s": completed / elapsed,
        "errors": len(errors),
    }


def versus_peer(
    org: Org, peer, *, rounds: int, per_round: int, concurrent: int, thread_rounds: int = 4
) -> dict:
    """Baton and django-viewflow (bench/_engine_peer.py) on the same flow, in alternating batches
    (who goes first alternates too), so both see the same machine load: instances/s on one
    thread and at 16 threads (the mean of `thread_rounds` runs each, with the lowest and highest
    ratio of a Baton run to the peer run next to it), and the statements one instance sends on each
    side."""
    baton_seconds = peer_seconds = 0.0
    for index in range(rounds):
        for side in ("baton", "peer") if index % 2 == 0 else ("peer", "baton"):
            if side == "baton":
                settle()
                started = time.perf_counter()
                for _ in range(per_round):
                    persisted_approval(org)
                baton_seconds += time.perf_counter() - started
            else:
                answer = peer.ask("single", per_round)
                assert answer["done"] == per_round, answer
                peer_seconds += answer["seconds"]
    baton_threads, peer_threads, errors = [], [], 0
    for index in range(thread_rounds):
        for side in ("baton", "peer") if index % 2 == 0 else ("peer", "baton"):
            if side == "baton":
                figures = concurrent_approvals(org, concurrent)
                baton_threads.append(figures["concurrent_pi_s"])
                errors += figures["errors"]
            else:
                answer = peer.ask("threads", concurrent)
                peer_threads.append(answer["done"] / answer["seconds"])
                errors += answer["errors"]
    total = rounds * per_round
    statements = peer.ask("statements")
    baton_single, peer_single = total / baton_seconds, total / peer_seconds
    baton_16, peer_16 = statistics.mean(baton_threads), statistics.mean(peer_threads)
    paired = [ours / theirs for ours, theirs in zip(baton_threads, peer_threads, strict=True)]
    return {
        "peer": "django-viewflow " + _version("django-viewflow"),
        "peer_instances": total,
        "baton_single_pi_s": round(baton_single, 2),
        "peer_single_pi_s": round(peer_single, 2),
        "single_ratio": round(baton_single / peer_single, 2),
        "baton_16_pi_s": round(baton_16, 2),
        "peer_16_pi_s": round(peer_16, 2),
        "threads_ratio": round(baton_16 / peer_16, 2),
        "threads_ratio_low": round(min(paired), 2),
        "threads_ratio_high": round(max(paired), 2),
        "peer_sql_per_instance": statements["statements"],
        "peer_sql_per_instance_data": statements["statements"] - statements["control"],
        "peer_errors": errors,
    }


def _peer_figures(org: Org, quick: bool, queries: int) -> dict:
    """The comparison with django-viewflow, when the `bench` extra is installed."""
    from bench import _engine_peer as engine_peer

    if not engine_peer.available():
        print('  peer: django-viewflow is not installed (pip install -e ".[bench]"); skipped', flush=True)
        return {}
    peer = engine_peer.PeerProcess(ADMIN_DATABASE_URL, _admin)
    try:
        rounds, per_round, concurrent, thread_rounds = (4, 5, 32, 2) if quick else (10, 20, 200, 4)
        figures = versus_peer(
            org, peer, rounds=rounds, per_round=per_round, concurrent=concurrent, thread_rounds=thread_rounds
        )
    finally:
        peer.close()
    print(
        f"  vs {figures['peer']} (alternating, {figures['peer_instances']} instances each): "
        f"1 thread {figures['baton_single_pi_s']:.1f}/s vs {figures['peer_single_pi_s']:.1f}/s "
        f"= {figures['single_ratio']:.2f}x; {THREADS} threads {figures['baton_16_pi_s']:.1f}/s vs "
        f"{figures['peer_16_pi_s']:.1f}/s = {figures['threads_ratio']:.2f}x "
        f"(runs {figures['threads_ratio_low']:.2f}-{figures['threads_ratio_high']:.2f}x); "
        "SQL statements per instance "
        f"{queries} vs {figures['peer_sql_per_instance']} ({figures['peer_sql_per_instance_data']} without "
        f"savepoints); {figures['peer_errors']} errors",
        flush=True,
    )
    return figures


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)


def run(quick: bool) -> dict:
    n = 20 if quick else 200
    iterations = 200 if quick else 1000
    concurrent = 32 if quick else 200
    with scratch_database():
        from django.contrib.auth import get_user_model

        org = Org()
        admin = get_user_model().objects.create_superuser("bench_admin", password="x")
        deploy("approval.bpmn", admin)
        deploy("loop.bpmn", admin)
        raw, persisted, queries = approvals(org, n)
        unflushed = persisted_without_commit_flush(org, max(n // 2, 10))
        print(
            f"  approvals: raw SpiffWorkflow {raw:.1f}/s, services {persisted:.1f}/s ({n} each, "
            f"{queries} SQL statements per persisted instance); "
            f"without waiting for the WAL flush {unflushed:.1f}/s (diagnostic)",
            flush=True,
        )
        loop = loop_steps(org, iterations)
        print(
            f"  loop: median step 1-10 {loop['loop_first10_ms']:.1f} ms, "
            f"last 10 {loop['loop_last10_ms']:.1f} ms "
            f"(fresh instance meanwhile {loop['loop_control10_ms']:.1f} ms); "
            f"bytes {loop['loop_first10_bytes']} vs {loop['loop_last10_bytes']}",
            flush=True,
        )
        threads = concurrent_approvals(org, concurrent)
        print(
            f"  {THREADS} threads: {threads['concurrent_pi_s']:.1f} instances/s, {threads['errors']} errors",
            flush=True,
        )
        peer = _peer_figures(org, quick, queries)
    figures = {
        "bench": "engine",
        "raw_pi_s": round(raw, 2),
        "persisted_pi_s": round(persisted, 2),
        "ratio": round(persisted / raw, 3),
        "loop_time_ratio": round(loop["loop_time_ratio"], 3),
        "loop_bytes_ratio": round(loop["loop_bytes_ratio"], 3),
        "concurrent_pi_s": round(threads["concurrent_pi_s"], 2),
        "errors": threads["errors"],
        "n": n,
        "persisted_sql_per_instance": queries,
        "diagnostic_persisted_pi_s_no_commit_flush": round(unflushed, 2),
        "loop_iterations": iterations,
        "loop_time_ratio_sequential": round(loop["loop_time_ratio_sequential"], 3),
        "loop_first10_ms": round(loop["loop_first10_ms"], 2),
        "loop_last10_ms": round(loop["loop_last10_ms"], 2),
        "loop_control10_ms": round(loop["loop_control10_ms"], 2),
        "loop_first10_bytes": loop["loop_first10_bytes"],
        "loop_last10_bytes": loop["loop_last10_bytes"],
        "concurrent_instances": threads["concurrent_instances"],
        **peer,
    }
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
