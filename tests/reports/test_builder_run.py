"""The report builder's runs: group-bys, measures, filters typed by field, and the viewer's row
rules (tests/reports/conftest.py: zhang and liu in sales A under wang, yang in sales B)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import CustomFieldDefinition, Opportunity
from reports.builder.run import run_report
from reports.builder.spec import parse_spec

pytestmark = pytest.mark.django_db

BY_STAGE = {
    "entity": "opportunity",
    "group_by": [{"field": "stage"}],
    "measures": [{"fn": "count"}, {"fn": "sum", "field": "amount"}],
    "chart": "bar",
}


def build(user, raw):
    return run_report(user=user, spec=parse_spec(raw, user=user))


def by_label(result):
    return {row["g0"]: (row["m0"], row["m1"]) for row in result.rows}


def test_opportunities_by_stage_summing_amount_follow_the_viewers_row_rules(company, opportunities):
    # when the administrator, the manager of sales A and a salesperson build the same report
    everyone = by_label(build(company.admin, BY_STAGE))
    manager = by_label(build(company.wang, BY_STAGE))
    own = by_label(build(company.zhang, BY_STAGE))
    # then the administrator sees every deal, labelled by the stage's name
    assert everyone["Potential"] == (2, Decimal("1100"))
    assert everyone["Contract"] == (2, Decimal("2400"))
    assert everyone["Receivables"] == (1, Decimal("5000"))
    # wang sees sales A (zhang and liu) only: not yang's receivables deal
    assert "Receivables" not in manager and manager["Potential"] == (2, Decimal("1100"))
    # zhang sees only his own four deals
    assert own == {
        "Potential": (1, Decimal("100")),
        "Lead": (1, Decimal("200")),
        "Opportunity confirmed": (1, Decimal("300")),
        "Contract": (1, Decimal("400")),
    }


def test_a_run_is_one_grouped_query_plus_one_per_labelled_relation(company, opportunities):
    # given a report grouped by owner (user labels need one query)
    spec = parse_spec({**BY_STAGE, "group_by": [{"field": "owner"}]}, user=company.admin)
    # when it runs
    with CaptureQueriesContext(connection) as queries:
        result = run_report(user=company.admin, spec=spec)
    # then the owners are named, never numbered, and it took two queries
    assert {row["g0"] for row in result.rows} == {str(company.zhang), str(company.liu), str(company.yang)}
    assert len(queries) == 2


def test_largest_sum_first_and_a_limit(company, opportunities):
    raw = {**BY_STAGE, "sort": "m1", "descending": True, "limit": 2}
    result = build(company.admin, raw)
    assert [row["g0"] for row in result.rows] == ["Receivables", "Contract"]


def test_filters_typed_by_field(company, opportunities):
    # status is won, amount at least 500: liu's contract deal only
    raw = {
        **BY_STAGE,
        "filters": [
            {"field": "status", "op": "eq", "value": "won"},
            {"field": "amount", "op": "gte", "value": "500"},
        ],
    }
    assert by_label(build(company.admin, raw)) == {"Contract": (1, Decimal("2000"))}
    # "me" as the owner: the viewer's own deals
    mine = {**BY_STAGE, "filters": [{"field": "owner", "op": "eq", "value": "me"}]}
    assert sum(m0 for m0, _m1 in by_label(build(company.admin, mine)).values()) == 0
    assert sum(m0 for m0, _m1 in by_label(build(company.liu, mine)).values()) == 2
    # several stages at once, and a stage that is not
    some = {**BY_STAGE, "filters": [{"field": "stage", "op": "in", "value": ["lead", "contract"]}]}
    assert set(by_label(build(company.admin, some))) == {"Lead", "Contract"}
    other = {**BY_STAGE, "filters": [{"field": "stage", "op": "ne", "value": "potential"}]}
    assert "Potential" not in by_label(build(company.admin, other))


def test_dates_grouped_by_month_and_quarter_and_relative_periods(company, opportunities):
    # given two deals created in earlier months
    now = timezone.now()
    first, second = opportunities[0], opportunities[1]
    Opportunity.objects.filter(pk=first.pk).update(
        created_at=datetime.datetime(2026, 1, 15, 12, tzinfo=datetime.UTC)
    )
    Opportunity.objects.filter(pk=second.pk).update(
        created_at=datetime.datetime(2026, 2, 3, 12, tzinfo=datetime.UTC)
    )
    raw = {
        "entity": "opportunity",
        "group_by": [{"field": "created", "period": "month"}],
        "measures": [{"fn": "count"}],
        "chart": "line",
    }
    result = build(company.admin, raw)
    months = {row["g0"]: row["m0"] for row in result.rows}
    assert months["2026-01"] == 1 and months["2026-02"] == 1
    assert months[f"{timezone.localtime(now):%Y-%m}"] == 5
    # dated groups read oldest first
    assert list(months) == sorted(months)
    quarters = build(company.admin, {**raw, "group_by": [{"field": "created", "period": "quarter"}]})
    assert quarters.rows[0]["g0"] == "2026 Q1"
    # the last 30 days leave the two old deals out
    recent = {**raw, "filters": [{"field": "created", "op": "last_days", "value": 30}]}
    assert sum(row["m0"] for row in build(company.admin, recent).rows) == 5


def test_two_group_bys_make_the_chart_series(company, opportunities):
    raw = {
        "entity": "opportunity",
        "group_by": [{"field": "stage"}, {"field": "status"}],
        "measures": [{"fn": "sum", "field": "amount"}],
        "chart": "bar",
    }
    result = build(company.admin, raw)
    chart = result.chart
    assert chart["type"] == "bar"
    assert {dataset["label"] for dataset in chart["datasets"]} == {"Open", "Won", "Lost"}
    contract = chart["labels"].index("Contract")
    won = next(d for d in chart["datasets"] if d["label"] == "Won")
    assert won["data"][contract] == 2000.0


def test_no_group_by_gives_one_row_of_totals(company, opportunities):
    raw = {
        "entity": "opportunity",
        "measures": [{"fn": "count"}, {"fn": "avg", "field": "amount"}, {"fn": "max", "field": "amount"}],
        "chart": "table",
    }
    result = build(company.zhang, raw)
    assert result.rows == [{"m0": 4, "m1": Decimal("250.00"), "m2": Decimal("400.00")}]
    assert result.chart is None


def test_custom_fields_group_and_measure(company, customers):
    # given customers with a custom choice field and a number
    CustomFieldDefinition.objects.create(
        entity="customer", key="tier", label="Tier", kind="choice", choices=["gold", "silver"]
    )
    CustomFieldDefinition.objects.create(entity="customer", key="seats", label="Seats", kind="number")
    for customer, tier, seats in (
        (customers.zhang, "gold", 10),
        (customers.zhang2, "gold", 5),
        (customers.liu, "silver", 7),
    ):
        customer.custom = {"tier": tier, "seats": seats}
        customer.save(update_fields=["custom"])
    raw = {
        "entity": "customer",
        "group_by": [{"field": "custom.tier"}],
        "measures": [{"fn": "count"}, {"fn": "sum", "field": "custom.seats"}],
        "filters": [{"field": "custom.tier", "op": "in", "value": ["gold", "silver"]}],
        "chart": "pie",
    }
    rows = {row["g0"]: (row["m0"], row["m1"]) for row in build(company.admin, raw).rows}
    assert rows == {"gold": (2, Decimal("15")), "silver": (1, Decimal("7"))}


def test_tasks_come_through_the_engines_rule(company, processes):
    raw = {
        "entity": "task",
        "group_by": [{"field": "assignee"}],
        "measures": [{"fn": "count"}],
        "chart": "table",
    }
    # zhang sees his two tasks and the one offered to his group; nobody without rights sees none
    rows = {row["g0"]: row["m0"] for row in build(company.zhang, raw).rows}
    assert rows == {str(company.zhang): 2, "(none)": 1}
    assert build(company.nobody, raw).rows == []
    by_process = build(company.admin, {**raw, "group_by": [{"field": "process"}]})
    assert by_process.rows == [{"g0": "leave", "m0": 3}]


def test_a_chart_keeps_to_one_scale(company, opportunities):
    # a count beside a sum of amounts: the chart shows the measure sorted by
    raw = {**BY_STAGE, "sort": "m1", "descending": True}
    chart = build(company.admin, raw).chart
    assert [d["label"] for d in chart["datasets"]] == ["Sum · Amount"]
    both = {**BY_STAGE, "measures": [{"fn": "sum", "field": "amount"}, {"fn": "avg", "field": "amount"}]}
    assert len(build(company.admin, both).chart["datasets"]) == 2
