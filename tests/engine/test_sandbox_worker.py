"""The sandbox's worker processes leave nothing behind: they end with the process that started
them (a normal exit, or killed with no chance to clean up), and a forked child (a Celery prefork
child, a gunicorn worker) uses workers of its own."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from engine.sandbox import SandboxedEnvironment
from engine.sandbox_worker import pool

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from engine.sandbox import SandboxedEnvironment
from engine.sandbox_worker import pool
SandboxedEnvironment().evaluate("len(x)", {"x": []})
print(pool.idle_pids()[0], flush=True)
if sys.argv[2] == "hang":
    time.sleep(600)
"""


def _gone(pid: int) -> bool:
    """Whether the process ended (a zombie waiting for a reaper counts as ended)."""
    for _ in range(3000):  # polls, not a timing assertion: a live worker fails after ~30 s
        stat = Path(f"/proc/{pid}/stat")
        try:
            if stat.read_text().split(")")[-1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        threading.Event().wait(0.01)
    return False


def test_workers_end_when_their_process_exits():
    # given a process that ran a condition in a worker and exits normally
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT), "exit"], capture_output=True, text=True, check=True
    )

    # then its worker is gone too
    assert _gone(int(probe.stdout.split()[0]))


def test_workers_end_when_their_process_is_killed():
    # given a process with a worker, killed without a chance to clean up
    probe = subprocess.Popen(
        [sys.executable, "-c", PROBE, str(ROOT), "hang"], stdout=subprocess.PIPE, text=True
    )
    worker_pid = int(probe.stdout.readline())
    probe.send_signal(signal.SIGKILL)
    probe.wait()
    probe.stdout.close()

    # then its worker sees its pipe close and ends
    assert _gone(worker_pid)


def test_a_forked_child_uses_workers_of_its_own():
    # given a process whose pool holds a worker
    env = SandboxedEnvironment()
    assert env.evaluate("len(x)", {"x": [1]}) == 1
    parent_workers = set(pool.idle_pids())
    read, write = os.pipe()

    # when it forks and the child evaluates a condition
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            value = env.evaluate("len(x)", {"x": [1, 2]})
            os.write(write, f"{value} {' '.join(map(str, pool.idle_pids()))}".encode())
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1000).decode().split()
    os.close(read)
    os.waitpid(child, 0)

    # then the child got its answer from a worker of its own, and the parent's pool still works
    assert answer[0] == "2"
    assert not {int(pid) for pid in answer[1:]} & parent_workers
    assert env.evaluate("len(x)", {"x": [1, 2, 3]}) == 3
