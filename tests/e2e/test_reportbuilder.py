"""The report builder and configuration transfer in a real browser: build opportunities by stage
summing the amount (live preview), save and share it with a role, a colleague of that role opens it
and sees only her rows; a dashboard; the configuration exported, changed, compared and imported.
Screenshots reportbuilder-* (desk and phone)."""

import json

import pytest

from crm.models import CustomerLevel
from reports.builder.services import dashboard_save
from reports.models import SavedReport
from tests.factories import PASSWORD
from tests.reports.conftest import (  # noqa: F401  (the reports' known dataset, re-used here)
    company,
    customers,
    opportunities,
)

from .conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
# the builder re-renders after each change; the next one waits until the swap is done
SETTLED = "() => !document.querySelector('#builder-form.htmx-request')"
DRAWN = "() => window.Chart && Chart.getChart(document.querySelector('canvas[data-chart]'))"


def test_build_save_share_and_a_colleague_sees_her_rows(
    transactional_db,
    live_server,
    company,  # noqa: F811
    opportunities,  # noqa: F811
    browser,
    page,
    sign_in,
):
    # given zhang signed in, on the builder
    sign_in(page, company.zhang.username, PASSWORD, next_path="/reports/")
    page.get_by_role("link", name="Report builder").click()
    page.wait_for_load_state("networkidle")  # htmx is listening
    # when he picks opportunities, groups by stage and sums the amount (each change re-runs it)
    for label, option in (
        ("Report on", "Opportunities"),
        ("Group-by 1", "Stage"),
        ("Measure 1", "Sum"),
        ("Measure 1: of", "Amount"),
    ):
        page.get_by_label(label, exact=True).select_option(label=option)
        page.wait_for_function(SETTLED)
    page.wait_for_selector("table[data-table=builder-chart] td[data-key=m0]")
    # then the preview shows his four stages with their sums and draws the chart
    preview = page.locator("table[data-table=builder-chart] tbody tr")
    assert preview.count() == 4
    assert "400.00" in page.locator("table[data-table=builder-chart]").inner_text()
    page.wait_for_function(DRAWN)
    # a bad filter value is marked where it is
    page.get_by_label("Filter 1: field").select_option(label="Amount")
    page.wait_for_function(SETTLED)
    page.get_by_label("Filter 1: comparison").select_option(label="≥")
    page.wait_for_function(SETTLED)
    page.get_by_label("Filter 1: value").fill("150")
    page.get_by_label("Filter 1: value").press("Tab")
    page.wait_for_function(
        "() => document.querySelectorAll('table[data-table=builder-chart] tbody tr').length === 3"
    )
    assert_accessible(page, context="report builder")
    screenshot(page, "reportbuilder-builder")
    # when he names it, shares it with the r_sales role and saves
    page.get_by_label("Name").fill("Pipeline by stage")
    page.get_by_label("r_sales").check()
    page.get_by_role("button", name="Save report").click()
    page.wait_for_load_state("networkidle")
    report = SavedReport.objects.get(name="Pipeline by stage")
    assert page.url.endswith(f"/reports/saved/{report.pk}/")
    # then liu (also r_sales) opens it and sees only her deals above 150: potential 1000, contract 2000
    other = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    liu = other.new_page()
    sign_in(liu, company.liu.username, PASSWORD, next_path=f"/reports/saved/{report.pk}/")
    table = liu.locator("table[data-table=saved-chart]").inner_text()
    assert "1,000.00" in table and "2,000.00" in table and "Lead" not in table
    liu.wait_for_function(DRAWN)
    screenshot(liu, "reportbuilder-saved-shared")
    # a dashboard with the report as a wide tile, on the phone too
    board = dashboard_save(
        actor=company.zhang,
        name="Sales desk",
        tiles=[(report, "wide")],
        shared_with=list(company.liu.groups.all()),
    )
    liu.goto(f"{live_server.url}/reports/dashboards/{board.pk}/")
    liu.wait_for_function(DRAWN)
    screenshot(liu, "reportbuilder-dashboard")
    liu.set_viewport_size(PHONE)
    liu.reload()
    liu.wait_for_load_state("networkidle")
    assert liu.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(liu, "reportbuilder-dashboard-phone")
    other.close()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/reports/builder/?report={report.pk}")
    page.wait_for_selector("table[data-table=builder-chart]")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "reportbuilder-builder-phone")


def test_configuration_export_change_compare_and_import(
    transactional_db,
    live_server,
    company,  # noqa: F811
    customers,  # noqa: F811
    page,
    sign_in,
    tmp_path,
    settings,
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, company.admin.username, PASSWORD, next_path="/manage/")
    page.get_by_role("link", name="Configuration").first.click()
    # when the administrator downloads the configuration without the organisation
    with page.expect_download() as download:
        page.locator("#config-export-no-org").click()
    document = json.loads(download.value.path().read_text(encoding="utf-8"))
    # and changes it as another branch has it: level A renamed, a new level
    level = next(i for i in document["sections"]["customer_levels"] if i["code"] == "A")
    level["name"] = "A级（重点）"
    document["sections"]["customer_levels"].append(
        {"code": "VIP", "name": "VIP", "sort_order": 9, "criteria": "", "active": True}
    )
    changed = tmp_path / "branch.json"
    changed.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    page.get_by_label("Configuration file").set_input_files(str(changed))
    page.get_by_label("Include the organisation (departments, positions)").uncheck()
    page.locator("#config-compare").click()
    page.wait_for_load_state("networkidle")
    # then the diff says it in words and nothing changed yet
    diff = page.locator("details[data-section=customer_levels]").inner_text()
    assert "1 added, 1 changed" in diff and "A级 → A级（重点）" in diff and "VIP" in diff
    assert not CustomerLevel.objects.filter(code="VIP").exists()
    assert_accessible(page, context="configuration diff")
    screenshot(page, "reportbuilder-config-diff")
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "reportbuilder-config-diff-phone")
    # when applied
    page.locator("#config-apply").click()
    page.wait_for_load_state("networkidle")
    assert "The configuration was imported: 2 changes." in page.content()
    assert CustomerLevel.objects.get(code="A").name == "A级（重点）"
    assert CustomerLevel.objects.filter(code="VIP").exists()
