"""Custom field list benchmark on PostgreSQL (its own scratch database, dropped at the end).

100,000 customers (20,000 with --quick), 200 salespeople in 10 teams (bench.crm_lists' world), two
filterable custom fields stored in the customers' `custom` JSON column with the expression indexes
their definition creates: 厂房面积 (a number, empty on one card in ten) and 客户等级标签 (a choice of
four). Timed through the list selector as a page is served (rows + capped count):
a) everything (a superuser): tier = gold, by plant area, largest first;
b) everything: plant area from 50,000, by plant area, largest first;
c) a manager's team (row scope department tree): plant area 5,000-20,000, smallest first;
d) "my customers" of a salesperson (owner = me, as bench.crm_lists): tier = silver, by plant area,
   largest first.
Target: p95 <= 100 ms per page.

    python -m bench custom_fields [--quick]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path


def fill_custom_values() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE crm_customer SET custom = jsonb_build_object(
                'tier', (ARRAY['gold', 'silver', 'bronze', 'none'])[1 + (hashint4(id::int * 41) & 3)]
            ) || CASE WHEN id % 10 = 0 THEN '{}'::jsonb
                      ELSE jsonb_build_object('plant_area', (hashint4(id::int * 37) & 65535) + 1) END
            """
        )
        cursor.execute("VACUUM ANALYZE crm_customer")


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database
    from bench.crm_lists import add_page_figures, build_org, fill_customers, percentile, timed

    n = 20_000 if quick else 100_000
    iterations = 100 if quick else 300
    with scratch_database("custom_fields"):
        from django.contrib.auth import get_user_model

        from crm.models import CustomerLevel
        from crm.selectors.lists import list_page
        from crm.services.custom_fields import CustomFieldInput, custom_field_save

        users = get_user_model()
        admin = users.objects.create(username="bench_admin", is_superuser=True, is_staff=True)
        salespeople, heads = build_org()
        levels = [
            CustomerLevel.objects.create(code=c, name=f"{c}级", sort_order=i) for i, c in enumerate("AB")
        ]
        started = time.perf_counter()
        fill_customers(n, salespeople, [lv.pk for lv in levels])
        fill_custom_values()
        for key, label, kind, choices in (
            ("plant_area", "厂房面积", "number", []),
            ("tier", "客户等级标签", "choice", ["gold", "silver", "bronze", "none"]),
        ):
            custom_field_save(
                actor=admin,
                data=CustomFieldInput(
                    entity="customer", key=key, label=label, kind=kind, choices=choices, filterable=True
                ),
            )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE crm_customer")
        print(f"  {n} customers with custom values and indexes in {time.perf_counter() - started:.0f} s")
        rng = random.Random(3)

        def page(user, filters, sort):
            result = list_page(user=user, entity="customer", params={"filters": filters, "sort": sort})
            assert result["rows"], (filters, sort)

        cases = {
            "all_tier_by_area": lambda _i: page(
                users.objects.get(pk=admin.pk), {"custom.tier": "gold"}, "-custom.plant_area"
            ),
            "all_area_range": lambda _i: page(
                users.objects.get(pk=admin.pk), {"custom.plant_area__gte": 50000}, "-custom.plant_area"
            ),
            "team_area_range": lambda _i: page(
                users.objects.get(pk=rng.choice(heads)),
                {"custom.plant_area__gte": 5000, "custom.plant_area__lte": 20000},
                "custom.plant_area",
            ),
            "mine_tier_by_area": lambda _i: page(
                users.objects.get(pk=rng.choice(salespeople)),
                {"owner": "me", "custom.tier": "silver"},
                "-custom.plant_area",
            ),
        }
        results = {}
        for name, fn in cases.items():
            fn(0)  # warm up
            samples, sql, queries = timed(fn, iterations)
            results[name] = (samples, sql, queries)
            print(
                f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
                f"(in SQL: p50 {statistics.median(sql):.1f} ms), {queries} queries/page",
                flush=True,
            )
    figures = {"bench": "custom_fields", "customers": n, "iterations": iterations}
    add_page_figures(figures, results)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
