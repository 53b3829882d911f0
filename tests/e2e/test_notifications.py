"""The notification list in a real browser: the nav badge, opening one, mark all read."""

import pytest

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e


def test_notifications_badge_open_and_mark_all_read(demo_org, live_server, page, sign_in):
    # given two unread notifications for zhang.wei, one about a task
    from integrations.models import Notification
    from org.models import User

    zhang = User.objects.get(username="zhang.wei")
    Notification.objects.create(
        recipient=zhang,
        template="task_assigned",
        title="New task: Approve leave",
        body="Approve leave (leave) is waiting for you.",
        url="/requests/",
    )
    Notification.objects.create(
        recipient=zhang, template="customer_follow_up", title="Follow up with 明远机械"
    )
    # when he signs in, the nav shows 2 unread
    sign_in(page, "zhang.wei", next_path="/notifications/")
    badge = page.locator("#nav-unread-count")
    badge.wait_for()
    page.wait_for_function(
        "() => document.querySelector('#nav-unread-count').textContent.trim().startsWith('2')"
    )
    assert_accessible(page, context="notification list")
    screenshot(page, "notifications")
    # opening one goes to its record and marks it read
    page.get_by_role("button", name="New task: Approve leave").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/requests/")
    page.goto(f"{live_server.url}/notifications/?show=unread")
    assert page.locator("#unread-count").inner_text() == "1"
    # mark all read empties the unread tab
    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#no-notifications").is_visible()
