"""Each report's numbers on the hand-counted company of conftest.py."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Campaign, Opportunity, Order
from org.permissions import RowScope
from reports.filters import ReportFilters
from reports.selectors import (
    NotPermitted,
    campaign_report,
    customer_counts,
    process_kpis,
    receivables,
    sales_funnel,
    sales_report,
    service_report,
    stage_times,
)
from tests.crm.factories import OpportunityFactory

from .conftest import TODAY, money

ALL = ReportFilters()


def _stages(report):
    return {s["stage"]: s for s in report["stages"]}


def test_funnel_for_the_administrator_counts_every_stage_and_the_conversion(company, opportunities):
    # given the seven opportunities of conftest (potential 2, lead 1, confirmed 1, contract 2, receivables 1)
    # when
    report = sales_funnel(user=company.admin, filters=ALL)
    # then stages come in the opportunity process's order
    stages = _stages(report)
    assert [s["stage"] for s in report["stages"]] == [
        "potential",
        "lead",
        "confirmed",
        "contract",
        "receivables",
        "repeat",
    ]
    assert (stages["potential"]["count"], stages["potential"]["amount"]) == (2, money(1100))
    assert (stages["contract"]["count"], stages["contract"]["amount"]) == (2, money(2400))
    assert stages["repeat"]["count"] == 0
    # reached = at this stage or later: repeat 0, receivables 1, contract 3, confirmed 4, lead 5, potential 7
    assert [s["reached"] for s in report["stages"]] == [7, 5, 4, 3, 1, 0]
    assert stages["potential"]["conversion"] is None
    assert stages["lead"]["conversion"] == round(5 / 7, 4)
    assert stages["confirmed"]["conversion"] == 0.8
    assert stages["contract"]["conversion"] == 0.75
    assert stages["receivables"]["conversion"] == round(1 / 3, 4)
    assert stages["repeat"]["conversion"] == 0.0
    # won: confirmed 300 + contract 2000; lost: contract 400
    assert (report["total"], report["won"], report["lost"]) == (7, 2, 1)
    assert report["won_amount"] == money(2300)
    assert report["win_rate"] == round(2 / 3, 4)
    assert report["amount"] == money(9000)


def test_funnel_of_a_salesperson_holds_only_their_own_opportunities(company, opportunities):
    report = sales_funnel(user=company.zhang, filters=ALL)
    # zhang: potential 100, lead 200, confirmed 300 (won), contract 400 (lost)
    assert report["total"] == 4
    assert report["amount"] == money(1000)
    assert [s["count"] for s in report["stages"]] == [1, 1, 1, 1, 0, 0]


def test_funnel_of_a_manager_covers_their_department(company, opportunities):
    # wang heads Sales A: zhang's four and liu's two
    report = sales_funnel(user=company.wang, filters=ALL)
    assert report["total"] == 6
    assert report["amount"] == money(4000)


def test_funnel_filters_by_salesperson_department_and_period(company, opportunities):
    by_liu = sales_funnel(user=company.admin, filters=ReportFilters(salesperson_id=company.liu.pk))
    assert (by_liu["total"], by_liu["amount"]) == (2, money(3000))
    by_dept_b = sales_funnel(user=company.admin, filters=ReportFilters(department_id=company.dept_b.pk))
    assert (by_dept_b["total"], by_dept_b["amount"]) == (1, money(5000))
    # given one opportunity created last year
    old = opportunities[-1]
    Opportunity.objects.filter(pk=old.pk).update(
        created_at=datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC)
    )
    this_year = sales_funnel(user=company.admin, filters=ReportFilters(date_from=datetime.date(2026, 1, 1)))
    assert this_year["total"] == 6
    last_year = sales_funnel(
        user=company.admin,
        filters=ReportFilters(date_from=datetime.date(2025, 5, 1), date_to=datetime.date(2025, 5, 1)),
    )
    assert (last_year["total"], last_year["amount"]) == (1, money(5000))


def test_time_at_each_stage_from_the_stage_spells(company, customers):
    t0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    day = datetime.timedelta(days=1)

    def at(moment, opportunity, **fields):
        with time_machine.travel(moment, tick=False):
            for name, value in fields.items():
                setattr(opportunity, name, value)
            opportunity.save()

    with time_machine.travel(t0, tick=False):
        a = OpportunityFactory(customer=customers.zhang, stage="potential")
        b = OpportunityFactory(customer=customers.liu, stage="potential")
    at(t0 + 2 * day, a, stage_id="lead")
    at(t0 + 4 * day, b, stage_id="lead")
    at(t0 + 6 * day, a, status="won", closed_at=t0 + 6 * day)
    with time_machine.travel(t0 + 10 * day, tick=False):
        stages = {row["stage"]: row for row in stage_times(user=company.admin, filters=ALL)["stages"]}
        mine = {row["stage"]: row for row in stage_times(user=company.zhang, filters=ALL)["stages"]}

    def figures(row):
        keys = ("reached", "moved_on", "average_days", "still_there", "average_days_so_far")
        return tuple(row[key] for key in keys)

    # potential: a left after 2 days, b after 4 -> 3.0; lead: a won after 4 days there, b has been
    # there for 6 days
    assert figures(stages["potential"]) == (2, 2, 3.0, 0, None)
    assert figures(stages["lead"]) == (2, 1, 4.0, 1, 6.0)
    assert figures(stages["confirmed"]) == (0, 0, None, 0, None)
    # a salesperson's figures hold only their own deals (b is liu's)
    assert figures(mine["potential"]) == (1, 1, 2.0, 0, None)
    assert figures(mine["lead"]) == (1, 1, 4.0, 0, None)


def test_sales_by_month_salesperson_and_product_count_booked_orders_only(company, orders):
    report = sales_report(user=company.admin, filters=ALL)
    # the draft O3 is not a sale: January O1 100; February O2 300 + O4 500
    assert report["by_period"] == [
        {"period": "2026-01", "orders": 1, "amount": money(100)},
        {"period": "2026-02", "orders": 2, "amount": money(800)},
    ]
    assert [(r["salesperson"], r["orders"], r["amount"]) for r in report["by_salesperson"]] == [
        (str(company.yang), 1, money(500)),
        (str(company.zhang), 2, money(400)),
    ]
    # P2: O2 1 x 100 + O4 5 = 500 -> 6, 600; P1: O1 1 + O2 2 -> 3, 300
    assert [(r["code"], r["quantity"], r["amount"]) for r in report["by_product"]] == [
        ("P2", money(6), money(600)),
        ("P1", money(3), money(300)),
    ]
    assert (report["orders"], report["amount"]) == (3, money(900))


def test_the_administrators_sales_by_product_follows_every_filter_and_status_change(company, orders):
    """The administrator's by-product sum reads the lines' own booked dates (no join to the orders)."""

    def by_product(**filters):
        report = sales_report(user=company.admin, filters=ReportFilters(**filters))
        return [(r["code"], r["quantity"], r["amount"]) for r in report["by_product"]]

    february = {"date_from": datetime.date(2026, 2, 1), "date_to": datetime.date(2026, 2, 28)}
    # O2 (P1 2 = 200, P2 1 = 100) and O4 (P2 5 = 500); O1 is January's, the draft O3 no sale
    assert by_product(**february) == [("P2", money(6), money(600)), ("P1", money(2), money(200))]
    zhangs = [("P1", money(3), money(300)), ("P2", money(1), money(100))]
    assert by_product(salesperson_id=company.zhang.pk) == zhangs
    assert by_product(department_id=company.dept_b.pk) == [("P2", money(5), money(500))]
    # when O4 is cancelled its lines leave the report
    orders.o4.status = Order.Status.CANCELLED
    orders.o4.save()
    assert by_product() == zhangs  # (O4 was yang's only order)


def test_a_director_who_sees_every_order_gets_the_administrators_sales_by_product(company, orders):
    from tests.crm.conftest import SALES_PERMS
    from tests.factories import GroupFactory, UserFactory

    directors = GroupFactory(name="r_directors", perms=SALES_PERMS, profile__row_scope=RowScope.ALL)
    director = UserFactory(username="r.director")
    director.groups.add(directors)
    for filters in (ALL, ReportFilters(department_id=company.dept_b.pk)):
        assert (
            sales_report(user=director, filters=filters)["by_product"]
            == sales_report(user=company.admin, filters=filters)["by_product"]
        )


def test_sales_of_a_salesperson_and_by_period(company, orders):
    mine = sales_report(user=company.zhang, filters=ALL)
    assert [r["salesperson"] for r in mine["by_salesperson"]] == [str(company.zhang)]
    assert [(r["code"], r["amount"]) for r in mine["by_product"]] == [("P1", money(300)), ("P2", money(100))]
    february = sales_report(
        user=company.admin,
        filters=ReportFilters(date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28)),
    )
    assert february["by_period"] == [{"period": "2026-02", "orders": 2, "amount": money(800)}]


def test_receivables_outstanding_overdue_and_ageing(company, contracts):
    report = receivables(user=company.admin, filters=ALL, today=TODAY)
    # signed contracts K1 1000 + K2 500 + K3 2000 + K5 300; paid 400 + 2000 + 100
    assert report["contracted"] == money(3800)
    assert report["paid"] == money(2500)
    assert report["outstanding"] == money(1300)
    # K2 ended 2026-05-01 with 500 unpaid
    assert (report["overdue"], report["overdue_count"]) == (money(500), 1)
    # K1 600 at 20 days, K2 500 at 90 days, K5 200 at 211 days
    assert report["ageing"] == [
        {"bucket": "0-30", "outstanding": money(600)},
        {"bucket": "31-60", "outstanding": money(0)},
        {"bucket": "61-90", "outstanding": money(500)},
        {"bucket": "91+", "outstanding": money(200)},
    ]
    assert [(c["contract"], c["outstanding"], c["age_days"], c["overdue"]) for c in report["contracts"]] == [
        ("K1", money(600), 20, False),
        ("K2", money(500), 90, True),
        ("K5", money(200), 211, False),
    ]


def test_receivables_of_a_salesperson(company, contracts):
    report = receivables(user=company.zhang, filters=ALL, today=TODAY)
    assert (report["contracted"], report["paid"], report["outstanding"]) == (
        money(1500),
        money(400),
        money(1100),
    )
    assert {c["contract"] for c in report["contracts"]} == {"K1", "K2"}


def test_service_report(company, service):
    report = service_report(user=company.admin, filters=ALL)
    complaints = report["complaints"]
    assert (complaints["total"], complaints["resolved"]) == (4, 3)
    # SLA (due +24 h) kept by Q1 and Q4; broken by Q2 (resolved +30 h, never marked overdue) and
    # Q3 (still open, past due)
    assert (complaints["sla_met"], complaints["sla_breached"]) == (2, 2)
    assert complaints["sla_met_rate"] == 0.5
    # (10 + 30 + 2) / 3 hours; ratings 4, 2, 5
    assert complaints["average_resolution_hours"] == 14.0
    assert complaints["average_satisfaction"] == round(11 / 3, 2)
    assert {r["key"]: r["count"] for r in complaints["by_status"]} == {
        "open": 1,
        "in_progress": 0,
        "resolved": 2,
        "closed": 1,
    }
    assert [(r["label"], r["count"]) for r in complaints["by_category"]] == [("Delivery", 2), ("Quality", 2)]
    assert [r["count"] for r in complaints["by_satisfaction"]] == [0, 1, 0, 1, 1]
    requests = report["service_requests"]
    assert requests["total"] == 2
    assert requests["average_satisfaction"] == 3
    assert {r["key"]: r["count"] for r in requests["by_status"]}["open"] == 1
    assert requests["technicians"] == [{"technician": str(company.tech), "open": 1, "total": 2}]


def test_service_report_of_a_salesperson_holds_their_customers_only(company, service):
    complaints = service_report(user=company.zhang, filters=ALL)["complaints"]
    # Q1, Q2, Q3 are about zhang's customer
    assert (complaints["total"], complaints["resolved"], complaints["sla_met"]) == (3, 2, 1)
    assert complaints["average_resolution_hours"] == 20.0


@pytest.mark.postgres
def test_process_kpis(company, processes):
    report = process_kpis(user=company.admin, filters=ALL)
    leave, order = report["processes"]
    assert (leave["process"], leave["started"], leave["completed"], leave["running"]) == ("leave", 4, 3, 1)
    # cycles 1, 2, 10 hours: average 13/3; 90th percentile (interpolated) 2 + 0.8 x 8 = 8.4
    assert leave["average_hours"] == round(13 / 3, 2)
    assert leave["p90_hours"] == 8.4
    assert leave["open_incidents"] == 1
    assert (order["process"], order["started"], order["cancelled"], order["completed"]) == ("order", 1, 1, 0)
    assert report["overdue_by_user"] == [{"user": str(company.zhang), "count": 1}]
    assert report["overdue_by_group"] == [{"group": "r_sales", "count": 1}]


def test_process_kpis_of_a_salesperson_cover_the_instances_they_started(company, processes):
    report = process_kpis(user=company.yang, filters=ALL)
    assert [p["process"] for p in report["processes"]] == ["order"]
    assert report["overdue_by_user"] == []


def test_customer_counts_by_level_source_and_region(company, customers):
    report = customer_counts(user=company.admin, filters=ALL)
    assert report["total"] == 4
    assert [(r["label"], r["count"]) for r in report["by_level"]] == [("A级", 2), ("B级", 1), ("—", 1)]
    assert [(r["label"], r["count"]) for r in report["by_source"]] == [
        ("Trade fair", 2),
        ("Website", 1),
        ("—", 1),
    ]
    assert [(r["label"], r["count"]) for r in report["by_region"]] == [("East", 2), ("—", 2)]
    mine = customer_counts(user=company.zhang, filters=ALL)
    assert mine["total"] == 2


def _campaign_rows(report):
    keys = ("name", "members", "leads", "opportunities", "won", "won_amount", "cost", "budget_used", "roi")
    return [tuple(row[key] for key in keys) for row in report["campaigns"]]


def test_campaigns_count_members_leads_deals_and_the_return_on_their_cost(company, campaigns):
    report = campaign_report(user=company.admin, filters=ALL)
    # dated campaigns latest first, the undated last; C1 costs 300 + 200 + the 100 expense = 600,
    # wins 2000 + 1000: return (3000 - 600) / 600 = 4; C2 wins nothing for its 50: -1
    assert _campaign_rows(report) == [
        ("Seminar", 0, 0, 0, 0, money(0), money(50), None, -1.0),
        ("Spring fair", 3, 2, 4, 2, money(3000), money(600), 0.6, 4.0),
        ("Autumn mailing", 0, 0, 0, 0, money(0), money(0), None, None),
    ]
    assert report["campaigns"][1]["owner"] == str(company.zhang)
    assert report["campaigns"][0]["status_label"] == "Done"
    assert (report["cost"], report["won"], report["won_amount"]) == (money(650), 2, money(3000))
    assert report["roi"] == round((3000 - 650) / 650, 4)


def test_campaigns_follow_the_row_scope_and_the_filters(company, campaigns):
    def names(user, **filters):
        return [
            row["name"] for row in campaign_report(user=user, filters=ReportFilters(**filters))["campaigns"]
        ]

    assert names(company.zhang) == ["Spring fair"]  # a salesperson: their own campaigns
    assert names(company.wang) == ["Spring fair", "Autumn mailing"]  # their department's
    assert names(company.admin, date_from=datetime.date(2026, 4, 1)) == ["Seminar"]  # started since
    assert names(company.admin, department_id=company.dept_b.pk) == ["Seminar"]
    assert names(company.admin, salesperson_id=company.liu.pk) == ["Autumn mailing"]
    with pytest.raises(NotPermitted):
        campaign_report(user=company.nobody, filters=ALL)


def test_a_user_without_the_view_permission_gets_no_report(company, opportunities):
    with pytest.raises(NotPermitted):
        sales_funnel(user=company.nobody, filters=ALL)
    with pytest.raises(NotPermitted):
        receivables(user=company.nobody, filters=ALL)


def _queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


@pytest.mark.parametrize(
    "build",
    [
        lambda user: sales_funnel(user=user, filters=ALL),
        lambda user: sales_report(user=user, filters=ALL),
        lambda user: receivables(user=user, filters=ALL, today=TODAY),
        lambda user: service_report(user=user, filters=ALL),
        lambda user: process_kpis(user=user, filters=ALL),
        lambda user: customer_counts(user=user, filters=ALL),
        lambda user: campaign_report(user=user, filters=ALL),
        lambda user: stage_times(user=user, filters=ALL),
    ],
    ids=["funnel", "sales", "receivables", "service", "processes", "customers", "campaigns", "stages"],
)
def test_query_count_does_not_grow_with_the_data(company, everything, build):
    # given the report's queries on the small company (a fresh user object: no cached permissions)
    from org.models import User

    before = _queries(lambda: build(User.objects.get(pk=company.wang.pk)))
    # when the data doubles, with new customers, people and products
    from tests.crm.factories import CustomerFactory, OpportunityFactory, ProductFactory

    from .conftest import _contract, _order

    for i in range(3):
        customer = CustomerFactory(owner=company.liu if i % 2 else company.zhang)
        campaign = Campaign.objects.create(
            name=f"XC{i}", owner=customer.owner, starts_on=datetime.date(2026, 3, 1)
        )
        OpportunityFactory(customer=customer, stage="lead", campaign=campaign)
        _order(f"X{i}", customer, "paid", datetime.date(2026, 3, 1), [(ProductFactory(), 1, 10)])
        _contract(f"XK{i}", customer, "signed", 50, datetime.date(2026, 3, 1), None, [10])
    after = _queries(lambda: build(User.objects.get(pk=company.wang.pk)))
    # then the report costs the same number of queries
    assert after == before
