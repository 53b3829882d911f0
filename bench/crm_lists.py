"""CRM list benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

1,000,000 customers (100,000 with --quick), 200 salespeople in 10 teams, shares on 2% of the
cards. Timed through the list selector exactly as a page is served (a fresh user object per
request, so permission lookups are included, inside a request memo as `RequestMemoMiddleware`
opens one, so each lookup runs once per page; rows + capped count):
a) "my customers, level A, most recently active first" for a random salesperson;
b) a search over the customers the salesperson may see, by a name prefix;
c) the team view of a manager (row scope department tree), level A, by last activity;
d) the any-part search (crm.selectors.search) as the list's search box runs it: a word from the
   middle of the name (2 characters, e.g. 东方 in 北京东方…), 3 characters, 4 phone digits, a
   short name (4 characters), 5 digits of a customer code and a contact's full name (one customer
   in four has a contact).
Target: p95 <= 50 ms for (a), (b) and (d). Queries per page are reported (constant by design).

    python -m bench crm_lists [--quick]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

TEAMS = 10
PER_TEAM = 20
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "武汉", "成都", "西安", "青岛", "宁波"]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
)
GIVEN = [
    "建国",
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]


def _words(rng: random.Random, count: int) -> list[str]:
    pool = [chr(c) for c in range(0x4E00, 0x9FA5)]
    chars = rng.sample(pool, count * 2)
    return [chars[2 * i] + chars[2 * i + 1] for i in range(count)]


def build_org():
    """10 teams of 20 salespeople, each team's department headed by a manager."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from org.models import Department, Employee, GroupProfile

    users = get_user_model()
    view = Permission.objects.get(content_type__app_label="crm", codename="view_customer")
    sales, _ = Group.objects.get_or_create(name="bench_sales")
    sales.permissions.add(view)
    GroupProfile.objects.update_or_create(group=sales, defaults={"row_scope": "own"})
    managers, _ = Group.objects.get_or_create(name="bench_managers")
    managers.permissions.add(view)
    GroupProfile.objects.update_or_create(group=managers, defaults={"row_scope": "department_tree"})
    root = Department.objects.create(code="B-SALES", name="Sales")
    salespeople, heads = [], []
    for team in range(TEAMS):
        department = Department.objects.create(code=f"B-T{team}", name=f"Team {team}", parent=root)
        head = users.objects.create(username=f"bench_mgr{team}")
        head.groups.add(managers)
        Employee.objects.create(user=head, code=f"BM{team}", name=head.username, department=department)
        department.head = head
        department.save(update_fields=["head"])
        heads.append(head.pk)
        for i in range(PER_TEAM):
            user = users.objects.create(username=f"bench_rep{team}_{i}")
            user.groups.add(sales)
            Employee.objects.create(
                user=user, code=f"BR{team}_{i}", name=user.username, department=department
            )
            salespeople.append(user.pk)
    return salespeople, heads


def fill_customers(n: int, owners: list[int], level_ids: list[int], seed: int = 11) -> list[str]:
    """Insert n customers in SQL (generate_series); returns the name prefixes worth searching."""
    from django.db import connection

    rng = random.Random(seed)
    first, second = _words(rng, 100), _words(rng, 100)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO crm_customer (
                created_at, updated_at, code, name, short_name, address, phone, fax, zip_code, website,
                email, legal_person, tax_id, credit_level, description, background, portal_enabled,
                custom, search_name, name_key, name_bucket, phone_digits, email_key, tax_id_key,
                owner_id, owned_since, level_id, last_activity_at, annual_revenue
            )
            SELECT now(), now(), 'C' || lpad(g::text, 7, '0'), n.name, n.short_name, '', '', '', '', '',
                   '', '', '', '',
                   '', '', false, '{}'::jsonb, n.name, n.name, substr(n.name, 3, 2), n.phone, '', '',
                   (%(owners)s::bigint[])[1 + (g %% %(owner_count)s)], now(),
                   (%(levels)s::bigint[])[1 + (hashint4(g) & 3)],
                   CASE WHEN g %% 10 = 0 THEN NULL
                        ELSE now() - make_interval(secs => (hashint4(g * 7) & 2147483647) %% 31536000) END,
                   (hashint4(g * 13) & 65535) * 100
            FROM generate_series(1, %(n)s) AS g,
                 LATERAL (SELECT (%(cities)s::text[])[1 + (hashint4(g * 3) & 2147483647) %% 12]
                                 || (%(first)s::text[])[1 + (hashint4(g * 5) & 2147483647) %% 100]
                                 || (%(second)s::text[])[1 + (hashint4(g * 11) & 2147483647) %% 100]
                                 || (%(suffixes)s::text[])[1 + (g %% 4)] AS name,
                                 '13' || lpad(((hashint4(g * 17) & 2147483647) %% 1000000000)::text, 9, '0')
                                     AS phone,
                                 (%(second)s::text[])[1 + (hashint4(g * 19) & 2147483647) %% 100]
                                 || (%(first)s::text[])[1 + (hashint4(g * 23) & 2147483647) %% 100]
                                     AS short_name) AS n
            """,
            {
                "owners": owners,
                "owner_count": len(owners),
                "levels": level_ids,
                "n": n,
                "cities": CITIES,
                "first": first,
                "second": second,
                "suffixes": SUFFIXES,
            },
        )
        cursor.execute(
            """
            INSERT INTO crm_customershare (customer_id, user_id, level, created_at)
            SELECT c.id, (%(owners)s::bigint[])[1 + (hashint4(c.id::int) & 2147483647) %% %(owner_count)s],
                   'read', now()
            FROM crm_customer c WHERE c.id %% 50 = 0
            """,
            {"owners": owners, "owner_count": len(owners)},
        )
        cursor.execute(
            """
            INSERT INTO crm_contact (
                created_at, updated_at, customer_id, name, department, title, role, gender, phone,
                mobile, email, interests, family, notes, is_primary, active, custom, phone_digits
            )
            SELECT now(), now(), c.id,
                   (%(surnames)s::text[])[1 + (hashint4(c.id::int * 29) & 2147483647) %% %(surname_count)s]
                   || (%(given)s::text[])[1 + (hashint4(c.id::int * 31) & 2147483647) %% %(given_count)s],
                   '', '', '', '', '', '', '', '', '', '', true, true, '{}'::jsonb, ''
            FROM crm_customer c WHERE c.id %% 4 = 0
            """,
            {
                "surnames": SURNAMES,
                "surname_count": len(SURNAMES),
                "given": GIVEN,
                "given_count": len(GIVEN),
            },
        )
        cursor.execute("ANALYZE")
    return [city + word for city in CITIES for word in first], first, second


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn, iterations: int) -> tuple[list[float], list[float], int]:
    """Wall time per page, time inside the database driver per page, queries per page."""
    from django.db import connection, reset_queries

    from core.memo import request_memo

    samples, sql, queries = [], [], 0
    for i in range(iterations):
        connection.force_debug_cursor = True
        reset_queries()
        started = time.perf_counter()
        with request_memo():
            fn(i)
        samples.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
        sql.append(sum(float(q["time"]) for q in connection.queries) * 1000)
        connection.force_debug_cursor = False
    return samples, sql, queries


def add_page_figures(figures: dict, results: dict) -> None:
    """Per timed page (`results`: name -> what `timed` answered): p50, p95, SQL p50 and queries,
    and the machine's load average."""
    for name, (samples, sql, queries) in results.items():
        figures[f"{name}_p50_ms"] = round(statistics.median(samples), 2)
        figures[f"{name}_p95_ms"] = round(percentile(samples, 0.95), 2)
        figures[f"{name}_sql_p50_ms"] = round(statistics.median(sql), 2)
        figures[f"{name}_queries"] = queries
    figures["load_average"] = round(os.getloadavg()[0], 2)


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database

    n = 100_000 if quick else 1_000_000
    iterations = 100 if quick else 300
    with scratch_database("crm_lists"):
        from django.contrib.auth import get_user_model

        from crm.models import CustomerLevel
        from crm.selectors.lists import list_page

        users = get_user_model()
        salespeople, heads = build_org()
        levels = [
            CustomerLevel.objects.create(code=c, name=f"{c}级", sort_order=i) for i, c in enumerate("ABCD")
        ]
        started = time.perf_counter()
        prefixes, first_words, second_words = fill_customers(n, salespeople, [lv.pk for lv in levels])
        infixes = {
            "anywhere2": first_words,  # the word after the city: 东方 in 北京东方…
            "anywhere3": [a[1] + b for a, b in zip(first_words, second_words, strict=True)],
            "phone4": [f"{rng_digits:04d}" for rng_digits in random.Random(5).sample(range(10000), 100)],
            "short_name": [b + a for a, b in zip(first_words, second_words, strict=True)],
            "code5": [f"{digits:05d}" for digits in random.Random(7).sample(range(n // 100), 100)],
            "contact_name": [s + g for s in SURNAMES for g in GIVEN],
        }
        print(f"  {n} customers inserted and analyzed in {time.perf_counter() - started:.0f} s", flush=True)
        rng = random.Random(3)
        level_a = levels[0].pk

        def mine(_i):
            user = users.objects.get(pk=rng.choice(salespeople))
            page = list_page(
                user=user,
                entity="customer",
                params={"filters": {"owner": "me", "level": level_a}, "sort": "-last_activity"},
            )
            assert page["rows"], "a salesperson has level-A customers"

        def search(_i):
            user = users.objects.get(pk=rng.choice(salespeople))
            list_page(user=user, entity="customer", params={"search": rng.choice(prefixes)})

        def team(_i):
            user = users.objects.get(pk=rng.choice(heads))
            page = list_page(
                user=user, entity="customer", params={"filters": {"level": level_a}, "sort": "-last_activity"}
            )
            assert page["rows"]

        def anywhere(kind):
            def run_one(_i):
                user = users.objects.get(pk=rng.choice(salespeople))
                list_page(user=user, entity="customer", params={"search": rng.choice(infixes[kind])})

            return run_one

        results = {}
        cases = [("mine", mine), ("search", search), ("team", team)]
        cases += [(kind, anywhere(kind)) for kind in infixes]
        for name, fn in cases:
            fn(0)  # warm up connections and caches
            samples, sql, queries = timed(fn, iterations)
            results[name] = (samples, sql, queries)
            print(
                f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
                f"(in SQL: p50 {statistics.median(sql):.1f} ms), {queries} queries/page",
                flush=True,
            )
    figures = {
        "bench": "crm_lists",
        "customers": n,
        "salespeople": len(salespeople),
        "iterations": iterations,
    }
    add_page_figures(figures, results)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
