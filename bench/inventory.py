"""Inventory benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

1,000,000 stock moves over three years (100,000 with --quick) of 2,000 products (200) in 5
warehouses, written in time order as the append-only ledger is, with their 10,000 stock levels
(2% below their reorder level). Timed as the pages build them, for a warehouse clerk (a fresh
user object per request, so the permission lookups are included):
a) the inventory report (reports.selectors.inventory_report): stock and value per warehouse, the
   200 most valuable levels, the movements of the last 30 days per product;
b) the first page of the stock ledger (all products, newest first) with its capped count;
c) the first page of one product's ledger (a random product);
d) the "Low stock" view (stock levels below their reorder level) and the products with low stock.
Target: p95 <= 50 ms for each first page (issue #23). Queries per page are reported.

    python -m bench inventory [--quick]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from bench.crm_lists import add_page_figures, percentile

WAREHOUSES = 5
PERMISSIONS = ("view_product", "view_stocklevel", "view_stockmove", "view_warehouse")


def build(products: int, moves: int) -> tuple[int, list[int]]:
    """The clerk, the catalogue and the ledger (in SQL, generate_series); returns the clerk's id
    and the product ids."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db import connection

    from crm.models import Product, Warehouse
    from org.models import GroupProfile

    group, _ = Group.objects.get_or_create(name="warehouse")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="crm", codename__in=PERMISSIONS))
    GroupProfile.objects.update_or_create(group=group, defaults={"row_scope": "all"})
    clerk = get_user_model().objects.create(username="bench_clerk")
    clerk.groups.add(group)
    Product.objects.bulk_create(
        Product(code=f"BP{i:05d}", name=f"产品 {i}", price=10 + i % 500) for i in range(products)
    )
    Warehouse.objects.bulk_create(Warehouse(code=f"BW{i}", name=f"仓库 {i}") for i in range(WAREHOUSES))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM crm_product")
        (first_product,) = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM crm_warehouse")
        (first_warehouse,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO crm_stockmove (product_id, warehouse_id, kind, quantity, balance, reference, at)
            SELECT %(p)s + (hashint4(g) & 2147483647) %% %(products)s,
                   %(w)s + (hashint4(g * 3) & 2147483647) %% %(warehouses)s,
                   (ARRAY['in','in','out','out','out','transfer_in','transfer_out','count'])
                       [1 + (hashint4(g * 5) & 2147483647) %% 8],
                   1 + (hashint4(g * 7) & 15), 100 + (hashint4(g * 11) & 255), 'REF-' || g,
                   now() - make_interval(secs => ((%(n)s - g) * (3 * 365 * 86400.0) / %(n)s)::int)
            FROM generate_series(1, %(n)s) g
            """,
            {
                "p": first_product,
                "w": first_warehouse,
                "products": products,
                "warehouses": WAREHOUSES,
                "n": moves,
            },
        )
        cursor.execute(
            """
            INSERT INTO crm_stocklevel (product_id, warehouse_id, on_hand, reserved, reorder_level, low)
            SELECT p.id, w.id, 20 + (hashint4((p.id * 7 + w.id)::int) & 255), 0, 10,
                   (hashint4((p.id * 31 + w.id)::int) & 2147483647) % 50 = 0
            FROM crm_product p CROSS JOIN crm_warehouse w
            """
        )
        cursor.execute(
            "UPDATE crm_product p SET low_stock = EXISTS "
            "(SELECT 1 FROM crm_stocklevel l WHERE l.product_id = p.id AND l.low)"
        )
        cursor.execute("ANALYZE")
    return clerk.pk, list(Product.objects.values_list("pk", flat=True))


def timed(fn, iterations: int) -> tuple[list[float], list[float], int]:
    from django.db import connection, reset_queries

    samples, sql, queries = [], [], 0
    for i in range(iterations):
        connection.force_debug_cursor = True
        reset_queries()
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
        queries = len(connection.queries)
        sql.append(sum(float(q["time"]) for q in connection.queries) * 1000)
        connection.force_debug_cursor = False
    return samples, sql, queries


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database

    products, moves = (200, 100_000) if quick else (2_000, 1_000_000)
    iterations = 100 if quick else 200
    with scratch_database("inventory"):
        from django.contrib.auth import get_user_model

        import crm.catalogue.lists  # noqa: F401  (the catalogue's lists join the registry)
        from crm.selectors.lists import list_page
        from reports.filters import ReportFilters
        from reports.selectors import inventory_report

        users = get_user_model()
        started = time.perf_counter()
        clerk_id, product_ids = build(products, moves)
        print(
            f"  {moves} stock moves inserted and analyzed in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        rng = random.Random(7)

        def clerk():
            return users.objects.get(pk=clerk_id)

        def report(_i):
            data = inventory_report(user=clerk(), filters=ReportFilters())
            assert data["levels"] and data["movements"]

        def ledger(_i):
            page = list_page(user=clerk(), entity="stock_move", params={})
            assert len(page["rows"]) == 50 and page["count_capped"]

        def product_ledger(_i):
            params = {"filters": {"product": rng.choice(product_ids)}}
            assert list_page(user=clerk(), entity="stock_move", params=params)["rows"]

        def low_levels(_i):
            assert list_page(user=clerk(), entity="stock_level", params={"filters": {"low": True}})["rows"]

        def low_products(_i):
            assert list_page(user=clerk(), entity="product", params={"filters": {"low": True}})["rows"]

        results = {}
        cases = [
            ("report", report),
            ("ledger", ledger),
            ("product_ledger", product_ledger),
            ("low_levels", low_levels),
            ("low_products", low_products),
        ]
        for name, fn in cases:
            fn(0)  # warm up connections and caches
            samples, sql, queries = timed(fn, iterations)
            results[name] = (samples, sql, queries)
            print(
                f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
                f"(in SQL: p50 {statistics.median(sql):.1f} ms), {queries} queries/page",
                flush=True,
            )
    figures = {"bench": "inventory", "stock_moves": moves, "products": products, "iterations": iterations}
    add_page_figures(figures, results)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
