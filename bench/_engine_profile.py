"""CPU per bench approval (time.process_time) and where it went (cProfile), for alternating the
code being compared: run `.venv/bin/python bench/_engine_profile.py 30` from each checkout in turn.
"""

import cProfile
import json
import os
import pstats
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ["CACHE_URL"] = "redis://127.0.0.1:6379/13"
from bench import engine as b


def approval(org):
    from core.memo import request_memo
    from engine import services

    with request_memo():
        instance = services.start_process("bench_approval", started_by=org.clerk)
    with request_memo():
        services.complete_task(b.open_task(instance.pk).pk, user=org.clerk, data={"amount": 5000})
    with request_memo():
        services.complete_task(b.open_task(instance.pk).pk, user=org.manager, data={"approved": True})


N = int(sys.argv[1]) if len(sys.argv) > 1 else 60
with b.scratch_database():
    from django.contrib.auth import get_user_model

    org = b.Org()
    admin = get_user_model().objects.create_superuser("bench_admin", password="x")
    b.deploy("approval.bpmn", admin)
    for _ in range(5):
        approval(org)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(N):
        approval(org)
    cpu, wall = (time.process_time() - cpu0) / N * 1000, (time.perf_counter() - wall0) / N * 1000
    from django.db import connection

    counter = b.WriteCounter()
    with connection.execute_wrapper(counter):
        approval(org)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(N):
        approval(org)
    prof.disable()
    stats = pstats.Stats(prof)
    if os.environ.get("PROFILE_DUMP"):
        stats.dump_stats(os.environ["PROFILE_DUMP"])
    want = {
        "workflow load (deserialize)": ("runtime.py", "load"),
        "workflow run (engine steps)": ("runtime.py", "run_engine"),
        "task completion in Spiff": ("runtime.py", "complete_human_task"),
        "workflow dump (serialize)": ("runtime.py", "dump"),
        "compaction": ("runtime.py", "compact"),
        "variables snapshot": ("runtime.py", "variables_snapshot"),
        "owner resolution": ("owners.py", "resolve"),
        "SQL execute (all)": ("utils.py", "execute"),
        "audit row": ("services.py", "audit_record"),
        "after-commit receivers": ("step.py", "send"),
    }
    found = {}
    for (filename, _line, name), (*_counts, ct, _callers) in stats.stats.items():
        for label, (fname, fn) in want.items():
            if (
                filename.endswith(fname)
                and name == fn
                and (filename.find("/engine/") >= 0 or fname in ("utils.py", "services.py"))
            ):
                if fname == "utils.py" and "django/db/backends" not in filename:
                    continue
                if fname == "services.py" and "/audit/" not in filename:
                    continue
                found[label] = max(found.get(label, 0), ct / N * 1000)
    total = sum(v[2] for v in stats.stats.values()) / N * 1000
    print(
        json.dumps(
            {
                "tree": os.getcwd(),
                "cpu_ms": round(cpu, 2),
                "wall_ms": round(wall, 2),
                "profiled_total_ms": round(total, 2),
                "statements": counter.queries,
                **{k: round(v, 2) for k, v in found.items()},
            }
        )
    )
