"""A salesperson's day in a real browser: zhang.wei captures a lead, converts it, logs a call with
a follow-up date and finds it in his calendar, creates an opportunity from the card and moves it
on the pipeline board through its stage task; the header search finds the customer by 东方 and by
phone. Screenshots of each screen (desktop, and the lists at phone width)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def stage_process(demo_org):
    from processes.services import binding_set, definition_deploy
    from tests.processes_business.conftest import shipped_files

    definition_deploy(files=shipped_files("opportunity_stages"), actor=None, activate=True)
    binding_set(actor=None, event="opportunity.created", process_key="opportunity_stages")


def test_a_salespersons_day_from_lead_to_the_board(page, live_server, sign_in, stage_process):
    from crm.models import Customer, Lead, Opportunity

    # a long journey on a shared machine: wait longer for each page than the default 10 s
    page.set_default_timeout(45_000)
    sign_in(page, "zhang.wei")
    # a lead, captured by hand
    page.goto(f"{live_server.url}/leads/new/")
    page.get_by_label("Company").fill("东方精密机械有限公司")
    page.get_by_label("Contact", exact=True).fill("李工")
    page.get_by_label("Phone").fill("13900001111")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Convert")).to_be_visible()
    screenshot(page, "sales-lead")
    # converted in one step: customer, contact and an opportunity whose stage process runs
    page.get_by_label("Opportunity name").fill("东方精密 数控改造")
    page.get_by_label("Amount").fill("120000")
    page.get_by_role("button", name="Convert").click()
    expect(page.locator("#customer-name")).to_contain_text("东方精密机械有限公司")
    customer = Customer.objects.get(name="东方精密机械有限公司")
    assert Lead.objects.get().status == Lead.Status.CONVERTED
    # a call with the next follow-up tomorrow, logged from the card
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_role("link", name="Log an activity").click()
    page.get_by_label("Subject").fill("电话沟通改造方案")
    page.get_by_label("Next follow-up").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("电话沟通改造方案").first).to_be_visible()
    # the follow-up is in the calendar on that day
    page.goto(f"{live_server.url}/calendar/?view=week&date={tomorrow.isoformat()}")
    day = page.locator(f'[data-date="{tomorrow.isoformat()}"]')
    expect(day).to_contain_text("东方精密机械有限公司")
    screenshot(page, "sales-calendar")
    # a second opportunity from the card
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.get_by_role("link", name="New opportunity").click()
    page.get_by_label("Name").fill("东方精密 备件年单")
    page.get_by_label("Amount").fill("36000")
    page.get_by_role("button", name="Save").click()
    deal = Opportunity.objects.get(name="东方精密 备件年单")
    assert deal.stage_id == "potential"
    # the board: the card sits in Potential; dropped on Lead it opens the stage task's form
    page.goto(f"{live_server.url}/opportunities/board/")
    card = page.locator(f'[data-card="{deal.pk}"]')
    expect(page.locator('[data-stage="potential"]')).to_contain_text("东方精密 备件年单")
    screenshot(page, "sales-board")
    card.drag_to(page.locator('[data-stage="lead"]'))
    page.wait_for_url("**/tasks/**")
    expect(page.get_by_role("heading", name="Potential 潜在客户").first).to_be_visible()
    deal.refresh_from_db()
    assert deal.stage_id == "potential"  # nothing moved by the drop itself
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_url("**/opportunities/board/")
    expect(page.locator('[data-stage="lead"]')).to_contain_text("东方精密 备件年单")
    deal.refresh_from_db()
    assert deal.stage_id == "lead"
    # the header search finds the customer by a word in the middle and by phone digits
    for query in ("东方", "0000 1111"):
        page.locator("#header-q").fill(query)
        page.locator("#header-q").press("Enter")
        expect(page.locator("#search-customers")).to_contain_text("东方精密机械有限公司")
    screenshot(page, "sales-search")
    # phone width: the lists become cards
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/opportunities/")
    expect(page.locator("#opportunity-table")).to_contain_text("东方精密 备件年单")
    screenshot(page, "sales-opportunities-phone")
    page.goto(f"{live_server.url}/opportunities/board/")
    screenshot(page, "sales-board-phone")
