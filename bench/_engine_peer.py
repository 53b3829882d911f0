"""The peer in `./baton bench engine`: Baton's bench approval run by django-viewflow 2.x (the `bench`
extra: `pip install -e ".[bench]"`), in a Django process of its own (bench.peer.settings: viewflow
is never in Baton's INSTALLED_APPS), on the same PostgreSQL server, in a database of its own.

The parent (bench/engine.py) drives it over a pipe, alternating batches with Baton's, so both are
measured under the same machine load. Each viewflow task is assigned and then completed as
viewflow's own views do it: under `Flow.lock(process)` (select_for_update) and a transaction,
the task read, the permission checked (`can_assign`, `can_execute`), the activation moved
(`assign`; `start` + form save + `execute`). An instance is one start and two tasks, five
transactions (Baton: three, its tasks are worked without a claim).

    python -m bench._engine_peer serve      (what the parent starts; one JSON line per command)
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREADS = 16


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("viewflow") is not None


# -- the child: viewflow's side ----------------------------------------------------------------------


class Counter:
    """Statements sent, and how many were transaction control (SAVEPOINT/RELEASE/ROLLBACK TO)."""

    def __init__(self):
        self.statements = self.control = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        if sql.lstrip()[:9].upper() in ("SAVEPOINT", "RELEASE S", "ROLLBACK "):
            self.control += 1
        return execute(sql, params, many, context)


class Peer:
    def __init__(self):
        from django.contrib.auth import get_user_model

        users = get_user_model()
        self.clerk = users.objects.create_user("bench_clerk", password="x")
        self.manager = users.objects.create_user("bench_manager", password="x")

    @staticmethod
    def open_task(process_pk: int) -> tuple[int, str] | None:
        """The process's first open task (its key and flow task reference), as bench.engine.open_task
        reads Baton's: one SQL statement, no model built (the harness's lookup is neither engine's
        step cost). The views that assign and complete it read the task themselves."""
        from django.db import connection
        from viewflow.workflow.models import Task
        from viewflow.workflow.status import STATUS

        table = connection.ops.quote_name(Task._meta.db_table)
        sql = (
            f"SELECT id, flow_task FROM {table} WHERE process_id = %s AND status IN (%s, %s)"
            " ORDER BY id LIMIT 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [process_pk, STATUS.NEW, STATUS.ASSIGNED])
            return cursor.fetchone()

    @staticmethod
    def assign(task_pk: int, process_pk: int, user) -> None:
        """viewflow.workflow.flow.views.AssignTaskView behind wrap_task_view(permission=can_assign)."""
        from django.db import transaction
        from viewflow.workflow.models import Task

        from .peer.models import ApprovalFlow

        with ApprovalFlow.lock(process_pk), transaction.atomic():
            task = Task.objects.get(pk=task_pk)
            if task.process.flow_class != ApprovalFlow:
                raise LookupError(task_pk)
            activation = task.flow_task.activation_class(task)
            if not task.flow_task.can_assign(user, task=task):
                raise PermissionError(task_pk)
            activation.assign(user)

    @staticmethod
    def complete(task_pk: int, process_pk: int, user, values: dict) -> None:
        """viewflow's UpdateProcessView behind wrap_view: start, save the form, execute."""
        from django.db import transaction
        from viewflow.workflow.models import Task

        from .peer.models import ApprovalFlow

        with ApprovalFlow.lock(process_pk), transaction.atomic():
            task = Task.objects.get(pk=task_pk)
            if task.process.flow_class != ApprovalFlow:
                raise LookupError(task_pk)
            activation = task.flow_task.activation_class(task)
            if not task.flow_task.can_execute(user, task=task):
                raise PermissionError(task_pk)
            activation.start(None)
            process = activation.process
            for name, value in values.items():
                setattr(process, name, value)
            process.save()
            activation.execute()

    def work(self, process_pk: int) -> bool:
        """Assign and complete the process's next task; False when none is left."""
        found = self.open_task(process_pk)
        if found is None:
            return False
        task_pk, flow_task = found
        first = flow_task.rsplit(".", 1)[-1] == "approve_a"
        user = self.clerk if first else self.manager
        self.assign(task_pk, process_pk, user)
        self.complete(task_pk, process_pk, user, {"amount": 5000} if first else {"approved": True})
        return True

    def start(self) -> int:
        from .peer.models import ApprovalFlow

        return ApprovalFlow.start.run().pk

    def one_instance(self) -> int:
        pk = self.start()
        while self.work(pk):
            pass
        return pk

    def check(self, pks) -> int:
        from .peer.models import ApprovalProcess

        # (both tasks worked as meant: the amount entered at A, the approval given at B)
        done = ApprovalProcess.objects.filter(pk__in=list(pks), status="DONE")
        return done.filter(data__amount=5000, data__outcome="approved").count()

    @staticmethod
    def analyze() -> None:
        """bench.engine.settle on this side, at the same points: the statistics autovacuum would
        have gathered in a live database."""
        from .engine import settle

        settle()

    def single(self, n: int) -> dict:
        self.analyze()
        pks, started = [], time.perf_counter()
        for _ in range(n):
            pks.append(self.one_instance())
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "done": self.check(pks)}

    def statements(self) -> dict:
        from django.db import connection

        counter = Counter()
        with connection.execute_wrapper(counter):
            self.one_instance()
        return {"statements": counter.statements, "control": counter.control}

    def threads(self, n: int) -> dict:
        from django.db import connection

        pks = [self.start() for _ in range(n)]  # (started before the clock, as Baton's side does)
        self.analyze()
        work: queue.Queue = queue.Queue()
        for pk in pks:
            work.put(pk)
        errors: list[str] = []

        def worker():
            try:
                while True:
                    try:
                        pk = work.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        if self.work(pk):
                            work.put(pk)
                    except Exception as error:
                        errors.append(f"{error.__class__.__name__}: {error}")
            finally:
                connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        done = self.check(pks)
        return {"seconds": seconds, "done": done, "errors": len(errors) + (n - done)}


def serve() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    peer = Peer()
    peer.one_instance()  # warm up: imports, flow graph, connection
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "quit":
            break
        answer = getattr(peer, op)(*command.get("args", []))
        print(json.dumps(answer), flush=True)


# -- the parent: Baton's benchmark drives the peer ----------------------------------------------------


class PeerProcess:
    """The viewflow side, in its own process and database (created here, dropped on close)."""

    def __init__(self, admin_url: str, admin):
        self.admin = admin
        self.database = f"bench_peer_{os.getpid()}"
        admin(f'DROP DATABASE IF EXISTS "{self.database}"')
        admin(f'CREATE DATABASE "{self.database}"')
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.peer.settings", BENCH_PEER_DB=self.database)
        server = admin_url.split("@", 1)[-1].split("/", 1)[0]
        env["BENCH_PEER_USER"] = admin_url.split("//", 1)[1].split("@", 1)[0].split(":", 1)[0]
        env["BENCH_PEER_HOST"], _, port = server.partition(":")
        env["BENCH_PEER_PORT"] = port or "5432"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench._engine_peer", "serve"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        assert ready.get("ready"), ready

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the viewflow peer stopped (exit {self.process.wait()})")
        return json.loads(line)

    def ask(self, op: str, *args) -> dict:
        self.process.stdin.write(json.dumps({"op": op, "args": list(args)}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        sys.path.insert(0, str(ROOT))
        serve()
    else:
        print(__doc__)
