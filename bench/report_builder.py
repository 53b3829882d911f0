"""Report builder benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

The data of bench/reports.py (1,000,000 opportunities, 1,000,000 orders with 5,000,000 lines over
three years, 100,000 customers; a tenth with --quick; 200 salespeople in 10 teams), and five
reports built as a user builds them (a spec, parsed against the registry, run through the
viewer's row rules) for the administrator (every row), a manager (their team) and a salesperson
(their own):
  pipeline      opportunities created in the last 12 months by stage, count and sum of amount
  monthly       opportunities by month created x status (two group-bys), count, last 12 months
  orders        orders of the last 12 months by month ordered, sum and average of the total
  top_sellers   orders of this year by owner, sum of the total, largest 20
  customers     customers by level, count and average annual revenue
Target: p95 of every report <= 1 s.

    python -m bench report_builder [--quick]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

YEAR = {"field": "created", "op": "last_days", "value": 365}
REPORTS = {
    "pipeline": {
        "entity": "opportunity",
        "filters": [YEAR],
        "group_by": [{"field": "stage"}],
        "measures": [{"fn": "count"}, {"fn": "sum", "field": "amount"}],
        "chart": "bar",
    },
    "monthly": {
        "entity": "opportunity",
        "filters": [YEAR],
        "group_by": [{"field": "created", "period": "month"}, {"field": "status"}],
        "measures": [{"fn": "count"}],
        "chart": "line",
    },
    "orders": {
        "entity": "order",
        "filters": [{"field": "ordered_on", "op": "last_days", "value": 365}],
        "group_by": [{"field": "ordered_on", "period": "month"}],
        "measures": [{"fn": "sum", "field": "total_amount"}, {"fn": "avg", "field": "total_amount"}],
        "chart": "line",
    },
    "top_sellers": {
        "entity": "order",
        "filters": [{"field": "ordered_on", "op": "this_year"}],
        "group_by": [{"field": "owner"}],
        "measures": [{"fn": "sum", "field": "total_amount"}],
        "chart": "bar",
        "sort": "m0",
        "descending": True,
        "limit": 20,
    },
    "customers": {
        "entity": "customer",
        "group_by": [{"field": "level"}],
        "measures": [{"fn": "count"}, {"fn": "avg", "field": "annual_revenue"}],
        "chart": "pie",
    },
}


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database
    from bench.crm_lists import build_org, fill_customers, percentile, timed
    from bench.reports import fill_sales, grant_report_permissions

    scale = 10 if quick else 1
    customers, opportunities, orders = 100_000 // scale, 1_000_000 // scale, 1_000_000 // scale
    iterations = 7 if quick else 20
    with scratch_database("report_builder"):
        from django.contrib.auth import get_user_model

        from crm.models import CustomerLevel
        from reports.builder.run import run_report
        from reports.builder.spec import parse_spec

        users = get_user_model()
        salespeople, heads = build_org()
        grant_report_permissions()
        admin = users.objects.create(username="bench_admin", is_superuser=True, is_staff=True)
        levels = [CustomerLevel.objects.create(code=c, name=c, sort_order=i) for i, c in enumerate("ABCD")]
        started = time.perf_counter()
        fill_customers(customers, salespeople, [lv.pk for lv in levels])
        fill_sales(opportunities=opportunities, orders=orders, lines_per_order=5)
        print(
            f"  {customers} customers, {opportunities} opportunities, {orders} orders inserted and "
            f"analyzed in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        rng = random.Random(7)
        viewers = {
            "admin": lambda: admin.pk,
            "manager": lambda: rng.choice(heads),
            "salesperson": lambda: rng.choice(salespeople),
        }
        results = {}
        for report_name, raw in REPORTS.items():
            for viewer, pick in viewers.items():

                def build(_i, raw=raw, pick=pick):
                    # as the page does it: a fresh user (permission lookups included), parse, run
                    user = users.objects.get(pk=pick())
                    result = run_report(user=user, spec=parse_spec(raw, user=user))
                    assert result.rows is not None

                build(0)  # warm up
                samples, sql, queries = timed(build, iterations)
                name = f"{report_name}_{viewer}"
                results[name] = (samples, sql, queries)
                print(
                    f"  {name}: p50 {statistics.median(samples):.0f} ms, "
                    f"p95 {percentile(samples, 0.95):.0f} ms, {queries} queries",
                    flush=True,
                )
    figures = {
        "bench": "report_builder",
        "opportunities": opportunities,
        "orders": orders,
        "customers": customers,
        "iterations": iterations,
    }
    for name, (samples, sql, queries) in results.items():
        figures[f"{name}_p50_ms"] = round(statistics.median(samples), 1)
        figures[f"{name}_p95_ms"] = round(percentile(samples, 0.95), 1)
        figures[f"{name}_sql_p50_ms"] = round(statistics.median(sql), 1)
        figures[f"{name}_queries"] = queries
    every = [s for samples, _sql, _q in results.values() for s in samples]
    figures["all_p95_ms"] = round(percentile(every, 0.95), 1)
    figures["every_report_p95_under_1s"] = all(percentile(s, 0.95) <= 1000 for s, _q, _n in results.values())
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
