"""The web shell in a real browser: sign in, the home page, the login page in Chinese, axe-core."""

import pytest

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e


def test_a_demo_user_signs_in_and_sees_the_home_page(demo_org, live_server, page, sign_in):
    # given the demo company, when zhang.wei signs in through the login form
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert_accessible(page, context="login page")
    screenshot(page, "login")
    sign_in(page, "zhang.wei")

    # then the home page greets him with his place in the organisation
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert "Sales East" in page.inner_text("main")
    assert_accessible(page, context="home page")
    screenshot(page, "home")


def test_the_login_page_follows_the_browsers_chinese(browser, live_server, transactional_db):
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.get_by_role("heading", level=1).inner_text() == "登录 Baton"
        assert page.get_by_label("用户名").is_visible()
        assert_accessible(page, context="login page (zh-hans)")
        screenshot(page, "login-zh-hans")
    finally:
        context.close()


def test_the_language_switch_is_remembered_on_the_user(demo_org, live_server, page, sign_in):
    from org.models import User

    # given zhang.wei signed in with an English browser
    sign_in(page, "zhang.wei")
    # when he picks Simplified Chinese in the top bar
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state("networkidle")
    # then the page is Chinese and the choice is stored on his user, winning over the browser
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert User.objects.get(username="zhang.wei").language == "zh-hans"
    page.context.clear_cookies(name="django_language")
    page.reload()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("button", name="退出").is_visible()


def test_the_menu_folds_on_a_phone(demo_org, browser, live_server, sign_in):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, "wang.fang")
        menu = page.get_by_role("button", name="Menu")
        assert menu.is_visible()
        assert not page.get_by_role("button", name="Sign out").is_visible()
        menu.click()
        assert page.get_by_role("button", name="Sign out").is_visible()
        assert_accessible(page, context="home page on a phone")
        screenshot(page, "home-phone")
    finally:
        context.close()


def test_on_a_laptop_every_section_of_the_widest_bar_fits_on_one_row(demo_org, browser, live_server, sign_in):
    # given an administrator, who sees every section, on a 1366 px laptop screen
    from django.contrib.auth import get_user_model

    from .conftest import DEMO_PASSWORD

    get_user_model().objects.create_superuser("boss", password=DEMO_PASSWORD)
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, "boss")
        page.wait_for_load_state("networkidle")  # (the badges have loaded)
        # then the sections sit on one row, none wrapped under the others
        tops = page.eval_on_selector_all(
            ".topbar nav > ul > li", "items => items.map(i => Math.round(i.getBoundingClientRect().top))"
        )
        assert len(tops) >= 10 and len(set(tops)) == 1, tops
        assert page.get_by_role("navigation", name="Main").get_by_text("Administration").is_visible()
        # and a badge with nothing to count takes no room (no blank pill)
        widths = page.eval_on_selector_all(
            ".nav-count", "badges => badges.filter(b => !b.textContent.trim()).map(b => b.offsetWidth)"
        )
        assert set(widths) <= {0}, widths
        screenshot(page, "topbar-laptop", full_page=False)
    finally:
        context.close()
