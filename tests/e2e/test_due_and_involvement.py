"""Due dates and access through involvement in a real browser (issue #20): a customer's urgent
complaint from the portal reaches the triager's queue dated by the SLA and marked High, the portal
promises its resolution date ("Expected by"), and the warehouse opens the order it must ship from
its shipping task although it holds no CRM rights."""

from __future__ import annotations

import pytest
from django.utils import formats, timezone
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, assert_accessible, screenshot
from .test_portal import CUSTOMER_EMAIL, _deploy, portal_sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(demo_org):
    """The complaint and order processes; a customer company with a portal user (li.na); an order
    approved by the sales manager, waiting for the warehouse."""
    from crm.models import ChoiceList, ChoiceOption, Customer, Order, Product, StockLevel, Warehouse
    from crm.services.commerce import order_create, order_set_status
    from engine.models import HumanTask
    from engine.services import complete_task
    from org.models import User
    from portal.models import PortalAccount

    for key in ("complaint", "order_approval"):
        _deploy(key)
    ChoiceOption.objects.update_or_create(
        choice_list=ChoiceList.COMPLAINT_CATEGORY,
        code="product",
        defaults={"label": "Product quality 产品质量"},
    )
    zhang = User.objects.get(username="zhang.wei")
    customer = Customer.objects.create(
        code="C-E2E-7", name="上海天河贸易 Shanghai Tianhe Trading", owner=zhang, portal_enabled=True
    )
    user = User.objects.create_user(
        username=CUSTOMER_EMAIL, email=CUSTOMER_EMAIL, password=DEMO_PASSWORD, display_name="李娜 Li Na"
    )
    PortalAccount.objects.create(
        user=user, customer=customer, is_customer_admin=True, activated_at=timezone.now()
    )
    pump = Product.objects.create(code="BT-100", name="Booster pump 增压泵", price="1280.00", unit="台")
    StockLevel.objects.create(
        product=pump, warehouse=Warehouse.objects.create(code="W1", name="Main"), on_hand=20
    )
    order = order_create(
        actor=zhang,
        customer=customer,
        lines=[{"product": pump, "quantity": 2, "price": 1280, "discount_percent": 0}],
    )
    order = order_set_status(actor=zhang, order=order, status=Order.Status.SUBMITTED)
    approval = HumanTask.objects.get(status="ready", instance__key="order_approval")
    complete_task(approval.pk, user=User.objects.get(username="wang.fang"), data={"decision": "approve"})
    return order


def test_an_urgent_portal_complaint_is_dated_and_high_and_the_warehouse_opens_its_order(
    world, live_server, browser, sign_in
):
    from crm.models import Complaint
    from engine.models import HumanTask

    customer_page = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US").new_page()
    staff_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    staff = staff_context.new_page()

    # given li.na makes an urgent complaint in the portal (on her phone)
    portal_sign_in(customer_page, live_server)
    customer_page.goto(f"{live_server.url}/portal/complaints/new/")
    customer_page.get_by_label("Product quality 产品质量").check()
    customer_page.get_by_label("Subject").fill("Pump stopped 水泵停机")
    customer_page.get_by_label("What happened?").fill("The booster pump stopped this morning.")
    customer_page.get_by_label("Urgent").check()
    customer_page.get_by_role("button", name="Submit the complaint").click()
    complaint = Complaint.objects.get()
    assert complaint.severity == "high" and complaint.due_at is not None

    # then My requests promises the resolution date, not "—"
    customer_page.goto(f"{live_server.url}/portal/requests/")
    row = customer_page.locator("tbody tr", has_text=complaint.code)
    expected = formats.date_format(timezone.localtime(complaint.due_at), "SHORT_DATE_FORMAT")
    expect(row.locator("td[data-label='Expected by']")).to_have_text(expected)
    assert_accessible(customer_page, context="my requests with the expected date")
    screenshot(customer_page, "portal-expected-by")

    # and the triager's queue shows the triage dated by the SLA (respond within 4 h) and High
    triage = HumanTask.objects.get(status="ready", instance__key="complaint")
    sign_in(staff, "xu.li", next_path="/tasks/?view=queue")
    task_row = staff.locator(f"tr[data-task='{triage.pk}']")
    due = formats.date_format(timezone.localtime(triage.due_at), "SHORT_DATETIME_FORMAT")
    expect(task_row.locator("td[data-label='Due'] time")).to_have_text(due)
    expect(task_row.locator("td[data-label='Priority']")).to_have_text("High")
    assert_accessible(staff, context="queue with a dated high task")
    screenshot(staff, "inbox-due-high")
    # the triager opens the complaint and its customer from there on
    staff.goto(f"{live_server.url}/complaints/{complaint.pk}/")
    expect(staff.get_by_role("heading", level=1)).to_contain_text(complaint.code)
    staff.get_by_role("link", name="上海天河贸易 Shanghai Tianhe Trading").first.click()
    expect(staff.locator("#basics-only")).to_be_visible()

    # the warehouse (no CRM rights) opens the order from its shipping task
    staff_context.clear_cookies()
    sign_in(staff, "ma.chao", next_path="/tasks/?view=queue")
    staff.get_by_role("link", name="Ship the order 发货").first.click()
    staff.get_by_role("link", name="Open the order").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(world.code)
    expect(staff.locator("main")).to_contain_text("Booster pump")
    assert_accessible(staff, context="order opened from the shipping task")
    screenshot(staff, "order-from-shipping-task")
