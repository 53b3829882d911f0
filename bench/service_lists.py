"""Service desk list benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

1,000,000 complaints and 300,000 service requests (100,000 and 30,000 with --quick) of 50,000
customers owned by 100 salespeople; a customer-service department of 20 representatives headed by
the service manager (row scope department tree); 85% of the cases resolved or closed, the open ones
due from three days ago to a week ahead. Timed through the list selector exactly as a page is
served (a fresh user object per request; rows + capped count):
a) the service manager's shared view "breaching today" (SLA due today, soonest first);
b) the service manager's "breached" view;
c) a representative's own open complaints (handler = me), soonest due first;
d) the service manager's service requests due today.
Target: p95 <= 50 ms for each. Queries per page are reported (constant by design).

    python -m bench service_lists [--quick]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from bench.crm_lists import add_page_figures, percentile, timed

REPS = 20
SALES = 100


def build_org():
    """The service department (its head and 20 representatives) and 100 salespeople elsewhere."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from org.models import Department, Employee, GroupProfile

    users = get_user_model()
    perms = Permission.objects.filter(
        content_type__app_label="crm", codename__in=["view_complaint", "view_servicerequest"]
    )
    service, _ = Group.objects.get_or_create(name="bench_service")
    service.permissions.add(*perms)
    GroupProfile.objects.update_or_create(group=service, defaults={"row_scope": "department_tree"})
    department = Department.objects.create(code="B-SVC", name="Service")
    sales_department = Department.objects.create(code="B-SAL", name="Sales")
    head = users.objects.create(username="bench_svc_head")
    head.groups.add(service)
    Employee.objects.create(user=head, code="BSH", name=head.username, department=department)
    department.head = head
    department.save(update_fields=["head"])
    reps = []
    for i in range(REPS):
        user = users.objects.create(username=f"bench_svc{i}")
        user.groups.add(service)
        Employee.objects.create(user=user, code=f"BS{i}", name=user.username, department=department)
        reps.append(user.pk)
    sales = []
    for i in range(SALES):
        user = users.objects.create(username=f"bench_sal{i}")
        Employee.objects.create(user=user, code=f"BX{i}", name=user.username, department=sales_department)
        sales.append(user.pk)
    return head.pk, reps, sales, department.pk


def fill(n_complaints: int, n_requests: int, *, customers: int, reps, sales, department: int) -> None:
    """Customers, complaints and service requests in SQL (generate_series)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO crm_customer (
                created_at, updated_at, code, name, short_name, address, phone, fax, zip_code, website,
                email, legal_person, tax_id, credit_level, description, background, portal_enabled,
                custom, search_name, name_key, name_bucket, phone_digits, email_key, tax_id_key,
                owner_id, owned_since
            )
            SELECT now(), now(), 'C' || lpad(g::text, 7, '0'), '客户' || g, '', '', '', '', '', '', '', '',
                   '', '', '', '', false, '{}'::jsonb, '客户' || g, '客户' || g, '客户', '', '', '',
                   (%(sales)s::bigint[])[1 + (g %% %(sales_count)s)], now()
            FROM generate_series(1, %(customers)s) AS g
            """,
            {"sales": sales, "sales_count": len(sales), "customers": customers},
        )
        cursor.execute("SELECT min(id) FROM crm_customer")
        first_customer = cursor.fetchone()[0]
        # 85% closed or resolved; the open ones (open: not triaged; in progress: a handler of the
        # service department) due from three days ago to a week ahead
        cursor.execute(
            """
            INSERT INTO crm_complaint (
                created_at, updated_at, code, customer_id, subject, description, severity, status,
                channel, department_id, handler_id, resolution, due_at, overdue_since, resolved_at, custom
            )
            SELECT now() - interval '10 days', now(), 'TS' || lpad(g::text, 8, '0'),
                   %(first)s + (hashint4(g) & 2147483647) %% %(customers)s, '投诉 ' || g, '',
                   (ARRAY['low','normal','high','critical'])[1 + (g %% 4)], s.status, 'phone',
                   CASE WHEN s.status = 'open' THEN NULL ELSE %(department)s END,
                   CASE WHEN s.status = 'open' THEN NULL
                        ELSE (%(reps)s::bigint[])[1 + (hashint4(g * 3) & 2147483647) %% %(rep_count)s] END,
                   '', s.due, NULL, CASE WHEN s.status IN ('resolved', 'closed') THEN now() END, '{}'
            FROM generate_series(1, %(n)s) AS g,
                 LATERAL (SELECT CASE WHEN g %% 20 < 17 THEN (ARRAY['resolved','closed'])[1 + (g %% 2)]
                                      WHEN g %% 20 = 17 THEN 'open' ELSE 'in_progress' END AS status,
                                 now() + make_interval(secs => ((hashint4(g * 7) & 2147483647) %% 864000)
                                                               - 259200) AS due) AS s
            """,
            {
                "first": first_customer,
                "customers": customers,
                "department": department,
                "reps": reps,
                "rep_count": len(reps),
                "n": n_complaints,
            },
        )
        cursor.execute(
            """
            INSERT INTO crm_servicerequest (
                created_at, updated_at, code, customer_id, kind, subject, description, serial_number,
                address, status, technician_id, work_record, due_at, custom
            )
            SELECT now() - interval '10 days', now(), 'FW' || lpad(g::text, 8, '0'),
                   %(first)s + (hashint4(g) & 2147483647) %% %(customers)s, 'repair', '服务 ' || g, '',
                   '', '', s.status,
                   CASE WHEN s.status = 'open' THEN NULL
                        ELSE (%(reps)s::bigint[])[1 + (hashint4(g * 3) & 2147483647) %% %(rep_count)s] END,
                   '', s.due, '{}'
            FROM generate_series(1, %(n)s) AS g,
                 LATERAL (SELECT CASE WHEN g %% 20 < 17 THEN (ARRAY['done','closed'])[1 + (g %% 2)]
                                      WHEN g %% 20 = 17 THEN 'open' ELSE 'dispatched' END AS status,
                                 now() + make_interval(secs => ((hashint4(g * 7) & 2147483647) %% 864000)
                                                               - 259200) AS due) AS s
            """,
            {
                "first": first_customer,
                "customers": customers,
                "reps": reps,
                "rep_count": len(reps),
                "n": n_requests,
            },
        )
        cursor.execute("ANALYZE")


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database

    n = 100_000 if quick else 1_000_000
    n_requests = n * 3 // 10
    iterations = 100 if quick else 300
    with scratch_database("service_lists"):
        from django.contrib.auth import get_user_model

        from crm.selectors.lists import list_page

        users = get_user_model()
        head, reps, sales, department = build_org()
        started = time.perf_counter()
        fill(n, n_requests, customers=50_000, reps=reps, sales=sales, department=department)
        print(
            f"  {n} complaints and {n_requests} service requests inserted and analyzed in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        rng = random.Random(3)

        def view(entity, params, who=lambda: head):
            def run_one(_i):
                user = users.objects.get(pk=who())
                page = list_page(user=user, entity=entity, params=params)
                assert page["rows"], f"{entity} {params} has rows"

            return run_one

        cases = [
            ("breaching_today", view("complaint", {"filters": {"sla": "due_today"}, "sort": "due_at"})),
            ("breached", view("complaint", {"filters": {"sla": "breached"}, "sort": "due_at"})),
            (
                "my_open",
                view(
                    "complaint",
                    {"filters": {"handler": "me", "status": "in_progress"}, "sort": "due_at"},
                    who=lambda: rng.choice(reps),
                ),
            ),
            (
                "requests_due_today",
                view("service_request", {"filters": {"sla": "due_today"}, "sort": "due_at"}),
            ),
        ]
        results = {}
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
        "bench": "service_lists",
        "complaints": n,
        "service_requests": n_requests,
        "iterations": iterations,
    }
    add_page_figures(figures, results)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
