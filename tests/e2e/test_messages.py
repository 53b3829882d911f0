"""Messages and work logs in a real browser: Zhang Wei asks his manager about a customer from its
card (she sees the unread count and the card, replies, and the reply arrives without a reload);
Zhang Wei files his daily log and his manager comments on it."""

import re

import pytest

from .conftest import CHROMIUM_ARGS, assert_accessible, screenshot  # noqa: F401

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _watch(page, problems: list) -> None:
    page.on(
        "console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))


def _sign_in(page, url: str, username: str) -> None:
    """The login form in any language (the first buttons on the page switch the language)."""
    page.goto(f"{url}/accounts/login/?next=/messages/")
    page.fill("#id_username", username)
    page.fill("#id_password", "baton-demo")
    page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")


def test_chatting_about_a_customer_with_a_colleague(demo_org, live_server, browser, page, sign_in):
    from playwright.sync_api import expect

    from org.models import User
    from tests.crm.factories import CustomerFactory

    # given Zhang Wei's customer
    zhang = User.objects.get(username="zhang.wei")
    customer = CustomerFactory(owner=zhang, name="上海明远机械有限公司")
    # when he opens its card and chooses "Message about this", finds his manager and writes
    sign_in(page, "zhang.wei", next_path=f"/customers/{customer.pk}/")
    page.click("[data-action=message-about]")
    expect(page.locator("[data-record-card]")).to_contain_text("上海明远机械有限公司")
    page.fill("#people-q", "wangfang")
    page.locator("[data-direct='王芳 Wang Fang']").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#composer [data-record-card]")).to_contain_text("上海明远机械有限公司")
    page.fill("#chat-body", "王经理，明远机械下周想来看设备，@王芳 您有空一起吗")
    page.click("[data-action=send]")
    # then the message shows with the customer's card, without leaving the page
    sent = page.locator("#message-list .chat-message.mine")
    expect(sent).to_contain_text("明远机械下周想来看设备")
    expect(sent.locator("[data-record-card]")).to_contain_text("上海明远机械有限公司")
    expect(page.locator("#composer [data-record-card]")).to_have_count(0)
    assert_accessible(page, context="a conversation")
    screenshot(page, "messages-conversation")

    # the colleague, on her phone, sees one unread message in the header
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    wang = phone.new_page()
    problems: list = []
    _watch(wang, problems)
    _sign_in(wang, live_server.url, "wang.fang")
    expect(wang.locator("#nav-messages-count")).to_have_text(re.compile(r"^1"))
    row = wang.locator(".chat-row", has_text="张伟 Zhang Wei")
    expect(row.locator(".chat-unread")).to_contain_text("1")
    screenshot(wang, "messages-list-phone")
    # she opens the conversation: the card shows the customer she may see, and she replies
    row.click()
    wang.wait_for_load_state("networkidle")
    card = wang.locator("#message-list [data-record-card]")
    expect(card).to_contain_text("上海明远机械有限公司")
    expect(card.get_by_role("link")).to_have_attribute("href", f"/customers/{customer.pk}/")
    expect(wang.locator("#message-list .chat-message.mention")).to_have_count(1)
    # an empty message is refused where it was typed
    wang.click("[data-action=send]")
    expect(wang.locator("#chat-body-error")).to_be_visible()
    wang.fill("#chat-body", "好的，周三下午可以。")
    wang.click("[data-action=send]")
    expect(wang.locator("#message-list .chat-message.mine")).to_contain_text("周三下午")
    screenshot(wang, "messages-conversation-phone")
    # and Zhang Wei's open conversation shows the reply without a reload
    expect(page.locator("#message-list .chat-message:not(.mine)")).to_contain_text("周三下午", timeout=20_000)
    phone.close()
    assert not problems, problems


def test_filing_a_daily_log_and_the_manager_comments(demo_org, live_server, browser, page, sign_in):
    from playwright.sync_api import expect

    # given Zhang Wei writes today's log
    sign_in(page, "zhang.wei", next_path="/work-logs/write/")
    page.fill("#id_done", "拜访上海明远机械，确认设备选型。")
    page.fill("#id_planned", "准备合同草稿。")
    page.fill("#id_problems", "客户要求账期90天。")
    screenshot(page, "worklogs-write")
    page.click("[data-action=save-report]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-field=done]")).to_contain_text("确认设备选型")
    report_url = page.url
    # when his manager looks at her team's day
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    wang = desk.new_page()
    problems: list = []
    _watch(wang, problems)
    sign_in(wang, "wang.fang", next_path="/work-logs/team/")
    zhang_row = wang.locator(".team-row[data-person='张伟 Zhang Wei']")
    expect(zhang_row).to_contain_text("Reported")
    expect(wang.locator(".team-row[data-person='刘洋 Liu Yang']")).to_contain_text("Not reported")
    assert_accessible(wang, context="team view")
    screenshot(wang, "worklogs-team")
    # she opens it and comments
    zhang_row.get_by_role("link").click()
    wang.wait_for_load_state("networkidle")
    wang.fill("#id_body", "账期最多60天。")
    wang.click("[data-action=comment]")
    wang.wait_for_load_state("networkidle")
    expect(wang.locator("#comments")).to_contain_text("账期最多60天")
    desk.close()
    assert not problems, problems
    # then Zhang Wei is told, and sees the comment on his log
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("main")).to_contain_text("commented on your report")
    page.goto(report_url)
    expect(page.locator("#comments")).to_contain_text("账期最多60天")
    page.set_viewport_size(PHONE)
    screenshot(page, "worklogs-report-phone")
