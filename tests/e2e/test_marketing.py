"""A marketer's and a salesperson's marketing work in a real browser: wang.fang gathers customers
in a favourite group from their cards, plans a campaign, adds the group as its members, gives
zhang.wei a task (he marks it done from his campaign tasks) and mails the members after a preview;
zhang.wei claims an expense with its receipt on his phone and wang.fang approves it from her inbox."""

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_marketer_plans_a_campaign_with_a_group_a_task_and_a_mailing(page, live_server, sign_in, demo_org):
    from crm.models import Campaign, CampaignTask
    from integrations.models import Mailing
    from org.models import User
    from tests.crm.factories import CustomerFactory

    page.set_default_timeout(45_000)
    zhang = User.objects.get(username="zhang.wei")
    customers = [
        CustomerFactory(owner=zhang, name=name, email=email)
        for name, email in (
            ("苏州天成电子", "buy@tiancheng.example"),
            ("无锡新源环保", "ops@xinyuan.example"),
        )
    ]
    sign_in(page, "wang.fang")
    # a favourite group, filled from the customers' cards
    page.goto(f"{live_server.url}/favourites/new/")
    page.get_by_label("Name").fill("春季邀请名单")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="春季邀请名单")).to_be_visible()
    for customer in customers:
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.locator("#favourites").get_by_role("button", name="Add").click()
        expect(page.locator("#favourites").get_by_role("button", name="Remove")).to_be_visible()
    # the campaign's plan
    page.goto(f"{live_server.url}/campaigns/new/")
    page.get_by_label("Name").fill("2027 春季节水推广")
    page.get_by_label("Goal").fill("预约 20 场现场勘查")
    page.get_by_label("Budget").fill("15000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="2027 春季节水推广")).to_be_visible()
    campaign = Campaign.objects.get(name="2027 春季节水推广")
    # members from the group
    page.get_by_label("Add from").select_option(label="Favourite group: 春季邀请名单")
    page.get_by_role("button", name="Add members").click()
    expect(page.locator("[data-campaign-members]")).to_contain_text("苏州天成电子")
    expect(page.locator('[data-figure="members"]')).to_have_text("2")
    # a task for zhang.wei
    page.locator("#t-title").fill("电话确认出席")
    page.locator("#t-assignee").select_option(label="张伟 Zhang Wei")
    page.get_by_role("button", name="Give the task").click()
    expect(page.locator("[data-campaign-tasks]")).to_contain_text("电话确认出席")
    # the mailing, previewed with each recipient's name, then sent
    page.get_by_role("link", name="Mail the members").click()
    page.get_by_label("Subject (e-mail)").fill("诚邀参加春季节水沙龙")
    page.get_by_label("Text").fill("尊敬的 {{ name }}：诚邀您参加 3 月的节水沙龙。")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#mailing-preview")).to_contain_text("尊敬的 苏州天成电子")
    page.get_by_role("button", name="Send to 2 recipients").click()
    expect(page.locator("[data-campaign-mailings]")).to_contain_text("2027 春季节水推广")
    assert Mailing.objects.get().topic == f"crm.campaign:{campaign.pk}"
    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
    screenshot(page, "marketing-campaign", full_page=False)
    # zhang.wei, notified, marks his task done from his campaign tasks
    page.context.clear_cookies()
    sign_in(page, "zhang.wei", next_path="/campaigns/tasks/")
    row = page.locator("#campaign-tasks tr", has_text="电话确认出席")
    row.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Done: 电话确认出席.")).to_be_visible()
    assert CampaignTask.objects.get().done


def test_a_salesperson_claims_an_expense_on_the_phone_and_the_manager_approves_it(
    browser, live_server, sign_in, demo_org
):
    from crm.models import Expense, ExpenseCategory
    from processes.services import binding_set, definition_deploy
    from tests.processes_business.conftest import shipped_files

    definition_deploy(files=shipped_files("expense_approval"), actor=None, activate=True)
    binding_set(actor=None, event="expense.submitted", process_key="expense_approval")
    ExpenseCategory.objects.create(name="交通")
    # zhang.wei on his phone
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = phone.new_page()
    page.set_default_timeout(45_000)
    sign_in(page, "zhang.wei", next_path="/expenses/new/")
    page.get_by_label("Category").select_option(label="交通")
    page.get_by_label("Amount").fill("126.50")
    page.get_by_label("Description").fill("客户现场勘查往返高铁")
    page.get_by_label("Receipt").set_input_files(
        files=[{"name": "高铁票.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-expense-status]")).to_have_attribute("data-expense-status", "submitted")
    expense = Expense.objects.get()
    assert expense.receipt and expense.status == Expense.Status.SUBMITTED
    phone.close()
    # wang.fang approves it from her inbox, the receipt one click away
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = desk.new_page()
    page.set_default_timeout(45_000)
    sign_in(page, "wang.fang", next_path="/tasks/")
    page.locator("#inbox-results tbody tr", has_text="126.50").get_by_role("link").first.click()
    expect(page.locator('[data-object="expense"]')).to_contain_text("¥126.50")
    expect(
        page.locator('[data-field="receipt"]').get_by_role("link", name="Open the receipt")
    ).to_be_visible()
    screenshot(page, "marketing-expense-approval", full_page=False)
    page.get_by_role("button", name="Approve 同意").click()
    page.wait_for_load_state("networkidle")
    expense.refresh_from_db()
    assert expense.status == Expense.Status.APPROVED
    desk.close()
