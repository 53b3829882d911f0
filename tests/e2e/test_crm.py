"""The CRM screens in a real browser: a sales manager filters and groups the customer list, opens a
card, edits it, sees the duplicate warning while typing a new customer, and merges two cards."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e


def accessible(page, live_server, context: str) -> None:
    """axe-core loaded from our static files (the CSP refuses an inline script), then checked."""
    page.add_script_tag(url=f"{live_server.url}/static/vendor/axe-core/axe.min.js")
    assert_accessible(page, context=context)


@pytest.fixture
def customers(demo_org):
    from crm.models import ChoiceList
    from crm.sales.services import activity_create
    from crm.services.customers import contact_create
    from org.models import User
    from tests.crm.factories import (
        ChoiceOptionFactory,
        CustomerFactory,
        CustomerLevelFactory,
        OpportunityFactory,
    )

    zhang = User.objects.get(username="zhang.wei")
    liu = User.objects.get(username="liu.yang")
    levels = [CustomerLevelFactory(code=c, name=f"{c} 级", sort_order=i) for i, c in enumerate("ABC")]
    active = ChoiceOptionFactory(choice_list=ChoiceList.STATUS, code="active", label="Active 合作中")
    industry = ChoiceOptionFactory(choice_list=ChoiceList.INDUSTRY, code="mfg", label="Manufacturing 制造业")
    region = ChoiceOptionFactory(choice_list=ChoiceList.REGION, code="east", label="East China 华东")
    names = [
        ("杭州西湖电子有限公司", zhang, 0, 12_000_000, "0571-87001234"),
        ("宁波港城物流有限公司", zhang, 1, 5_600_000, "0574-27801111"),
        ("苏州园区精密机械有限公司", liu, 0, 28_000_000, "0512-62705555"),
        ("无锡朝阳纺织有限公司", liu, 2, 1_800_000, "0510-82223333"),
        ("上海浦江软件有限公司", zhang, 1, 9_300_000, "021-58881234"),
    ]
    made = {}
    for name, owner, level, revenue, phone in names:
        made[name] = CustomerFactory(
            name=name,
            owner=owner,
            level=levels[level],
            status=active,
            industry=industry,
            region=region,
            annual_revenue=revenue,
            phone=phone,
            address="浙江省杭州市西湖区文三路 90 号",
            legal_person="陈建国",
        )
    card = made["杭州西湖电子有限公司"]
    contact_create(
        actor=zhang,
        customer=card,
        name="王丽 Wang Li",
        department="采购部",
        title="采购经理",
        mobile="13900001111",
    )
    contact_create(actor=zhang, customer=card, name="赵强 Zhao Qiang", department="技术部", title="总工程师")
    activity_create(actor=zhang, customer=card, subject="季度拜访 Quarterly visit")
    OpportunityFactory(customer=card, owner=zhang, name="2027 年度框架协议", amount=1_200_000)
    # a near duplicate of the card, to be merged into it
    made["dup"] = CustomerFactory(name="杭州西湖电子股份公司", owner=zhang, phone="0571-87009999")
    contact_create(actor=zhang, customer=made["dup"], name="钱伟 Qian Wei")
    return made


def test_list_card_edit_duplicate_warning_and_merge(customers, live_server, page, sign_in):
    card = customers["杭州西湖电子有限公司"]
    dup = customers["dup"]
    # the list, grouped by level with totals
    sign_in(page, "wang.fang", next_path="/customers/")
    expect(page.locator("#customer-table tbody tr")).to_have_count(6)
    page.get_by_label("Group by").select_option("level")
    expect(page.locator("#customer-groups")).to_be_visible()
    expect(page.locator("#customer-groups tfoot")).to_contain_text("6")
    accessible(page, live_server, "customer list")
    screenshot(page, "crm-list")
    # the keyboard works the list like the inbox: "/" to search, j to the first row
    page.locator("body").press("/")
    expect(page.locator("[data-list-search]")).to_be_focused()
    page.locator("[data-list-search]").evaluate("box => box.blur()")
    page.keyboard.press("j")
    expect(page.locator("#customer-table tbody a.task-name").first).to_be_focused()

    # the card
    page.locator("#customer-table").get_by_role("link", name="杭州西湖电子有限公司").click()
    expect(page.locator("h1")).to_contain_text("杭州西湖电子有限公司")
    expect(page.locator("#tab-panel")).to_contain_text("陈建国")
    accessible(page, live_server, "customer card")
    screenshot(page, "crm-card")
    page.get_by_role("link", name="Contacts").click()
    expect(page.locator("#tab-panel")).to_contain_text("采购部")
    expect(page.get_by_role("link", name="Contacts")).to_have_attribute("aria-current", "page")

    # edit: a bad e-mail is shown on its field, then a good value saves
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("E-mail").fill("not-an-address")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#err_email")).to_be_visible()
    page.get_by_label("E-mail").fill("sales@xihu-dz.example.cn")
    page.get_by_role("button", name="Save").click()
    # the card's near duplicate is pointed out on saving; the salesperson confirms
    expect(page.locator("#duplicates")).to_contain_text(dup.code)
    page.get_by_label("It is a different company: save anyway").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#tab-panel")).to_contain_text("sales@xihu-dz.example.cn")

    # the duplicate warning while typing a new customer
    page.goto(f"{live_server.url}/customers/new/")
    page.get_by_label("Name").first.press_sequentially("杭州西湖电子有限公司", delay=20)
    expect(page.locator("#duplicates")).to_contain_text(card.code)

    # merge the near duplicate into the card
    page.goto(f"{live_server.url}/customers/merge/?keep={card.code}")
    page.get_by_label("Merge in and remove (id or code)").fill(dup.code)
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#merge-moving")).to_contain_text("1")
    page.get_by_role("button", name=f"Merge {dup.code} into {card.code}").click()
    expect(page.locator("h1")).to_contain_text("杭州西湖电子有限公司")
    page.get_by_role("link", name="Contacts").click()
    expect(page.locator("#tab-panel")).to_contain_text("钱伟 Qian Wei")


def test_the_list_and_the_card_fit_a_phone_screen(customers, browser, live_server, sign_in):
    card = customers["杭州西湖电子有限公司"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True)
    page = context.new_page()
    try:
        sign_in(page, "zhang.wei", next_path="/customers/")
        for path in ("/customers/", f"/customers/{card.pk}/", f"/customers/{card.pk}/?tab=contacts"):
            page.goto(f"{live_server.url}{path}")
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the phone screen"
        screenshot(page, "crm-card-phone")
    finally:
        context.close()
