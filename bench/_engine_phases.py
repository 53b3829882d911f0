"""CPU per bench approval split by the engine's phases (time.process_time around each function,
nested phases included in their parents): where each millisecond of a step goes, without
cProfile's per-call overhead. Run it from each checkout in turn to compare code:

    .venv/bin/python bench/_engine_phases.py 150
"""

import collections
import importlib
import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/13")
from bench import engine as b

PHASES = [
    ("bench.engine", "open_task"),
    ("engine.step", "start"),
    ("engine.step", "load"),
    ("engine.step", "finish"),
    ("engine.step", "save_state"),
    ("engine.step", "audit"),
    ("engine.step", "check_stuck"),
    ("engine.runtime", "load"),
    ("engine.runtime", "dump"),
    ("engine.runtime", "run_engine"),
    ("engine.runtime", "complete_human_task"),
    ("engine.runtime", "compact"),
    ("engine.runtime", "variables_snapshot"),
    ("engine.runtime", "json_safe"),
    ("engine.projection", "sync_human_tasks"),
    ("engine.projection", "_create_human_task"),
    ("engine.projection", "set_candidates"),
    ("engine.projection", "sync_waits"),
    ("engine.human_tasks", "lock_task"),
    ("engine.human_tasks", "_validate_form"),
    ("engine.persistence", "lock_task_rows"),
    ("engine.owners", "resolve"),
    ("core.rows", "insert"),
    ("core.rows", "update"),
    ("core.memo", "_stamp"),
]
spent: dict[str, float] = collections.defaultdict(float)
calls: collections.Counter = collections.Counter()


def _timed(module, name):
    function = getattr(module, name)
    key = f"{module.__name__}.{name}"

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.process_time() - started
            calls[key] += 1

    return function, timed


def instrument() -> None:
    """Replace each phase in its module and wherever another engine module imported it by name."""
    modules = {name: importlib.import_module(name) for name, _ in PHASES}
    users = [importlib.import_module(m) for m in ("engine.human_tasks", "engine.step", "engine.instances",
                                                  "engine.projection", "core.memo")]  # fmt: skip
    for module_name, name in PHASES:
        original, timed = _timed(modules[module_name], name)
        setattr(modules[module_name], name, timed)
        for user in users:
            if user.__dict__.get(name) is original:
                setattr(user, name, timed)


def main(n: int) -> None:
    with b.scratch_database():
        from django.contrib.auth import get_user_model

        org = b.Org()
        admin = get_user_model().objects.create_superuser("bench_admin", password="x")
        b.deploy("approval.bpmn", admin)
        for _ in range(5):
            b.persisted_approval(org)
        instrument()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            b.persisted_approval(org)
        cpu, wall = (time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000
        print(f"{os.getcwd()}: CPU {cpu:.2f} ms/instance, wall {wall:.2f} ms/instance")
        for key, seconds in sorted(spent.items(), key=lambda item: -item[1]):
            print(f"{seconds / n * 1000:7.3f} ms {calls[key] / n:5.1f}x  {key}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
