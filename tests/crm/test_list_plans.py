"""List queries on a big customer table use indexes (PostgreSQL plans), whatever the user's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import CustomerLevel
from crm.selectors.lists import list_queryset
from org.models import User

pytestmark = pytest.mark.postgres

ROWS = 40_000


@pytest.fixture
def big_table(org):
    # given 40,000 customers spread over 60 salespeople, 2% shared, statistics up to date
    levels = [CustomerLevel.objects.create(code=c, name=c, sort_order=i) for i, c in enumerate("ABCD")]
    others = User.objects.bulk_create([User(username=f"t.bulk{i}") for i in range(56)])
    owners = [org.zhang.pk, org.liu.pk, org.wang.pk, org.yang.pk, *(u.pk for u in others)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO crm_customer (
                created_at, updated_at, code, name, short_name, address, phone, fax, zip_code, website,
                email, legal_person, tax_id, credit_level, description, background, portal_enabled,
                custom, search_name, name_key, name_bucket, phone_digits, email_key, tax_id_key,
                owner_id, owned_since, level_id, last_activity_at
            )
            SELECT now(), now(), 'P' || g, n, '', '', '', '', '', '', '', '', '', '', '', '', false,
                   '{}'::jsonb, n, n, substr(n, 1, 2), '', '', '', (%(owners)s::bigint[])[1 + g %% 60], now(),
                   (%(levels)s::bigint[])[1 + (hashint4(g) & 3)],
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE now() - make_interval(secs => g) END
            FROM generate_series(1, %(rows)s) AS g, LATERAL (SELECT 'company ' || md5(g::text) AS n) AS x
            """,
            {"owners": owners, "levels": [lv.pk for lv in levels], "rows": ROWS},
        )
        cursor.execute(
            """INSERT INTO crm_customershare (customer_id, user_id, level, created_at)
               SELECT id, %(user)s, 'read', now() FROM crm_customer WHERE id %% 50 = 0""",
            {"user": org.yang.pk},
        )
        cursor.execute("ANALYZE crm_customer")
        cursor.execute("ANALYZE crm_customershare")
    return levels


def plan(qs) -> str:
    return qs.explain()


def assert_indexed(text: str) -> None:
    assert "Seq Scan on crm_customer " not in text + " ", text
    assert "crm_customer" in text


def test_list_pages_and_counts_use_indexes(org, big_table):
    level_a = big_table[0].pk
    # when a salesperson opens "my customers, level A, by last activity"
    qs = list_queryset(
        user=org.zhang, entity="customer", params={"filters": {"owner": "me", "level": level_a}}
    )
    text = plan(qs.select_related("owner", "level", "status", "industry", "region")[:50])
    # then one index range answers it
    assert_indexed(text)
    assert "crm_cust_owner_level_act" in text
    # a name prefix search over what the salesperson may see: the query that reads the matches
    with CaptureQueriesContext(connection) as ctx:
        page = list_queryset(user=org.zhang, entity="customer", params={"search": "company 0a"})[:50]
    search_sql = [q["sql"] for q in ctx.captured_queries if "search_name" in q["sql"]]
    assert len(search_sql) == 1
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + search_sql[0])
        assert_indexed("\n".join(row[0] for row in cursor.fetchall()))
    assert_indexed(plan(page))
    # the capped count of a filtered list
    qs = list_queryset(user=org.zhang, entity="customer", params={"filters": {"level": level_a}})
    assert_indexed(plan(qs.order_by().values("pk")[:10_001]))
    # the manager's team view, and a salesperson with shared cards
    assert_indexed(
        plan(list_queryset(user=org.wang, entity="customer", params={"filters": {"level": level_a}})[:50])
    )
    assert_indexed(
        plan(list_queryset(user=org.yang, entity="customer", params={"sort": "-last_activity"})[:50])
    )
