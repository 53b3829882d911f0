"""Messages benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end): what
one poll costs, through the whole Django request path (middleware, session, view).

2,000 colleagues, 20,000 direct conversations (each person in 20), 1,000,000 messages (200,000
with --quick). Timed with Django's test client as one signed-in person:
a) an idle poll of an open conversation (nothing new: 204);
b) a poll that brings one new message;
c) the header's unread badge;
d) the conversation list page (my 20 conversations with unread counts and last messages);
e) searching my messages for a word (trigram index on PostgreSQL).
Queries per request are reported (constant by design).

    python -m bench messages_poll [--quick]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.crm_lists import add_page_figures, percentile, timed

PEOPLE = 2_000
PER_PERSON = 10  # each person starts 10 direct conversations (and is asked into about 10)


def build(n_messages: int) -> tuple[int, int]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from org.models import Department, Employee

    users = get_user_model()
    department = Department.objects.create(code="B-MSG", name="Bench")
    people = users.objects.bulk_create(
        [users(username=f"bench_msg{i}", display_name=f"同事{i}") for i in range(PEOPLE)]
    )
    Employee.objects.bulk_create(
        [
            Employee(user=u, code=f"BM{i}", name=u.display_name, department=department)
            for i, u in enumerate(people)
        ]
    )
    first = people[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO messaging_conversation
                (kind, title, direct_key, created_by_id, created_at, last_message_at)
            SELECT 'direct', '', (%(first)s + p) || ':' || (%(first)s + (p + k) %% %(people)s) || ':' || k,
                   %(first)s + p, now(), now() - (p * k || ' seconds')::interval
            FROM generate_series(0, %(people)s - 1) p, generate_series(1, %(per)s) k
            """,
            {"first": first, "people": PEOPLE, "per": PER_PERSON},
        )
        cursor.execute(
            """
            INSERT INTO messaging_membership (conversation_id, user_id, joined_at, unread, last_read_id)
            SELECT c.id, u.id, now(), 0, 0
            FROM messaging_conversation c
            CROSS JOIN LATERAL (VALUES (split_part(c.direct_key, ':', 1)::bigint),
                                       (split_part(c.direct_key, ':', 2)::bigint)) u(id)
            """
        )
        cursor.execute(
            """
            INSERT INTO messaging_message
                (conversation_id, author_id, kind, body, created_at, record_id, event)
            SELECT c.id, split_part(c.direct_key, ':', 1 + (g %% 2))::bigint, 'text',
                   (ARRAY['明天拜访客户', '报价单已发', '合同第' || g || '版请看', '收到', 'ok ' || g])
                       [1 + g %% 5],
                   now() - (g || ' seconds')::interval, '', '{}'::jsonb
            FROM generate_series(1, %(n)s) g
            JOIN messaging_conversation c
              ON c.id = (SELECT min(id) FROM messaging_conversation) + g %% %(conversations)s
            """,
            {"n": n_messages, "conversations": PEOPLE * PER_PERSON},
        )
        cursor.execute("ANALYZE")
    return first, people[0].pk


def run(quick: bool) -> dict:
    os.environ.setdefault("DEBUG", "1")  # the test client's host is allowed
    from bench.crm_import import scratch_database

    n = 200_000 if quick else 1_000_000
    iterations = 200 if quick else 500
    with scratch_database("messages_poll"):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import reverse

        from messaging import selectors, services

        started = time.perf_counter()
        me_id, _ = build(n)
        print(f"  {n} messages inserted and analyzed in {time.perf_counter() - started:.0f} s", flush=True)
        me = get_user_model().objects.get(pk=me_id)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(me)
        conversation = selectors.conversation_rows(me)[0].conversation
        other = next(u for u in selectors.members(conversation) if u.pk != me.pk)
        newest = selectors.newest_id(conversation)
        poll = reverse("chat:poll", args=[conversation.pk])

        def idle(_i):
            assert client.get(f"{poll}?after={newest}").status_code == 204

        def one_new(_i):
            message = services.message_send(actor=other, conversation=conversation, body="新消息")
            response = client.get(f"{poll}?after={message.pk - 1}")
            assert response.status_code == 200

        def badge(_i):
            assert client.get(reverse("chat:nav_count")).status_code == 200

        def listing(_i):
            assert client.get(reverse("chat:list")).status_code == 200

        def search(_i):
            assert client.get(reverse("chat:list"), {"q": "合同第1"}).status_code == 200

        cases = [("idle_poll", idle), ("poll_one_new", one_new), ("badge", badge), ("list", listing)]
        cases.append(("search", search))
        results = {}
        for name, fn in cases:
            fn(0)
            samples, sql, queries = timed(fn, iterations if name != "search" else iterations // 5)
            results[name] = (samples, sql, queries)
            print(
                f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
                f"(in SQL: p50 {statistics.median(sql):.1f} ms), {queries} queries",
                flush=True,
            )
    figures = {"bench": "messages_poll", "messages": n, "people": PEOPLE, "iterations": iterations}
    add_page_figures(figures, results)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
