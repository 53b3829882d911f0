"""The small interactive parts of the staff pages under a policy without 'unsafe-eval' (Alpine's
CSP build, tasklist/components.js): each still works, and the page logs no script error."""

import pytest
from playwright.sync_api import expect

from .test_inbox import discounts  # noqa: F401  (three discount requests waiting for wang.fang)

pytestmark = pytest.mark.e2e


def test_the_csp_has_no_unsafe_eval_and_the_inbox_parts_work(discounts, live_server, page, sign_in):  # noqa: F811
    # given the manager's inbox on a wide screen
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    sign_in(page, "wang.fang", next_path="/tasks/")
    # then the filter panel is open beside the list
    expect(page.locator("details.filters-panel")).to_have_attribute("open", "")
    # when she ticks the header checkbox, every task on the page is selected, and cleared again
    boxes = page.locator("input[name=task][form=bulk-form]")
    expect(boxes).to_have_count(3)
    header = page.get_by_label("Select all tasks on this page")
    header.check()
    assert all(box.is_checked() for box in boxes.all())
    header.uncheck()
    assert not any(box.is_checked() for box in boxes.all())


def test_cancelling_a_process_asks_for_the_reason_first(discounts, live_server, page, sign_in):  # noqa: F811
    # given zhang.wei on one of his running requests
    sign_in(page, "zhang.wei", next_path="/requests/")
    page.get_by_role("link", name="Discount approval").first.click()
    reason = page.get_by_placeholder("Reason")
    expect(reason).to_be_hidden()
    # when he starts to cancel it, the reason field opens with the cursor in it
    page.get_by_role("button", name="Cancel the process…").click()
    expect(reason).to_be_visible()
    expect(reason).to_be_focused()
    # and "keep it running" closes it again
    page.get_by_role("button", name="Keep it running").click()
    expect(reason).to_be_hidden()
    expect(page.get_by_role("button", name="Cancel the process…")).to_be_visible()


def test_the_designer_lists_the_chosen_files(discounts, live_server, page, sign_in, tmp_path):  # noqa: F811
    first, second = tmp_path / "one.bpmn", tmp_path / "two.json"
    first.write_text("<x/>")
    second.write_text("{}")
    sign_in(page, "admin", next_path="/designer/")
    page.get_by_label("Files").set_input_files([str(first), str(second)])
    expect(page.locator(".dropzone ul li")).to_have_text(["one.bpmn", "two.json"])
