"""The report pages in a real browser: the chart draws under the Content-Security-Policy, the
filters re-run the report, the page passes axe; screenshots reports-funnel / reports-sales."""

import pytest

from tests.factories import PASSWORD
from tests.reports.conftest import (  # noqa: F401  (the reports' known dataset, re-used here)
    campaigns,
    company,
    contracts,
    customers,
    everything,
    opportunities,
    orders,
    processes,
    service,
    stock,
)

from .conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_funnel_and_sales_pages_draw_their_charts(
    transactional_db,
    live_server,
    company,  # noqa: F811
    everything,  # noqa: F811
    page,
    sign_in,
):
    # given the administrator signed in
    sign_in(page, company.admin.username, PASSWORD, next_path="/reports/")
    # when they open the funnel
    page.get_by_role("link", name="Sales funnel").click()
    page.wait_for_load_state("networkidle")
    # then the chart is drawn by Chart.js (a canvas with pixels) next to the table
    page.wait_for_function("() => window.Chart && Chart.getChart('report-chart')")
    assert page.locator("table[data-table=stages] tbody tr").count() == 6
    assert_accessible(page, context="funnel report")
    screenshot(page, "reports-funnel")
    # when they narrow the sales report to zhang
    page.goto(f"{live_server.url}/reports/sales/")
    page.get_by_label("Salesperson", exact=True).select_option(label=str(company.zhang))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state("networkidle")
    # then only zhang's products remain, and the export link carries the same filter
    rows = page.locator("table[data-table=product] tbody tr")
    assert rows.count() == 2
    assert f"salesperson={company.zhang.pk}" in page.locator("#report-export").get_attribute("href")
    screenshot(page, "reports-sales")


def test_the_campaign_and_stage_time_reports_in_chinese_draw_their_charts(
    transactional_db,
    live_server,
    company,  # noqa: F811
    everything,  # noqa: F811
    page,
    sign_in,
):
    # given the administrator reads Baton in Chinese
    from org.models import User

    User.objects.filter(pk=company.admin.pk).update(language="zh-hans")
    sign_in(page, company.admin.username, PASSWORD, next_path="/reports/campaigns/")
    page.wait_for_load_state("networkidle")
    # then the chart is drawn and the table holds the three campaigns, with Chinese headings
    page.wait_for_function("() => window.Chart && Chart.getChart('report-chart')")
    table = page.locator("table[data-table=campaigns]")
    assert table.locator("tbody tr").count() == 3
    assert "投资回报率" in table.locator("thead").inner_text()
    # the Spring fair's return: (3,000 - 600) / 600
    assert "400.0%" in table.locator("tbody tr", has_text="Spring fair").inner_text()
    assert_accessible(page, context="campaign report, zh-hans")
    screenshot(page, "reports-campaigns-zh-hans")
    # and the time at each stage draws its chart over the six stages
    page.goto(f"{live_server.url}/reports/stages/")
    page.wait_for_function("() => window.Chart && Chart.getChart('report-chart')")
    assert page.locator("table[data-table=stages] tbody tr").count() == 6
    assert_accessible(page, context="stage times, zh-hans")
    screenshot(page, "reports-stages-zh-hans")
