"""Inbox benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

1,000,000 open human tasks (50,000 with --quick) over 10,000 users (500) and 300 groups (15),
each user in 5 groups; 30% of the open tasks are claimed (assigned), the rest wait in a group's
queue; 20% more completed tasks feed "Completed by me"; every task has its "created" event, every
claimed one a "claimed" event and 5% a "delegated" event. Loaded in SQL (INSERT ... SELECT over
generate_series) with the engine's indexes in place, then ANALYZEd.

Timed through the selectors the inbox view calls (a fresh user object per request, so group
and permission lookups are included), for a random user in 5 groups, filtered to "due this week"
and sorted by due date:
a) `mine`: the first page of "My tasks" (with the filter form's choices, as the view reads them);
b) `queue`: the first page of "My groups' queue" (claimable tasks of the 5 groups);
c) `delegated`: the first page of "Delegated by me";
d) `counts`: the capped counts of all four tabs (COUNT over at most 1,000 rows each).
Targets: p95 <= 50 ms for each first page, p95 <= 100 ms for the counts. Queries per call are
reported (constant by design).

    python -m bench inbox [--quick]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

GROUPS_PER_USER = 5


def build_people(users_n: int, groups_n: int, seed: int = 5) -> list[int]:
    """users_n users, groups_n groups, each user in GROUPS_PER_USER distinct groups."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    users = get_user_model()
    rng = random.Random(seed)
    groups = Group.objects.bulk_create([Group(name=f"bench_team_{i}") for i in range(groups_n)])
    people = users.objects.bulk_create(
        [users(username=f"bench_u{i}", display_name=f"User {i}") for i in range(users_n)], batch_size=2000
    )
    through = users.groups.through
    rows = []
    for person in people:
        for group in rng.sample(groups, GROUPS_PER_USER):
            rows.append(through(user_id=person.pk, group_id=group.pk))
    through.objects.bulk_create(rows, batch_size=5000)
    return [p.pk for p in people]


def fill_tasks(open_n: int, users: list[int], groups: list[int]) -> None:
    """Instances, open and completed tasks, their candidates and events, all in SQL."""
    from django.db import connection

    from engine.models import DefinitionVersion

    definition = DefinitionVersion.objects.create(
        key="bench_approval", version=1, name="Approval", content_hash="bench", active=True
    )
    done_n = open_n // 5
    total = open_n + done_n
    params = {
        "definition": definition.pk,
        "users": users,
        "user_count": len(users),
        "groups": groups,
        "group_count": len(groups),
        "instances": total // 4,
        "total": total,
        "open_n": open_n,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO engine_processinstance (
                definition_id, key, status, started_by_id, business_object_id, business_object_label,
                variables, completed_elements, step_count, started_at, updated_at, suspended)
            SELECT %(definition)s, 'bench_approval', 'running',
                   (%(users)s::bigint[])[1 + (hashint4(g) & 2147483647) %% %(user_count)s],
                   g::text, 'Customer ' || g, '{}'::jsonb, '[]'::jsonb, 1, now(), now(), false
            FROM generate_series(1, %(instances)s) AS g
            """,
            params,
        )
        cursor.execute("SELECT min(id) FROM engine_processinstance")
        params["first_instance"] = cursor.fetchone()[0]
        # g <= open_n: open; 30% of them claimed. g > open_n: completed by a random user.
        cursor.execute(
            """
            INSERT INTO engine_humantask (
                instance_id, task_id, definition_key, definition_version, element_id, name, lane, status,
                assignee_id, candidate_users, candidate_groups, priority, due_at, form_key, form_schema,
                business_object_id, business_object_label, search_text, created_at, claimed_at,
                completed_at, completed_by_id)
            SELECT %(first_instance)s + (g %% %(instances)s), gen_random_uuid(), 'bench_approval', 1,
                   'approve_' || (g %% 4), (ARRAY['Approve', 'Review', 'Check stock', 'Sign'])[1 + g %% 4],
                   '', CASE WHEN g <= %(open_n)s THEN 'ready' ELSE 'completed' END,
                   CASE WHEN g > %(open_n)s OR (hashint4(g * 3) & 1023) < 307 THEN u.id END,
                   '[]'::jsonb, jsonb_build_array('bench_team'), (hashint4(g * 5) & 127),
                   CASE WHEN g %% 10 = 0 THEN NULL
                        ELSE now() + make_interval(secs => ((hashint4(g * 7) & 2147483647) %% 7776000)
                                                           - 2592000) END,
                   '', '{}'::jsonb, g::text, 'Customer ' || g, 'customer ' || g, now(),
                   CASE WHEN (hashint4(g * 3) & 1023) < 307 OR g > %(open_n)s THEN now() END,
                   CASE WHEN g > %(open_n)s THEN now() END,
                   CASE WHEN g > %(open_n)s THEN u.id END
            FROM generate_series(1, %(total)s) AS g,
                 LATERAL (SELECT (%(users)s::bigint[])[1 + (hashint4(g * 11) & 2147483647) %% %(user_count)s]
                                 AS id) AS u
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO engine_humantaskcandidate (task_id, group_id, open, due_at)
            SELECT t.id,
                   (%(groups)s::bigint[])[1 + (hashint4(t.id::int * 13) & 2147483647) %% %(group_count)s],
                   t.status = 'ready', t.due_at
            FROM engine_humantask t
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO engine_instanceevent (
                instance_id, kind, at, actor_id, element_id, human_task_id, data)
            SELECT t.instance_id, 'task_created', t.created_at, NULL, t.element_id, t.id, '{}'::jsonb
            FROM engine_humantask t
            UNION ALL
            SELECT t.instance_id, 'task_claimed', t.claimed_at, t.assignee_id, t.element_id, t.id, '{}'::jsonb
            FROM engine_humantask t WHERE t.assignee_id IS NOT NULL
            UNION ALL
            SELECT t.instance_id, 'task_delegated', t.created_at,
                   (%(users)s::bigint[])[1 + (hashint4(t.id::int * 17) & 2147483647) %% %(user_count)s],
                   t.element_id, t.id, '{}'::jsonb
            FROM engine_humantask t WHERE t.assignee_id IS NOT NULL AND t.id %% 6 = 0
            """,
            params,
        )
        # A table in steady use is vacuumed by autovacuum (index-only scans rely on that).
        cursor.execute("VACUUM ANALYZE")


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database
    from bench.crm_lists import add_page_figures, percentile, timed

    open_n = 50_000 if quick else 1_000_000
    users_n = 500 if quick else 10_000
    groups_n = 15 if quick else 300
    iterations = 60 if quick else 300
    with scratch_database("inbox"):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from tasklist import selectors

        user_model = get_user_model()
        started = time.perf_counter()
        people = build_people(users_n, groups_n)
        fill_tasks(open_n, people, list(Group.objects.order_by("pk").values_list("pk", flat=True)))
        print(
            f"  {open_n} open tasks, {users_n} users, {groups_n} groups loaded and analyzed "
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        rng = random.Random(7)

        def page(view):
            def fn(_i):
                user = user_model.objects.get(pk=rng.choice(people))
                query = selectors.InboxQuery(view=view, due="week", sort="due")
                # what the inbox view reads for the page besides the counts: the filter's choices too
                selectors.process_choices()
                selectors.task_name_choices(user, view)
                selectors.object_type_choices(user, view)
                return selectors.inbox_page(user, query)

            return fn

        def counts(_i):
            user = user_model.objects.get(pk=rng.choice(people))
            selectors.inbox_counts(user, selectors.InboxQuery(view="mine", due="week", sort="due"))

        assert page("queue")(0).rows, "a user in 5 groups has claimable tasks"
        assert page("mine")(0) is not None
        results = {}
        for name, fn in (
            ("mine", page("mine")),
            ("queue", page("queue")),
            ("delegated", page("delegated")),
            ("counts", counts),
        ):
            fn(0)  # warm up connections and caches
            samples, sql, queries = timed(fn, iterations)
            results[name] = (samples, sql, queries)
            print(
                f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
                f"(in SQL: p50 {statistics.median(sql):.1f} ms), {queries} queries",
                flush=True,
            )
    figures = {
        "bench": "inbox",
        "open_tasks": open_n,
        "users": users_n,
        "groups": groups_n,
        "iterations": iterations,
    }
    add_page_figures(figures, results)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
