"""Sandbox worker processes: every script and condition runs in a small pool of persistent child
processes under OS limits, so no construct can hold the web or Celery process past the limit.

Why a process: the in-process guards (engine.sandbox) tick on every loop iteration, but a single
C-level call chain with no bytecode in it (``all(map(sorted, [big_list] * 10**5))``) runs without a
tick while holding the GIL, freezing every thread of the process. Here the parent waits on a pipe
with a deadline (the GIL released) and SIGKILLs a worker that overruns; the worker itself runs
under RLIMIT_AS (memory) and RLIMIT_CPU (a backstop if its parent is gone) and keeps the in-process
guards, which stop ordinary loops first with a precise, located message.

Workers are started with ``subprocess`` (not fork): they inherit no database connection, no
descriptor and none of the environment's secrets, and do not re-import the server's main module.
The helpers a script may call (``manager_of``...) run in the parent, in the step's transaction:
the worker asks over the pipe and waits for the answer. Both directions carry length-prefixed
pickles; the parent unpickles only plain data types, so even a subverted worker cannot make the
parent run code.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import io
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

_HEADER = struct.Struct(">I")
# Task data in, a script's data (at most max_data_bytes) or an expression's value out.
_MAX_FRAME = 64 * 1024 * 1024
# Beyond the script's own limit: the worker's clock stops Python loops at the limit itself; this
# is the slack for its reply to arrive before the parent gives up on it and kills it.
_GRACE_SECONDS = 0.5
_BOOT_SECONDS = 60
# A worker whose memory grew this much over its start (fragmentation after a big script) is
# retired after its reply rather than reused.
_RETIRE_GROWTH_BYTES = 64 * 1024 * 1024
_ROOT = str(Path(__file__).resolve().parent.parent)


class WorkerLost(Exception):
    """The worker died or broke the protocol (the parent replaces it)."""


class FrameTooLarge(Exception):
    """A message above _MAX_FRAME: an expression's value too large to hand back."""


# Frames are read and written on the raw descriptors: a buffered reader could hold a frame that
# select() then never reports.
def _read_exact(fd: int, size: int) -> bytes:
    chunks, missing = [], size
    while missing:
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _write_payload(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def _write_frame(fd: int, message) -> None:
    _write_payload(fd, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _read_payload(fd: int) -> bytes:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    if size > _MAX_FRAME:
        raise FrameTooLarge(f"{size:,} bytes")
    return _read_exact(fd, size)


# -- the parent's side -----------------------------------------------------------------------------

_PLAIN_GLOBALS = {
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("uuid", "UUID"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "range"),
    ("builtins", "complex"),
    ("builtins", "slice"),
}


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _PLAIN_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def _plain_loads(payload: bytes):
    return _PlainUnpickler(io.BytesIO(payload)).load()


def _worker_environment() -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from engine.sandbox_worker import serve; serve()"


class _Worker:
    def __init__(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-I", "-c", _BOOTSTRAP, _ROOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=_worker_environment(),
            cwd=_ROOT,
            start_new_session=True,  # a Ctrl-C to the server's group is the server's to handle
        )
        self.ready = False
        self.retire = False
        self.running = False  # a job was handed over and not answered yet

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.kill()
        self.process.wait()
        self.close()

    def exit_status(self) -> int | None:
        """How a worker whose pipe closed ended (its pipe closes a moment before it is reaped)."""
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()

    def _wait_readable(self, timeout: float) -> bool:
        readable, _, _ = select.select([self.process.stdout.fileno()], [], [], max(timeout, 0))
        return bool(readable)

    def _receive(self):
        try:
            return _plain_loads(_read_payload(self.process.stdout.fileno()))
        except (EOFError, OSError, WorkerLost) as error:
            raise WorkerLost(str(error)) from None
        except (pickle.UnpicklingError, AttributeError, TypeError, ValueError) as error:
            raise _Unplain(str(error)) from None

    def _send(self, message) -> None:
        try:
            _write_frame(self.process.stdin.fileno(), message)
        except (OSError, ValueError) as error:
            raise WorkerLost(str(error)) from None

    def boot(self) -> None:
        if self.ready:
            return
        if not self._wait_readable(_BOOT_SECONDS):
            raise WorkerLost("the worker did not start")
        if self._receive() != ("ready",):
            raise WorkerLost("the worker did not start")
        self.ready = True

    def run(self, job: bytes, helpers: Mapping[str, Callable[..., Any]], limit_seconds: float):
        try:
            _write_payload(self.process.stdin.fileno(), job)
        except (OSError, ValueError) as error:
            raise WorkerLost(str(error)) from None
        self.running = True
        deadline = time.monotonic() + limit_seconds + _GRACE_SECONDS
        while True:
            if not self._wait_readable(deadline - time.monotonic()):
                if time.monotonic() >= deadline:
                    raise _Overran
                continue
            message = self._receive()
            kind = message[0]
            if kind == "helper":
                # Helper time is the parent's (trusted code reading the database), not the script's.
                started = time.monotonic()
                self._send(_call_helper(helpers, *message[1:]))
                deadline += time.monotonic() - started
                continue
            self.retire = bool(message[-1])
            self.running = False
            return message[:-1]


class _Overran(Exception):
    pass


class _Unplain(Exception):
    pass


def _call_helper(helpers, name, args, kwargs):
    function = helpers.get(name)
    if function is None:
        return ("helper_error", "NameError", f"name {name!r} is not defined")
    try:
        return ("helper_result", function(*args, **kwargs))
    except Exception as error:
        from .sandbox import ScriptRefused

        if isinstance(error, ScriptRefused):
            return ("helper_refused", type(error).__name__, str(error))
        return ("helper_error", type(error).__name__, str(error))


class WorkerPool:
    """Persistent workers shared by the threads of one process; at most `size` run at once."""

    def __init__(self, size: int):
        self.size = size
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Condition()
        self._pid = os.getpid()

    def _reset_after_fork(self) -> None:
        # The workers belong to the process that started them; a forked child (a Celery prefork
        # child, a gunicorn worker) starts its own, and drops its copies of the parent's pipes so
        # that a worker still sees its end of file when the parent exits.
        for worker in [*self._idle, *self._busy]:
            worker.close()
        self._idle, self._busy = [], set()
        self._lock = threading.Condition()
        self._pid = os.getpid()

    def checkout(self) -> _Worker:
        with self._lock:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        self._busy.add(worker)
                        return worker
                    worker.kill()
                if len(self._busy) < self.size:
                    worker = _Worker()
                    self._busy.add(worker)
                    return worker
                self._lock.wait()

    def checkin(self, worker: _Worker, *, broken: bool = False) -> None:
        reusable = not (broken or worker.retire) and worker.alive()
        if not reusable:
            worker.kill()
        with self._lock:
            self._busy.discard(worker)
            if reusable:
                self._idle.append(worker)
            self._lock.notify()

    def busy_pids(self) -> list[int]:
        """The workers running a script now (for operators, and for tests that kill one)."""
        with self._lock:
            return [worker.pid for worker in self._busy if worker.running]

    def idle_pids(self) -> list[int]:
        with self._lock:
            return [worker.pid for worker in self._idle]

    def shutdown(self) -> None:
        if os.getpid() != self._pid:
            return
        with self._lock:
            workers = [*self._idle, *self._busy]
            self._idle, self._busy = [], set()
        for worker in workers:
            worker.kill()


def _pool_size() -> int:
    try:
        return max(1, int(os.environ.get("BATON_SANDBOX_WORKERS", "4")))
    except ValueError:
        return 4


pool = WorkerPool(_pool_size())
atexit.register(pool.shutdown)
os.register_at_fork(after_in_child=pool._reset_after_fork)


def run_isolated(
    mode: str,
    source: str,
    context: Mapping,
    external_context: Mapping,
    helpers: Mapping[str, Callable[..., Any]],
    limits,
):
    """Run one script ('exec': returns the new task data) or expression ('eval': returns its
    value) in a worker; raise what the script raised, or a ScriptTimeout/ScriptTooLarge."""
    from .sandbox import ScriptDataError, ScriptTimeout, ScriptTooLarge

    try:
        job = pickle.dumps(
            ("job", mode, source, dict(context), dict(external_context), tuple(helpers), limits),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    except Exception as error:  # task data that is no data (only engine-internal callers pass such)
        raise ScriptDataError(f"the task data cannot be passed to the sandbox ({error}).") from None
    if len(job) > _MAX_FRAME:
        raise ScriptTooLarge(f"the task data ({len(job):,} bytes) is too large for the sandbox.")
    limit_seconds = limits.time_limit_ms / 1000
    for attempt in (1, 2):
        worker = pool.checkout()
        started = False
        try:
            worker.boot()
            started = True
            reply = worker.run(job, helpers, limit_seconds)
        except _Overran:
            pool.checkin(worker, broken=True)
            raise ScriptTimeout(
                f"the script ran longer than {limits.time_limit_ms} ms and was stopped."
            ) from None
        except FrameTooLarge:
            pool.checkin(worker, broken=True)
            raise ScriptTooLarge("the script's result is too large to hand back.") from None
        except _Unplain as error:
            pool.checkin(worker, broken=True)
            raise ScriptDataError(f"the script's result cannot be handed back ({error}).") from None
        except WorkerLost:
            returncode = worker.exit_status()
            pool.checkin(worker, broken=True)
            if not started and attempt == 1:
                continue  # an idle worker killed from outside: the job never ran, try a fresh one
            raise _lost(returncode, limits) from None
        except BaseException:
            pool.checkin(worker, broken=True)
            raise
        pool.checkin(worker)
        return _unpack(reply)
    raise AssertionError("unreachable")  # pragma: no cover


def _lost(returncode, limits) -> Exception:
    """The refusal for a worker that died under a script, by how it died."""
    from .sandbox import ScriptRefused, ScriptTimeout, ScriptTooLarge

    if returncode == -signal.SIGXCPU:
        return ScriptTimeout(f"the script ran longer than {limits.time_limit_ms} ms and was stopped.")
    if returncode in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
        megabytes = limits.max_memory_bytes // (1024 * 1024)
        return ScriptTooLarge(f"the script used more than {megabytes} MB of memory.")
    if returncode == -signal.SIGKILL:
        return ScriptRefused("the script's sandbox worker was killed (out of memory, or by an operator).")
    return ScriptRefused("the script's sandbox worker stopped unexpectedly; the script was not completed.")


def _unpack(reply):
    from . import sandbox

    kind = reply[0]
    if kind == "done":
        return reply[1]
    if kind == "refused":
        _, class_name, message, errors, line = reply
        error_class = {
            cls.__name__: cls
            for cls in (
                sandbox.ScriptRefused,
                sandbox.ScriptTimeout,
                sandbox.ScriptTooLarge,
                sandbox.ScriptDataError,
            )
        }.get(class_name, sandbox.ScriptRefused)
        error = error_class(message, errors=list(errors))
    else:
        _, class_name, args, line = reply
        error = _rebuild(class_name, args)
    error.script_line = line
    raise error


def _rebuild(class_name: str, args) -> BaseException:
    """The script's own exception (ZeroDivisionError, KeyError, a ValueError it raised...) as the
    builtin class of that name, so callers and messages see what the script raised."""
    cls = getattr(builtins, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = Exception
    try:
        return cls(*args)
    except TypeError:
        return Exception(*args)


# -- the worker's side -----------------------------------------------------------------------------


def _memory_pages() -> tuple[int, int]:
    """(virtual, resident) pages of this process; (0, 0) where /proc is missing."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            size, resident = statm.read().split()[:2]
    except OSError:
        return 0, 0
    return int(size), int(resident)


def serve() -> None:  # pragma: no cover - runs in the worker process
    """The worker's loop: read a job, run it under the limits, answer; exit when stdin closes."""
    import resource

    from . import sandbox

    # The protocol owns the original stdout; anything else writing to fd 1 goes to stderr.
    requests, replies = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    page = os.sysconf("SC_PAGE_SIZE")
    _, resident_at_start = _memory_pages()
    _write_frame(replies, ("ready",))

    def ask_parent(name):
        def helper(*args, **kwargs):
            _write_frame(replies, ("helper", name, args, kwargs))
            answer = pickle.loads(_read_payload(requests))  # noqa: S301 - the parent is trusted
            if answer[0] == "helper_result":
                return answer[1]
            if answer[0] == "helper_refused":
                raise getattr(sandbox, answer[1], sandbox.ScriptRefused)(answer[2])
            raise _rebuild(answer[1], (answer[2],))

        helper.__name__ = name
        return helper

    while True:
        try:
            job = pickle.loads(_read_payload(requests))  # noqa: S301 - the parent is trusted
        except EOFError:
            return
        _, mode, source, context, external_context, helper_names, limits = job
        helpers = {name: ask_parent(name) for name in helper_names}
        size, _ = _memory_pages()
        if size:
            memory = size * page + limits.max_memory_bytes + 64 * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (memory, resource.RLIM_INFINITY))
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(used.ru_utime + used.ru_stime) + int(limits.time_limit_ms / 1000) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
        reply = _job_reply(sandbox, mode, source, context, external_context, helpers, limits)
        del job, context, external_context
        _, resident = _memory_pages()
        retire = reply[-1] or (resident - resident_at_start) * page > _RETIRE_GROWTH_BYTES
        reply = (*reply[:-1], retire)
        try:
            payload = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("refused", "ScriptTooLarge", "the result is too large.", [], 0, True))
        except Exception as error:  # an expression's value that is no data (a generator...)
            message = f"the result cannot be handed back ({error})."
            payload = pickle.dumps(("refused", "ScriptDataError", message, [], 0, retire))
        del reply
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        _write_payload(replies, payload)
        if retire:
            return


def _job_reply(sandbox, mode, source, context, external_context, helpers, limits):
    """What the worker answers for one job: ("done", value) or the refusal/exception, each with
    the script line it happened on, plus whether this worker should retire."""
    try:
        value = sandbox.run_here(mode, source, context, external_context, helpers, limits)
        return ("done", value, False)
    except sandbox.ScriptRefused as error:
        line = _script_line(error)
        return ("refused", type(error).__name__, str(error), list(error.errors), line, False)
    except MemoryError:
        message = f"the script used more than {limits.max_memory_bytes // (1024 * 1024)} MB of memory."
        return ("refused", "ScriptTooLarge", message, [message], 0, True)
    except RecursionError:
        return ("refused", "ScriptRefused", "the script recursed too deeply.", [], 0, False)
    except Exception as error:
        args = tuple(arg if isinstance(arg, (str, int, float)) else str(arg) for arg in error.args)
        return ("raised", type(error).__name__, args, _script_line(error), False)


def _script_line(error: BaseException) -> int:
    from .sandbox import script_line

    return script_line(error)
