"""The inbox in a real browser: a manager approves from the inbox, a salesperson claims from the
group queue and completes a form after fixing a validation error; axe-core on each page."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e

BPMN = Path(__file__).parent.parent / "tasklist" / "bpmn" / "discount.bpmn"
CUSTOMERS = [
    "Shanghai Tianhe Trading Co. 上海天河贸易",
    "Hangzhou Lakeside Foods 杭州湖畔食品",
    "Suzhou Precision Parts 苏州精密零件",
]


@pytest.fixture
def discounts(demo_org):
    """Three discount requests by zhang.wei waiting for his manager wang.fang."""
    from engine import services
    from engine.models import HumanTask
    from org.models import User

    services.definition_deploy(files={"discount.bpmn": BPMN.read_bytes()})
    zhang = User.objects.get(username="zhang.wei")
    now = timezone.now()
    tasks = []
    for i, customer in enumerate(CUSTOMERS):
        instance = services.start_process("tl_discount", started_by=zhang, variables={"customer": customer})
        task = HumanTask.objects.get(instance=instance, status="ready")
        # the demo shows a spread of due dates: one overdue, one due soon, one next week
        due = [now - timedelta(hours=5), now + timedelta(hours=6), now + timedelta(days=6)][i]
        HumanTask.objects.filter(pk=task.pk).update(
            business_object_label=customer, search_text=f"{task.name} {customer}", due_at=due
        )
        tasks.append(task)
    return tasks


def test_a_manager_approves_a_discount_from_the_inbox(discounts, live_server, page, sign_in):
    # given wang.fang has three discount approvals waiting
    sign_in(page, "wang.fang", next_path="/tasks/")
    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"
    rows = page.locator("#inbox-results tbody tr")
    assert rows.count() == 3
    assert page.locator(".badge-overdue").count() == 1 and page.locator(".badge-due-soon").count() == 1
    expect(page.locator("#nav-inbox-count")).to_contain_text("3")
    assert_accessible(page, context="inbox")
    screenshot(page, "inbox")

    # the keyboard moves between tasks (j / k) and jumps to the search (/)
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.closest('tr').dataset.task") == str(discounts[1].pk)
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.closest('tr').dataset.task") == str(discounts[0].pk)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_text"

    # when a new task arrives, the count goes up and she is told
    from engine import services
    from org.models import User

    services.start_process("tl_discount", started_by=User.objects.get(username="liu.yang"))
    page.evaluate("document.body.dispatchEvent(new Event('baton:refresh'))")
    expect(page.locator("#nav-inbox-count")).to_contain_text("4")
    expect(page.locator("#messages")).to_contain_text("A new task is waiting for you")

    # when she searches for the Hangzhou customer and opens the task
    page.get_by_role("searchbox", name="Search", exact=True).fill("Hangzhou")
    expect(page.locator("#inbox-results tbody tr")).to_have_count(1)
    assert "text=Hangzhou" in page.url  # the filter is in the address (shareable, back button)
    page.get_by_role("link", name="Approve the discount").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text() == "Approve the discount"
    assert_accessible(page, context="task page")
    screenshot(page, "task-approval")

    # and approves with a comment
    page.get_by_label("Comment", exact=True).fill("OK for this quarter, keep the margin above 12%.")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state("networkidle")

    # then she is back in the inbox with a confirmation, and two approvals remain
    assert page.url.endswith("/tasks/")
    expect(page.locator("#messages")).to_contain_text("Approved: “Approve the discount”.")
    assert page.locator("#inbox-results tbody tr").count() == 3
    assert page.locator('[data-count="done"]').inner_text() == "1"


def test_a_salesperson_claims_from_the_queue_and_fixes_a_form_error(discounts, live_server, page, sign_in):
    from engine import services
    from org.models import User

    # given one discount approved: "Prepare the order" waits in the sales queue
    services.complete_task(
        discounts[0].pk, user=User.objects.get(username="wang.fang"), data={"decision": "approve"}
    )
    sign_in(page, "liu.yang", next_path="/tasks/")
    page.get_by_role("link", name="My groups' queue").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#inbox-results tbody tr").count() == 1
    assert_accessible(page, context="group queue")
    screenshot(page, "inbox-queue")

    # when she claims it (keyboard: tab to the button, Enter)
    page.get_by_role("button", name="Claim “Prepare the order”").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#messages")).to_contain_text("is now in your tasks")
    page.get_by_role("link", name="My tasks").click()
    page.get_by_role("link", name="Prepare the order").click()
    page.wait_for_load_state("networkidle")

    # and submits a quantity that is not a number
    page.get_by_label("Quantity").fill("a dozen")
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_load_state("networkidle")

    # then the error is shown on the field, and what she typed is kept
    assert page.get_by_label("Quantity").get_attribute("aria-invalid") == "true"
    assert page.locator("#field-quantity-errors").is_visible()
    assert page.get_by_label("Quantity").input_value() == "a dozen"
    assert_accessible(page, context="form with errors")
    screenshot(page, "task-form-errors")

    # and when she corrects it, the task is done
    page.get_by_label("Quantity").fill("12")
    page.get_by_label("Express delivery").check()
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#messages")).to_contain_text("Done: “Prepare the order”.")


def test_the_second_tab_is_told_the_task_was_already_completed(discounts, live_server, context, sign_in):
    first = context.new_page()
    sign_in(first, "wang.fang")
    second = context.new_page()
    url = f"{live_server.url}/tasks/{discounts[1].pk}/"
    first.goto(url)
    second.goto(url)
    first.get_by_role("button", name="Approve").click()
    first.wait_for_load_state("networkidle")
    second.get_by_role("button", name="Reject").click()
    second.wait_for_load_state("networkidle")
    problem = second.get_by_role("alert").first.inner_text()
    assert "was already completed by 王芳 Wang Fang (" in problem
    assert second.get_by_text("Completed", exact=True).first.is_visible()
    screenshot(second, "task-already-completed")


def test_the_inbox_in_chinese_on_a_phone(discounts, browser, live_server, sign_in):
    from org.models import User

    User.objects.filter(username="wang.fang").update(language="zh-hans")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, "wang.fang", next_path="/tasks/")
        assert page.get_by_role("heading", level=1).inner_text() == "待办"
        assert page.get_by_role("link", name="我的待办").is_visible()
        assert page.locator(".badge-overdue").first.inner_text() == "已逾期"
        assert_accessible(page, context="inbox on a phone, zh-hans")
        screenshot(page, "inbox-phone-zh-hans")
    finally:
        context.close()


def test_the_instance_diagram_highlights_the_current_task(discounts, live_server, page, sign_in):
    # given zhang.wei's discount request waits for his manager's approval
    sign_in(page, "zhang.wei", next_path="/requests/")
    assert page.locator("tbody tr").count() == 3
    assert_accessible(page, context="my requests")
    screenshot(page, "requests")
    # when he opens one of his requests
    page.get_by_role("link", name="Discount approval").first.click()
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    # then the diagram shows the review as the current step, the start event as done
    expect(page.locator('#diagram [data-element-id="review"].bpmn-current')).to_have_count(1)
    expect(page.locator('#diagram [data-element-id="start"].bpmn-done')).to_have_count(1)
    expect(page.locator("main")).to_contain_text("held by 王芳 Wang Fang")
    assert_accessible(page, context="instance view")
    screenshot(page, "instance")
