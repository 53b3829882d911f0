"""Notification channels in a real browser: IT sets up WeCom (the secret never comes back) and
sends a test message to a local fake WeCom; a technician gives his WeCom id and chooses WeCom for
new tasks in his own notification settings, and the next task reaches the fake WeCom with a link
to its page; a message template previews live as it is typed."""

import pytest
from django.core.cache import cache

from tests.integrations.messenger_fakes import FakeWeCom

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e

SECRET = "wecom-secret-123"


@pytest.fixture
def fake_wecom():
    cache.clear()
    server = FakeWeCom()
    yield server
    server.close()


def test_it_sets_up_wecom_and_a_technician_gets_his_tasks_there(
    demo_org, live_server, page, browser, sign_in, fake_wecom, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    # IT opens the connectors from the administration menu and sets WeCom up
    sign_in(page, "lin.feng", next_path="/manage/integrations/connectors/")
    page.locator('[data-connector="wecom"]').get_by_role("link", name="Set up").click()
    page.get_by_label("Switched on").check()
    page.get_by_label("Corp ID").fill("ww-corp")
    page.get_by_label("Agent ID").fill("1000002")
    page.get_by_label("API address").fill(fake_wecom.url)
    page.get_by_label("App secret").fill(SECRET)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert "Saved." in page.locator("#messages").inner_text()
    assert page.locator("#state_corp_secret").inner_text() == "set · ends with …-123"
    assert SECRET not in page.content()
    # a test message to a member shows WeCom's answer
    page.get_by_label("Account id (empty: your own)").fill("ZhouJie")
    page.get_by_role("button", name="Send a test message").last.click()
    page.wait_for_load_state("networkidle")
    assert "Sent" in page.locator(".test-results").inner_text()
    assert fake_wecom.accepted[-1]["touser"] == "ZhouJie"
    assert_accessible(page, context="WeCom connector")
    screenshot(page, "notify-connector-wecom")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "notify-connector-wecom-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # the technician opens his notification settings from the account menu
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True)
    tech = phone.new_page()
    sign_in(tech, "zhou.jie", next_path="/tasks/")
    tech.get_by_role("button", name="Menu").click()
    tech.get_by_role("link", name="Notification settings").click()
    tech.wait_for_load_state("networkidle")
    tech.get_by_label("My WeCom user id").fill("ZhouJie")
    tech.get_by_label("Task assigned to me: WeCom").check()
    tech.get_by_label("Task assigned to me: E-mail").uncheck()
    tech.get_by_role("button", name="Save").click()
    tech.wait_for_load_state("networkidle")
    assert "Your notification settings are saved." in tech.locator("#messages").inner_text()
    assert tech.get_by_label("Task assigned to me: WeCom").is_checked()
    assert_accessible(tech, context="notification settings on a phone")
    screenshot(tech, "notify-preferences-phone")

    # when a task is assigned to him, WeCom gets a text card whose link opens the task on his phone
    from engine import services as engine
    from org.models import User
    from processes.services import definition_deploy
    from tests.integrations.test_messengers import APPROVAL

    definition_deploy(files={"expense.bpmn": APPROVAL.replace(b'"zhou"', b'"zhou.jie"')})
    engine.start_process("expense_ok", started_by=User.objects.get(username="xu.li"))
    card = fake_wecom.accepted[-1]["textcard"]
    assert card["title"] == "New task: Approve the expense"
    tech.goto(card["url"])
    tech.wait_for_load_state("networkidle")
    assert "Approve the expense" in tech.locator("h1").inner_text()
    phone.close()

    # the desk view of his settings, for the README
    page.goto(f"{live_server.url}/account/notifications/")
    screenshot(page, "notify-preferences")


def test_a_template_previews_as_it_is_typed_and_refuses_an_unknown_placeholder(
    demo_org, live_server, page, sign_in
):
    sign_in(page, "lin.feng", next_path="/manage/integrations/templates/")
    page.locator('[data-template="task_assigned"]').get_by_role("link", name="English").click()
    page.get_by_label("Text", exact=True).fill("Please look at {task} for {subject} today.")
    page.wait_for_function(
        "() => document.querySelector('[data-part=body]')"
        " && document.querySelector('[data-part=body]').textContent.includes('today')"
    )
    assert "Please look at Approve the leave request" in page.locator("[data-part=body]").inner_text()
    page.get_by_label("Text", exact=True).fill("Please look at {tsk}")
    page.wait_for_function("() => document.querySelector('#message-preview .message.error')")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert "Unknown placeholder(s) {tsk}" in page.locator('[data-field="body"] .field-errors').inner_text()
    assert_accessible(page, context="message template")
    screenshot(page, "notify-template")
