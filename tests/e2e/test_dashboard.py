"""The dashboard and "My applications" in a real browser: a manager's day at a glance, and a
salesperson starting a leave request after fixing a located error; axe-core on each page."""

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot
from .test_inbox import discounts  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


@pytest.fixture
def pipeline(discounts):  # noqa: F811
    """wang.fang's own customers: open opportunities in three stages, two follow-ups due today."""
    from crm.models import Activity, Opportunity
    from org.models import User
    from tests.crm.factories import CustomerFactory, OpportunityFactory

    wang = User.objects.get(username="wang.fang")
    names = ["Ningbo Harbour Logistics 宁波港物流", "Wuxi Green Energy 无锡绿能"]
    customers = [CustomerFactory(owner=wang, name=name) for name in names]
    for stage, amount in (
        ("lead", 80_000),
        ("confirmed", 250_000),
        ("contract", 420_000),
        ("contract", 95_500),
    ):
        OpportunityFactory(
            customer=customers[0], owner=wang, stage=stage, amount=amount, status=Opportunity.Status.OPEN
        )
    for customer, subject in zip(customers, ["Send the revised quotation", "Call about the site visit"]):
        Activity.objects.create(
            customer=customer,
            subject=subject,
            occurred_at=timezone.now() - datetime.timedelta(days=3),
            next_follow_up=timezone.localdate(),
            owner=wang,
        )
    return customers


def test_a_manager_sees_overdue_work_follow_ups_pipeline_and_team(
    discounts,  # noqa: F811
    pipeline,
    live_server,
    page,
    sign_in,
):
    sign_in(page, "wang.fang")
    main = page.locator("main")
    expect(page.locator('[data-count="overdue"]')).to_have_text("1")
    expect(page.locator('[data-count="follow-ups"]')).to_have_text("2")
    expect(main).to_contain_text("Ningbo Harbour Logistics")
    expect(page.locator('tr[data-stage="contract"]')).to_contain_text("515,500.00")
    expect(page.locator('tr[data-member="zhang.wei"]')).to_have_count(1)
    assert_accessible(page, context="dashboard")
    screenshot(page, "dashboard")
    # the overdue task is one click away
    page.locator("#overdue-heading + ul a").first.click()
    expect(page).to_have_url(f"{live_server.url}/tasks/{discounts[0].pk}/")


@pytest.fixture
def leave_process(demo_org):
    from office.seed import seed_demo
    from processes.services import binding_set, definition_deploy
    from tests.processes_business.conftest import shipped_files

    seed_demo(io.StringIO())
    definition_deploy(files=shipped_files("leave_request"), actor=None, activate=True)
    binding_set(actor=None, event="leave.requested", process_key="leave_request")


def test_a_salesperson_starts_a_leave_request_and_fixes_the_dates(leave_process, live_server, page, sign_in):
    year = datetime.date.today().year + 1
    sign_in(page, "zhang.wei", next_path="/requests/")
    page.get_by_role("link", name="Leave", exact=True).click()
    page.get_by_label("Leave type").select_option(label="Annual leave 年假")
    page.get_by_label("First day").fill(f"{year}-03-05")
    page.get_by_label("Last day").fill(f"{year}-03-04")
    page.get_by_label("Reason").fill("Family trip")
    page.get_by_role("button", name="Send the request").click()
    # the error is shown on the last day, the values are kept
    expect(page.locator("#field-ends_on-errors")).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_value("Family trip")
    assert_accessible(page, context="request form with errors")
    screenshot(page, "request-new")
    page.get_by_label("Last day").fill(f"{year}-03-06")
    page.get_by_role("button", name="Send the request").click()
    # the process started: the manager's approval is the current step
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    expect(page.locator("main")).to_contain_text("Manager approval")
    expect(page.locator("main")).to_contain_text("Wang Fang")
