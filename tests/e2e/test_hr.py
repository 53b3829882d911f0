"""HR in a real browser: HR onboards a person through the onboarding process (the department head
approves; the new person sets a password from the invitation and signs in), and off-boards a
salesperson: the manager approves, on the last day the customers and open tasks go to the
successor. Desk and phone screenshots of the employee file, the list and the HR report."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, assert_accessible, screenshot

pytestmark = pytest.mark.e2e

HR_PROCESSES = ["hr_onboarding", "hr_probation", "hr_transfer", "hr_salary", "hr_departure"]


@pytest.fixture
def hr_company(demo_org):
    from hr.seed import seed_demo as seed_hr
    from processes.services import binding_set, definition_deploy
    from tests.processes_business.conftest import BINDINGS, shipped_files

    seed_hr(io.StringIO())
    for key in [*HR_PROCESSES, "opportunity_stages"]:
        definition_deploy(files=shipped_files(key), actor=None, activate=True)
        for event, process_key in BINDINGS.items():
            if process_key == key:
                binding_set(actor=None, event=event, process_key=key)


def _approve(page, sign_in, live_server, who: str, task: str, context) -> None:
    page.context.clear_cookies()
    sign_in(page, who, next_path="/tasks/")
    page.locator("#inbox-results a.task-name", has_text=task).first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#business-object")).to_be_visible()
    screenshot(page, f"hr-task-{context}")
    page.get_by_role("button", name="Approve 同意").click()
    page.wait_for_load_state("networkidle")


def test_hr_onboards_a_person_who_then_signs_in(hr_company, live_server, page, sign_in):
    from org.models import Department, Employee, User

    sign_in(page, "zhu.lin", next_path="/requests/new/hr_onboarding/")
    page.get_by_label("Full name").fill("何静 He Jing")
    page.get_by_label("User name (sign-in)").fill("he.jing")
    page.get_by_label("E-mail (the invitation goes here)").fill("he.jing@demo.example")
    page.get_by_label("Employment type").select_option("probation")
    page.locator("#field-department").select_option(str(Department.objects.get(code="SALES").pk))
    page.locator("#field-manager").select_option(str(Employee.objects.get(user__username="wang.fang").pk))
    page.get_by_label("Sales East 华东销售组").check()
    today = timezone.localdate()
    page.get_by_label("First working day").fill(today.isoformat())
    # a probation that ends before it starts is refused on its field, nothing is recorded
    page.get_by_label("Probation end").fill((today - datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#field-probation_ends_on-errors")).to_contain_text("after the first day")
    page.get_by_label("Probation end").fill((today + datetime.timedelta(days=90)).isoformat())
    screenshot(page, "hr-onboarding-form")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#messages")).to_contain_text("sent")

    # the head of Sales approves in the inbox, beside the task the change's card
    _approve(page, sign_in, live_server, "li.ming", "Approve the new hire", "onboarding")
    user = User.objects.get(username="he.jing")
    assert user.employee.department.code == "SALES"
    assert user.groups.filter(name="sales_east").exists()

    # the invitation's link lets the new person choose a password and sign in
    link = next(m for m in mail.outbox if "he.jing@demo.example" in m.to).body
    path = re.search(r"https?://[^/\s]+(/\S+)", link).group(1)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    fields = page.locator("input[type=password]")
    fields.nth(0).fill("Welcome-2026-hj")
    fields.nth(1).fill("Welcome-2026-hj")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    sign_in(page, "he.jing", password="Welcome-2026-hj", next_path="/tasks/")
    expect(page.locator("main h1")).to_be_visible()
    assert "/accounts/login/" not in page.url

    # HR's file of the new person: probation, position history, the onboarding with its process
    page.context.clear_cookies()
    sign_in(page, "zhu.lin", next_path=f"/hr/employees/{user.employee.pk}/")
    expect(page.locator("#file-status")).to_contain_text("On probation")
    expect(page.locator("#changes")).to_contain_text("Onboarding")
    expect(page.locator("#positions")).to_contain_text("Sales")
    # zhu.lin has no salary permission: no salary history on the page
    expect(page.locator("#salaries")).to_have_count(0)
    assert_accessible(page, context="employee file")


def test_hr_offboards_a_salesperson_to_a_successor(hr_company, live_server, page, context, sign_in):
    from crm.models import Customer
    from crm.sales.services import opportunity_create
    from engine.models import HumanTask
    from engine.services import fire_due_timers
    from org.models import User
    from tests.crm.factories import CustomerFactory

    zhang, liu = User.objects.get(username="zhang.wei"), User.objects.get(username="liu.yang")
    customers = [
        CustomerFactory(name="无锡朝阳纺织 Wuxi Sunrise", owner=zhang),
        CustomerFactory(name="苏州恒达 Suzhou Hengda", owner=zhang),
    ]
    opportunity_create(actor=zhang, customer=customers[0], name="Looms 2027", amount=80000)
    assert HumanTask.objects.filter(assignee=zhang, status="ready").exists()

    sign_in(page, "zhu.lin", next_path=f"/hr/employees/{zhang.employee.pk}/")
    page.get_by_role("link", name="Departure").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Employee")).to_have_value(str(zhang.employee.pk))
    page.get_by_label("Kind of departure").select_option("resignation")
    page.get_by_label("Last working day").fill(timezone.localdate().isoformat())
    page.get_by_label("Successor (takes over customers and open tasks)").select_option(str(liu.pk))
    page.get_by_label("Reason / grounds").fill("Moving to Chengdu")
    screenshot(page, "hr-departure-form")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state("networkidle")

    _approve(page, sign_in, live_server, "wang.fang", "Manager approval", "departure")
    # the last day's evening comes (the beat fires the timer)
    fire_due_timers(timezone.now() + datetime.timedelta(days=1))

    zhang.refresh_from_db()
    assert not zhang.is_active
    assert set(Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list("owner", flat=True)) == {
        liu.pk
    }
    # the successor finds the open task in the inbox and the hand-over in the notifications
    page.context.clear_cookies()
    sign_in(page, "liu.yang", next_path="/tasks/")
    expect(page.locator("#inbox-results")).to_contain_text("Potential")
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("main")).to_contain_text("You take over from")
    # the leaver cannot sign in any more
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("zhang.wei")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).not_to_contain_text("Inbox", timeout=2000)
    assert "/accounts/login/" in page.url

    # HR's file shows the departure with its outcome; the list, the report (desk and phone)
    sign_in(page, "sun.hong", next_path=f"/hr/employees/{zhang.employee.pk}/")
    expect(page.locator("#file-status")).to_contain_text("Left")
    expect(page.locator("#changes")).to_contain_text("2 customers")
    expect(page.locator("#salaries")).to_be_visible()  # sun.hong may see salaries
    screenshot(page, "hr-employee-file")
    page.goto(f"{live_server.url}/hr/employees/")
    screenshot(page, "hr-employee-list")
    page.goto(f"{live_server.url}/reports/hr/")
    expect(page.locator("main")).to_contain_text("Headcount and turnover by department")
    screenshot(page, "hr-report")
    phone = context.browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    mobile = phone.new_page()
    sign_in(mobile, "sun.hong", next_path=f"/hr/employees/{zhang.employee.pk}/")
    screenshot(mobile, "hr-employee-file-phone")
    mobile.goto(f"{live_server.url}/hr/employees/")
    screenshot(mobile, "hr-employee-list-phone")
    phone.close()
