"""Project tasks in the inbox, on PostgreSQL (its own scratch database, migrated, dropped at the end).

200,000 project tasks (20,000 with --quick) in 2,000 projects (200) over 5,000 users (500), each task
assigned to a random user, 60% open (to do / in progress), 40% done, due over the next 90 days (10%
undated). Loaded in SQL, then ANALYZEd.

Timed through the selectors the inbox view calls, for a random user:
a) `rows`: the user's open project tasks for "My tasks", filtered to "due this week", due order;
b) `merged_page`: the first page of "My tasks" with project tasks merged in (inbox_page);
c) `count`: the count that joins the "My tasks" tab and the number beside "Inbox".
Target: p95 <= 20 ms each (they add to the inbox's own 50 ms budget). Queries per call reported.

    python -m bench projects_inbox [--quick]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from bench.crm_lists import add_page_figures, percentile, timed


def fill(users_n: int, projects_n: int, tasks_n: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench_p{i}", display_name=f"Person {i}") for i in range(users_n)],
        batch_size=2000,
    )
    ids = [u.pk for u in users]
    low, high = min(ids), max(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO projects_project (name, goal, owner_id, starts_on, ends_on, status, created_at)
            SELECT 'Project ' || g, '', %(low)s + (g %% (%(high)s - %(low)s + 1)), CURRENT_DATE - 30,
                   CURRENT_DATE + 120, CASE WHEN g %% 10 = 0 THEN 'done' ELSE 'active' END, now()
            FROM generate_series(1, %(projects)s) g
            """,
            {"low": low, "high": high, "projects": projects_n},
        )
        cursor.execute("SELECT min(id) FROM projects_project")
        first_project = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO projects_projecttask (project_id, title, description, assignee_id, starts_on, due_on,
                status, priority, created_at)
            SELECT %(first)s + (g %% %(projects)s), 'Task ' || g, '',
                   %(low)s + (hashint %% (%(high)s - %(low)s + 1)), NULL,
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE CURRENT_DATE + (g %% 90) END,
                   CASE WHEN g %% 5 < 2 THEN 'done' WHEN g %% 5 = 2 THEN 'doing' ELSE 'todo' END,
                   CASE WHEN g %% 7 = 0 THEN 70 ELSE 50 END, now()
            FROM (SELECT g, abs(hashint4(g)) AS hashint FROM generate_series(1, %(tasks)s) g) s
            """,
            {"first": first_project, "projects": projects_n, "low": low, "high": high, "tasks": tasks_n},
        )
        cursor.execute("ANALYZE")
    return ids


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database

    users_n, projects_n, tasks_n = (500, 200, 20_000) if quick else (5_000, 2_000, 200_000)
    iterations = 100 if quick else 300
    with scratch_database("projects_inbox"):
        from django.contrib.auth import get_user_model

        from tasklist import selectors

        started = time.perf_counter()
        ids = fill(users_n, projects_n, tasks_n)
        print(
            f"  {tasks_n} project tasks inserted and analyzed in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        rng = random.Random(7)
        week = selectors.InboxQuery(view="mine", due="week")
        mine = selectors.InboxQuery(view="mine")

        def user():
            return get_user_model().objects.get(pk=rng.choice(ids))

        cases = [
            ("rows", lambda _i: selectors.project_rows(user(), week)),
            ("merged_page", lambda _i: selectors.inbox_page(user(), mine, with_projects=True)),
            ("count", lambda _i: selectors.project_task_count(user(), mine)),
        ]
        results = {}
        for name, fn in cases:
            fn(0)
            samples, sql, queries = timed(fn, iterations)
            results[name] = (samples, sql, queries)
            print(
                f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
                f"(in SQL: p50 {statistics.median(sql):.1f} ms), {queries} queries/call",
                flush=True,
            )
    figures = {
        "bench": "projects_inbox",
        "project_tasks": tasks_n,
        "users": users_n,
        "iterations": iterations,
    }
    add_page_figures(figures, results)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
