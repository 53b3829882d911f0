"""Report benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

1,000,000 opportunities, 1,000,000 orders with 5,000,000 order lines over three years and 100,000
customers (a tenth of each with --quick), owned by 200 salespeople in 10 teams. Timed through the
report selectors exactly as a page builds them (a fresh user object each time, so the permission
lookups are included), for the last twelve months:
a) the sales funnel (opportunities per stage, amounts, conversion) for the administrator (every
   row), a manager (their team) and a salesperson (their own);
   the time at each stage over those opportunities' 3.5 million stage spells (a tenth with --quick),
   for the same three;
b) the sales report (by month, by salesperson, by product over the order lines) for the same three.
Target: every report < 1 s (the max of the timed runs). Queries per report are reported.

    python -m bench reports [--quick]
"""

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

PRODUCTS = 200
PERMISSIONS = ("view_opportunity", "view_order", "view_customer")


def grant_report_permissions() -> None:
    from django.contrib.auth.models import Group, Permission

    perms = Permission.objects.filter(content_type__app_label="crm", codename__in=PERMISSIONS)
    for name in ("bench_sales", "bench_managers"):
        Group.objects.get(name=name).permissions.add(*perms)


def fill_sales(*, opportunities: int, orders: int, lines_per_order: int) -> None:
    """Opportunities, orders and their lines in SQL (generate_series); each row belongs to one of
    the customers and carries that customer's owner, and each line of a booked order its `booked_on`, as
    the services would write them."""
    from django.db import connection

    from crm.models import Order, Product
    from crm.models.sales_processes import DEFAULT_STAGES

    Product.objects.bulk_create(
        Product(code=f"BP{i}", name=f"Product {i}", price=100) for i in range(PRODUCTS)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM crm_customer")
        first, last = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM crm_product")
        (product,) = cursor.fetchone()
        span = last - first + 1
        cursor.execute(
            """
            INSERT INTO crm_opportunity (
                created_at, updated_at, customer_id, name, amount, probability, stage, status,
                win_loss_reason, owner_id, custom, importance, close_reason
            )
            SELECT now() - make_interval(days => (hashint4(g) & 2147483647) %% 1095),
                   now(), c.id, 'Deal ' || g, ((hashint4(g * 3) & 65535) * 10)::numeric, 50,
                   (ARRAY['potential','lead','confirmed','contract','receivables','repeat'])
                       [1 + (hashint4(g * 5) & 2147483647) %% 6],
                   (ARRAY['open','open','open','won','lost'])[1 + (hashint4(g * 7) & 2147483647) %% 5],
                   '', c.owner_id, '{}'::jsonb, 2, ''
            FROM generate_series(1, %(n)s) g
            JOIN crm_customer c ON c.id = %(first)s + (hashint4(g * 11) & 2147483647) %% %(span)s
            """,
            {"n": opportunities, "first": first, "span": span},
        )
        # each opportunity's stage spells up to its stage, ten days apart, 1-8 days each; the
        # current stage's is still open unless the deal was won or lost (as Opportunity.save keeps them)
        cursor.execute(
            """
            INSERT INTO crm_opportunitystagespell (opportunity_id, stage, entered_at, left_at)
            SELECT o.id, (%(stages)s::varchar[])[i + 1],
                   LEAST(o.created_at + make_interval(days => i * 10), now()),
                   CASE WHEN i < o.k - 1 OR o.status <> 'open' THEN LEAST(
                       o.created_at + make_interval(days => i * 10 + 1 + (hashint4(o.id::int * 7 + i) & 7)),
                       now()
                   ) END
            FROM (SELECT id, created_at, status, array_position(%(stages)s::varchar[], stage) AS k
                  FROM crm_opportunity) o,
                 generate_series(0, o.k - 1) i
            """,
            {"stages": [key for key, _name, _probability in DEFAULT_STAGES]},
        )
        cursor.execute(
            """
            INSERT INTO crm_order (
                created_at, updated_at, code, customer_id, status, ordered_on, total_amount, notes, owner_id,
                custom
            )
            SELECT now(), now(), 'BO' || g, c.id,
                   (ARRAY['approved','shipped','paid','paid','draft','cancelled'])
                       [1 + (hashint4(g * 5) & 2147483647) %% 6],
                   current_date - (hashint4(g) & 2147483647) %% 1095,
                   0, '', c.owner_id, '{}'
            FROM generate_series(1, %(n)s) g
            JOIN crm_customer c ON c.id = %(first)s + (hashint4(g * 13) & 2147483647) %% %(span)s
            """,
            {"n": orders, "first": first, "span": span},
        )
        cursor.execute(
            """
            INSERT INTO crm_orderline (
                order_id, product_id, unit, quantity, price, discount_percent, amount, booked_on
            )
            SELECT o.id, %(product)s + (hashint4(o.id::int * 7 + l) & 2147483647) %% %(products)s, 'pcs',
                   q.quantity, 100, 0, q.quantity * 100,
                   CASE WHEN o.status = ANY(%(booked)s) THEN o.ordered_on END
            FROM crm_order o, generate_series(1, %(lines)s) l,
                 LATERAL (SELECT 1 + (hashint4(o.id::int * 3 + l) & 7) AS quantity) q
            """,
            {
                "product": product,
                "products": PRODUCTS,
                "lines": lines_per_order,
                "booked": list(Order.BOOKED),
            },
        )
        cursor.execute(
            """
            UPDATE crm_order o SET total_amount = t.total
            FROM (SELECT order_id, sum(amount) AS total FROM crm_orderline GROUP BY order_id) t
            WHERE t.order_id = o.id
            """
        )
        cursor.execute("VACUUM ANALYZE crm_opportunity")
        cursor.execute("VACUUM ANALYZE crm_opportunitystagespell")
        cursor.execute("VACUUM ANALYZE crm_order")
        cursor.execute("VACUUM ANALYZE crm_orderline")


def explain(users, *user_ids, filters) -> None:
    """BENCH_EXPLAIN=1: print EXPLAIN ANALYZE of each report query per viewer (index use)."""
    from django.db import connection

    from reports.selectors import sales_funnel, sales_report

    for user_id in user_ids:
        for selector in (sales_funnel, sales_report):
            user = users.objects.get(pk=user_id)
            connection.force_debug_cursor = True
            start = len(connection.queries)
            selector(user=user, filters=filters)
            statements = [q["sql"] for q in connection.queries[start:]]
            connection.force_debug_cursor = False
            for sql in statements:
                if "GROUP BY" not in sql:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
                    print(
                        f"-- {selector.__name__} as user {user_id}\n"
                        + "\n".join(r[0] for r in cursor.fetchall())
                    )


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database
    from bench.crm_lists import build_org, fill_customers, percentile, timed

    scale = 10 if quick else 1
    customers, opportunities, orders = 100_000 // scale, 1_000_000 // scale, 1_000_000 // scale
    iterations = 5 if quick else 7
    with scratch_database("reports"):
        from django.contrib.auth import get_user_model

        from crm.models import CustomerLevel
        from reports.filters import ReportFilters
        from reports.selectors import sales_funnel, sales_report, stage_times

        users = get_user_model()
        salespeople, heads = build_org()
        grant_report_permissions()
        admin = users.objects.create(username="bench_admin", is_superuser=True, is_staff=True)
        levels = [CustomerLevel.objects.create(code=c, name=c, sort_order=i) for i, c in enumerate("ABCD")]
        started = time.perf_counter()
        fill_customers(customers, salespeople, [lv.pk for lv in levels])
        fill_sales(opportunities=opportunities, orders=orders, lines_per_order=5)
        print(
            f"  {customers} customers, {opportunities} opportunities, {orders} orders, {orders * 5} lines "
            f"inserted and analyzed in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        today = datetime.date.today()
        year = ReportFilters(date_from=today - datetime.timedelta(days=365), date_to=today)
        rng = random.Random(5)
        viewers = {
            "admin": lambda: admin.pk,
            "manager": lambda: rng.choice(heads),
            "salesperson": lambda: rng.choice(salespeople),
        }
        reports = {"funnel": sales_funnel, "stages": stage_times, "sales": sales_report}
        results = {}
        for report_name, selector in reports.items():
            for viewer, pick in viewers.items():

                def build(_i, selector=selector, pick=pick):
                    data = selector(user=users.objects.get(pk=pick()), filters=year)
                    assert data, "a report came back empty"

                build(0)  # warm up
                samples, sql, queries = timed(build, iterations)
                name = f"{report_name}_{viewer}"
                results[name] = (samples, sql, queries)
                print(
                    f"  {name}: p50 {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms "
                    f"(in SQL p50 {statistics.median(sql):.0f} ms), {queries} queries",
                    flush=True,
                )
        if os.environ.get("BENCH_EXPLAIN"):
            explain(users, admin.pk, salespeople[0], heads[0], filters=year)
    figures = {
        "bench": "reports",
        "opportunities": opportunities,
        "orders": orders,
        "order_lines": orders * 5,
        "iterations": iterations,
    }
    for name, (samples, sql, queries) in results.items():
        figures[f"{name}_sql_p50_ms"] = round(statistics.median(sql), 1)
        figures[f"{name}_p50_ms"] = round(statistics.median(samples), 1)
        figures[f"{name}_max_ms"] = round(max(samples), 1)
        figures[f"{name}_p95_ms"] = round(percentile(samples, 0.95), 1)
        figures[f"{name}_queries"] = queries
    figures["all_under_1s"] = all(max(samples) < 1000 for samples, _sql, _q in results.values())
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
