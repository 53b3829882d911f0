"""Data model and service settings in a real browser (issue #24, items 4-5): an administrator adds
a custom field to customers, a salesperson fills it in on the card and filters the customer list
by it (also on a phone); an SLA policy changed in the administration dates the next complaint."""

import datetime

import pytest

from .conftest import assert_accessible, screenshot
from .test_portal import _deploy

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def test_an_admin_adds_a_customer_field_a_salesperson_fills_and_filters_by_it(
    demo_org, live_server, page, browser, sign_in
):
    from crm.models import Customer, CustomFieldDefinition
    from org.models import User

    zhang = User.objects.get(username="zhang.wei")
    mine = Customer.objects.create(code="C-E2E-F1", name="明远机械 Mingyuan", owner=zhang)
    Customer.objects.create(code="C-E2E-F2", name="东方水务 Dongfang Water", owner=zhang)

    # given the administrator on Administration > Data model
    sign_in(page, "admin", next_path="/manage/data/")
    page.locator("#new-field").click()
    page.wait_for_load_state("networkidle")
    # when they add "采购周期 Purchase cycle", a choice shown and filterable in the customer list
    page.locator("#id_label").fill("采购周期 Purchase cycle")
    page.locator("#id_key").fill("purchase_cycle")
    page.locator("#id_kind").select_option("choice")
    page.locator("#id_choices").fill("月度 Monthly\n季度 Quarterly\n年度 Yearly")
    page.locator("#id_help_text").fill("How often the customer orders")
    page.get_by_label("Column in the list").check()
    page.get_by_label("Filter and sort in the list").check()
    assert_accessible(page, context="custom field form")
    screenshot(page, "fields-custom-field-form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert CustomFieldDefinition.objects.get(key="purchase_cycle").filterable
    assert "采购周期 Purchase cycle" in page.locator("#fields-table").inner_text()
    screenshot(page, "fields-data-model", full_page=False)

    # then the salesperson sees it on the card's form and fills it in
    page.context.clear_cookies()
    sign_in(page, "zhang.wei", next_path=f"/customers/{mine.pk}/edit/")
    page.locator('[id="id_custom.purchase_cycle"]').select_option("季度 Quarterly")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert "季度 Quarterly" in page.locator("main").inner_text()
    mine.refresh_from_db()
    assert mine.custom == {"purchase_cycle": "季度 Quarterly"}
    page.get_by_text("季度 Quarterly").first.scroll_into_view_if_needed()
    screenshot(page, "fields-customer-card", full_page=False)

    # and filters the customer list by it: only that customer is left, the column shows the value
    page.goto(f"{live_server.url}/customers/")
    page.locator('[id="f-custom.purchase_cycle"]').select_option("季度 Quarterly")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.querySelectorAll('#customer-table tbody tr').length === 1")
    table = page.locator("#customer-table").inner_text()
    assert "明远机械" in table and "东方水务" not in table and "季度 Quarterly" in table
    assert_accessible(page, context="customer list filtered by a custom field")
    screenshot(page, "fields-customer-list-filtered", full_page=False)

    # on a phone too
    phone = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True)
    small = phone.new_page()
    sign_in(small, "zhang.wei", next_path="/customers/?custom.purchase_cycle=季度+Quarterly")
    assert "明远机械" in small.locator("#customer-table").inner_text()
    assert "东方水务" not in small.locator("#customer-table").inner_text()
    screenshot(small, "fields-customer-list-phone")
    phone.close()


def test_an_sla_policy_changed_in_the_administration_dates_the_next_complaint(
    demo_org, live_server, page, browser, sign_in
):
    from crm.models import Complaint, Customer, SlaPolicy
    from org.models import User

    _deploy("complaint")
    zhang = User.objects.get(username="zhang.wei")
    customer = Customer.objects.create(code="C-E2E-F3", name="南方泵业 Nanfang Pumps", owner=zhang)
    # the shipped policy of normal complaints (a live-server test starts from an empty table)
    policy, _created = SlaPolicy.objects.get_or_create(
        record="complaint",
        severity="normal",
        category=None,
        customer_level=None,
        defaults={
            "response_time": datetime.timedelta(hours=8),
            "resolution_time": datetime.timedelta(hours=72),
            "priority": 50,
        },
    )

    # given the administrator sets the company calendar: 9-18 on weekdays, New Year a holiday
    sign_in(page, "admin", next_path="/manage/service/calendar/")
    for day in range(5):
        page.locator(f"#start{day}").fill("09:00")
        page.locator(f"#end{day}").fill("18:00")
    page.get_by_role("button", name="Save the hours").click()
    page.wait_for_load_state("networkidle")
    page.locator("#id_day").fill("2027-01-01")
    page.locator("#id_name").fill("元旦 New Year")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/manage/service/calendar/?year=2027")
    assert "元旦 New Year" in page.locator("#days-table").inner_text()
    assert_accessible(page, context="company calendar")
    screenshot(page, "fields-calendar", full_page=False)

    # when they change normal complaints to "resolve within 100 hours", around the clock
    page.goto(f"{live_server.url}/manage/service/sla/{policy.pk}/")
    page.locator("#id_resolution_hours").fill("100")
    page.get_by_label("Count business hours only (the company calendar)").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert "100 h" in page.locator(f'#sla-table tr[data-policy="{policy.pk}"]').inner_text()
    assert_accessible(page, context="SLA policies")
    screenshot(page, "fields-sla-policies", full_page=False)

    # then a normal complaint entered by the salesperson is due 100 hours after it arrived
    page.context.clear_cookies()
    sign_in(page, "zhang.wei", next_path=f"/complaints/new/?customer={customer.pk}")
    page.locator("#id_customer").select_option(str(customer.pk))
    page.locator("#id_subject").fill("漏水 Leaking seal")
    page.locator("#id_severity").select_option("normal")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    complaint = Complaint.objects.get(customer=customer)
    assert complaint.due_at == complaint.created_at + datetime.timedelta(hours=100)

    # the policies page on a phone
    phone = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True)
    small = phone.new_page()
    sign_in(small, "admin", next_path="/manage/service/")
    assert small.locator("#sla-table").is_visible()
    screenshot(small, "fields-sla-policies-phone")
    phone.close()
