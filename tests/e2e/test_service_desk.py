"""The service desk in a real browser, with the shipped complaint process: the service manager
opens the shared "breaching today" view, opens a complaint, replies to the customer, and the
customer reads the reply in the portal; a salesperson turns a pre-sale consultation into an
opportunity in one click. axe-core on the desk's pages."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, assert_accessible, screenshot
from .test_portal import _deploy

pytestmark = pytest.mark.e2e

CUSTOMER_EMAIL = "wang@mingyuan.example"


def _later_today() -> datetime.datetime:
    """A deadline before local midnight: within the hour, or halfway to midnight late in the evening
    (CI runs at any hour; "due today" ends at midnight). In the last three minutes of the day the
    test waits for the new day rather than race the clock."""
    now = timezone.localtime()
    midnight = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight - now < datetime.timedelta(minutes=3):
        time.sleep((midnight - now).total_seconds() + 1)
        return _later_today()
    return now + min(datetime.timedelta(minutes=50), (midnight - now) / 2)


@pytest.fixture
def desk(demo_org):
    """A customer with a portal user, two complaints (one due within the hour, one next week) and
    the service team's shared "breaching today" view."""
    from django.contrib.auth.models import Group

    from crm.models import Complaint, Customer
    from crm.services.misc import saved_query_save
    from crm.services.service import complaint_submit
    from org.models import User
    from portal.models import PortalAccount

    _deploy("complaint")
    owner = User.objects.get(username="zhang.wei")
    customer = Customer.objects.create(
        code="C-E2E-SD", name="上海明远机械 Mingyuan Machinery", owner=owner, portal_enabled=True
    )
    user = User.objects.create_user(
        username=CUSTOMER_EMAIL, email=CUSTOMER_EMAIL, password=DEMO_PASSWORD, display_name="王经理 Wang"
    )
    PortalAccount.objects.create(user=user, customer=customer, activated_at=timezone.now())
    urgent = complaint_submit(
        actor=owner, customer=customer, subject="Output dropped 出水量下降", channel="phone"
    )
    later = complaint_submit(
        actor=owner, customer=customer, subject="Manual missing 缺说明书", channel="phone"
    )
    Complaint.objects.filter(pk=urgent.pk).update(due_at=_later_today())
    now = timezone.now()
    Complaint.objects.filter(pk=later.pk).update(due_at=now + datetime.timedelta(days=6))
    saved_query_save(
        actor=User.objects.get(username="huang.qiang"),
        name="Breaching today",
        entity="complaint",
        params={"filters": {"sla": "due_today"}, "sort": "due_at"},
        shared_with=Group.objects.get(name="service"),
    )
    return customer, urgent, later


def test_the_service_manager_replies_from_breaching_today_and_the_customer_reads_it(
    desk, live_server, page, sign_in
):
    _customer, urgent, later = desk
    # given the service manager signs in and opens the complaints list
    sign_in(page, "huang.qiang")
    page.locator("nav summary", has_text="Service").click()
    page.get_by_role("link", name="Complaints").click()
    # when he opens the shared view "Breaching today"
    page.get_by_role("link", name="Breaching today").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(urgent.code)
    assert_accessible(page, context="complaint list")
    # and opens the complaint, whose triage waits in his queue
    page.get_by_role("link", name=urgent.code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Due today")
    expect(page.get_by_role("button", name="Claim and open")).to_be_visible()
    assert_accessible(page, context="complaint record")
    # and replies to the customer, then leaves an internal comment
    page.get_by_label("Message").fill("We will visit tomorrow morning 明天上午上门")
    page.get_by_role("button", name="Reply to the customer").click()
    expect(page.locator(".messages")).to_contain_text("Reply sent")
    page.get_by_label("Message").fill("Probably a clogged membrane 疑似膜污堵")
    page.get_by_role("button", name="Internal comment").click()
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("We will visit tomorrow morning")
    expect(timeline).to_contain_text("Probably a clogged membrane")
    screenshot(page, "servicedesk-record")

    # then the customer reads the reply in the portal, and not the internal comment
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("E-mail").fill(CUSTOMER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/portal/requests/complaint/{urgent.pk}/")
    history = page.locator("#history-h").locator("..")
    expect(history).to_contain_text("We will visit tomorrow morning")
    expect(history).to_contain_text("Our service team")
    expect(history).not_to_contain_text("clogged membrane")
    expect(history).not_to_contain_text("Huang")
    assert later.code not in page.content()


def test_a_pre_sale_consultation_becomes_an_opportunity_in_one_click(demo_org, live_server, page, sign_in):
    from crm.models import Consultation, Customer, Opportunity
    from org.models import User

    customer = Customer.objects.create(
        code="C-E2E-YF", name="杭州云帆 Yunfan IT", owner=User.objects.get(username="liu.yang")
    )
    # given the account manager logs a question the customer asked on a visit, from the card
    sign_in(page, "liu.yang")
    page.goto(f"{live_server.url}/customers/{customer.pk}/?tab=service")
    page.get_by_role("link", name="Log a consultation").click()
    page.get_by_label("Channel").select_option("visit")
    page.get_by_role("button", name="Save").click()  # no question: the field says so
    expect(page.locator(".error").first).to_be_visible()
    page.get_by_label("Question").fill("Can two BT-100 run in parallel? 两台并联可以吗")
    page.get_by_label("Answer").fill("Yes, with a pre-filter 可以")
    page.get_by_role("button", name="Save").click()
    consultation = Consultation.objects.get()
    assert consultation.customer == customer and consultation.status == Consultation.Status.ANSWERED
    assert_accessible(page, context="consultation record")
    # when he makes it an opportunity
    page.get_by_role("button", name="Make it an opportunity").click()
    # then the opportunity of that customer opens, and the two records link to each other
    opportunity = Opportunity.objects.get()
    expect(page).to_have_url(f"{live_server.url}/opportunities/{opportunity.pk}/")
    consultation.refresh_from_db()
    assert consultation.opportunity == opportunity and opportunity.customer == customer
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/")
    expect(page.get_by_role("link", name=str(opportunity))).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Converted")
