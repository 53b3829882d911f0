"""The task page of every task type in the shipped processes, in a real browser: what the person
deciding or doing the work must see about the business object (issue #20, item 1), in English on
a desk and in Chinese on a phone, with a screenshot of each (docs/screenshots with
BATON_SCREENSHOTS=docs)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(demo_org):
    from office.seed import seed_demo as seed_office
    from tests.processes_business.world import deploy_shipped, every_kind

    seed_office(io.StringIO())
    deploy_shipped()
    return every_kind()


def open_task(page, live_server, obj):
    from tests.processes_business.world import open_task_on

    task = open_task_on(obj)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    page.wait_for_load_state("networkidle")
    return task


def complete(obj, username: str, data: dict) -> None:
    from engine.services import complete_task
    from org.models import User
    from tests.processes_business.world import open_task_on

    complete_task(open_task_on(obj).pk, user=User.objects.get(username=username), data=data)


def phone_zh(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    return context


# (business object, who opens it, what they must see, screenshot name)
def desk_cases(world):
    from office.models import Vehicle
    from tests.processes_business.world import CUSTOMER

    free = [v.plate for v in Vehicle.objects.filter(active=True, seats__gte=2)]
    return [
        (world.order, "wang.fang", [CUSTOMER, "Booster pump 增压泵", "¥13,000.00"], "task-order-approval"),
        (world.level, "wang.fang", [CUSTOMER, "→"], "task-level-change-approval"),
        (
            world.opportunity,
            "zhang.wei",
            ["Harbour water plant 港区净水项目", "¥480,000.00"],
            "task-opportunity",
        ),
        (
            world.leave,
            "wang.fang",
            ["张伟 Zhang Wei", "2 days", "days after", "Nobody else"],
            "task-leave-approval",
        ),
        (world.vehicle, "wang.fang", ["Suzhou 苏州", *free], "task-vehicle-approval"),
    ]


def test_each_approver_sees_what_they_decide_on(world, live_server, page, sign_in, browser):
    from org.models import User

    for obj, username, facts, name in desk_cases(world):
        sign_in(page, username, next_path="/tasks/")
        # the inbox row already says what the task is about
        expect(page.locator("#inbox-results")).to_contain_text(facts[0])
        open_task(page, live_server, obj)
        panel = page.locator("#business-object")
        for fact in facts:
            expect(panel).to_contain_text(fact)
        # what is decided on comes before the decision
        if page.locator("#task-form").count():
            assert panel.bounding_box()["y"] < page.locator("#task-form").bounding_box()["y"]
        assert_accessible(page, context=name)
        screenshot(page, name)
        page.context.clear_cookies()

    # the same pages in Chinese on a phone
    for username in ("wang.fang", "zhang.wei"):
        User.objects.filter(username=username).update(language="zh-hans")
    context = phone_zh(browser)
    phone = context.new_page()
    try:
        for obj, username, facts, name in desk_cases(world):
            sign_in(phone, username, next_path="/tasks/")
            open_task(phone, live_server, obj)
            expect(phone.locator("#business-object")).to_contain_text(facts[0])
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1, (
                f"{name} scrolls sideways"
            )
            screenshot(phone, f"{name}-phone-zh-hans")
            context.clear_cookies()
    finally:
        context.close()


def test_the_order_after_approval_reaches_warehouse_with_the_decision_in_words(
    world, live_server, page, sign_in
):
    complete(world.order, "wang.fang", {"decision": "approve", "comment": "Good customer, go ahead 同意发货"})
    sign_in(page, "zhang.wei", next_path="/requests/")
    page.get_by_role("link", name="Order approval").first.click()
    page.wait_for_load_state("networkidle")
    decisions = page.locator("#decisions")
    expect(decisions).to_contain_text("王芳 Wang Fang approved")
    expect(decisions).to_contain_text("Good customer, go ahead 同意发货")
    screenshot(page, "instance-decisions")
    # the warehouse's shipping task names the order and its customer
    page.context.clear_cookies()
    sign_in(page, "ma.chao", next_path="/tasks/?view=queue")
    expect(page.locator("#inbox-results")).to_contain_text(world.order.code)
    open_task(page, live_server, world.order)
    expect(page.locator("main")).to_contain_text(world.customer.name)
    screenshot(page, "task-order-ship")


def test_the_service_people_see_whom_the_task_is_about(world, live_server, page, sign_in):
    from tests.processes_business.world import ADDRESS, CUSTOMER, MOBILE

    # the triage waits in the dispatchers' queue, named as people read it
    sign_in(page, "xu.li", next_path="/tasks/?view=queue")
    expect(page.locator("#inbox-results")).to_contain_text("Pump leaks 水泵漏水")
    expect(page.locator("#inbox-results")).to_contain_text("Service dispatchers 客服调度")
    open_task(page, live_server, world.complaint)
    expect(page.locator("main")).to_contain_text(CUSTOMER)
    screenshot(page, "task-complaint-triage")
    open_task(page, live_server, world.service)
    expect(page.locator("main")).to_contain_text("Repair the pump 水泵维修")
    screenshot(page, "task-service-dispatch")
    # the panels themselves, as someone who may see the records (the administrator) has them
    page.context.clear_cookies()
    sign_in(page, "admin", next_path="/tasks/")
    open_task(page, live_server, world.complaint)
    panel = page.locator("#business-object")
    for fact in (CUSTOMER, "李经理 Manager Li", "High", "leaks at the seal"):
        expect(panel).to_contain_text(fact)
    screenshot(page, "task-complaint-panel")
    open_task(page, live_server, world.service)
    expect(panel).to_contain_text(ADDRESS)
    expect(panel.locator("a[href^='tel:']")).to_contain_text(MOBILE)
    screenshot(page, "task-service-request-panel")


def test_the_technician_sees_the_address_and_phone(world, live_server, page, sign_in):
    from tests.processes_business.world import ADDRESS, MOBILE

    complete(world.service, "xu.li", {"technician": "zhou.jie", "scheduled_at": "2030-01-05T09:00:00+08:00"})
    sign_in(page, "zhou.jie", next_path="/tasks/")
    open_task(page, live_server, world.service)
    panel = page.locator("#business-object")
    expect(panel).to_contain_text(ADDRESS, timeout=2_000)
    expect(panel.locator("a[href^='tel:']")).to_contain_text(MOBILE, timeout=2_000)
    screenshot(page, "task-technician-accept")
