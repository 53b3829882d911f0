"""Sandbox benchmark: what one script or condition evaluation costs, in the calling process (the
guards alone, as before issue 19) and through the worker processes that enforce the limit.

Figures (medians of many evaluations, microseconds):
- condition_*: a gateway condition. `simple` (``amount > 1000 and kind in (...)``) runs in the
  calling process even with isolation on (engine.sandbox.bounded_expression); `call` has a call
  (``len(items) > 2``), so it goes to a worker.
- script_*: a typical script task (a sum over items, a Decimal, a date, a helper call answered by
  the parent); `script_big_data_*` the same with 50 KB of task data to ship both ways.
- worker_boot_ms: starting one worker (paid once per worker, lazily).
- hostile_stopped_ms: the issue's script (``all(map(lambda i: len(sorted(L)) >= 0, L))``, 89 s
  in-process before) stopped under the 1 s limit, from the call to the refusal.

Target: a condition or script through the worker stays well under a millisecond, small next to
the tens of milliseconds of a persisted engine step.

    python -m bench sandbox [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _median_us(function, n: int) -> float:
    for _ in range(min(20, n)):
        function()  # warm: compile caches, a booted worker
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


SCRIPT = "\n".join(
    [
        "total = sum(i['qty'] * i['price'] for i in items)",
        "vat = Decimal(total) * Decimal('0.2')",
        "due = datetime(2026, 1, 31) + timedelta(days=30)",
        "approver = manager_of(requester)",
    ]
)


def run(quick: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    from engine.sandbox import SandboxedEnvironment, ScriptTimeout
    from engine.sandbox_worker import _Worker, pool

    n = 300 if quick else 3000
    helpers = {"manager_of": lambda username: f"boss-of-{username}"}
    isolated = SandboxedEnvironment(helpers)
    in_process = SandboxedEnvironment(helpers, isolated=False)
    small = {"amount": 1500, "kind": "travel", "requester": "ann", "items": [{"qty": 2, "price": 10}] * 3}
    big = dict(small, notes=["x" * 100] * 500)  # about 50 KB

    def condition(env, expression, data):
        return lambda: env.evaluate(expression, dict(data))

    def script(env, data):
        return lambda: env.execute(SCRIPT, dict(data))

    simple = "amount > 1000 and kind in ('travel', 'training')"
    call = "len(items) > 2"
    figures = {
        "bench": "sandbox",
        "condition_simple_in_process_us": _median_us(condition(in_process, simple, small), n),
        "condition_simple_isolated_us": _median_us(condition(isolated, simple, small), n),
        "condition_call_in_process_us": _median_us(condition(in_process, call, small), n),
        "condition_call_isolated_us": _median_us(condition(isolated, call, small), n),
        "script_in_process_us": _median_us(script(in_process, small), n),
        "script_isolated_us": _median_us(script(isolated, small), n),
        "script_big_data_in_process_us": _median_us(script(in_process, big), n // 3),
        "script_big_data_isolated_us": _median_us(script(isolated, big), n // 3),
    }

    boots = []
    for _ in range(3 if quick else 10):
        started = time.perf_counter()
        worker = _Worker()
        worker.boot()
        boots.append(time.perf_counter() - started)
        worker.kill()
    figures["worker_boot_ms"] = statistics.median(boots) * 1000

    started = time.perf_counter()
    try:
        isolated.execute("L=[0]*100000\nall(map(lambda i: len(sorted(L))>=0, L))", {})
        figures["hostile_stopped_ms"] = "not stopped"
    except ScriptTimeout:
        figures["hostile_stopped_ms"] = (time.perf_counter() - started) * 1000
    figures["evaluations"] = n
    figures = {key: round(value, 1) if isinstance(value, float) else value for key, value in figures.items()}
    pool.shutdown()
    for key, value in figures.items():
        print(f"  {key}: {value}", flush=True)
    return figures


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
