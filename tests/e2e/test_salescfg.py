"""Sales operations in a real browser: qian.yu (sales operations) builds a second sales process
with its stages under Administration, a wrong probability is refused on the stage's field; then
zhang.wei creates an opportunity in that process and moves it through its stages on the pipeline
board and from his inbox. Screenshots at desk and phone width."""

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def stage_process(demo_org):
    from processes.services import binding_set, definition_deploy
    from tests.processes_business.conftest import shipped_files

    definition_deploy(files=shipped_files("opportunity_stages"), actor=None, activate=True)
    binding_set(actor=None, event="opportunity.created", process_key="opportunity_stages")


def test_sales_ops_builds_a_process_and_a_salesperson_works_a_deal_through_it(
    page, live_server, sign_in, stage_process
):
    from crm.models import Opportunity, SalesProcess
    from org.models import User
    from tests.crm.factories import CustomerFactory

    page.set_default_timeout(45_000)
    customer = CustomerFactory(name="苏州园区建设集团", owner=User.objects.get(username="zhang.wei"))
    # sales operations: a new process under Administration
    sign_in(page, "qian.yu")
    page.goto(f"{live_server.url}/manage/")
    page.get_by_role("link", name="Sales operations").first.click()
    page.get_by_role("link", name="New sales process").click()
    page.get_by_label("Name").fill("项目型销售")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="项目型销售")).to_be_visible()
    # its stages; a probability above 100 is refused on that field, naming the stage
    for name, probability in (("需求调研", "20"), ("方案报价", "250")):
        form = page.locator("#add-stage")
        form.get_by_label("Name").fill(name)
        form.get_by_label("Win probability %").fill(probability)
        form.get_by_role("button", name="Add the stage").click()
    expect(page.locator('[data-field="probability"] .field-errors')).to_contain_text(
        "Stage 2 “方案报价”: probability must be 0"
    )
    screenshot(page, "salescfg-stage-error")
    form = page.locator("#add-stage")
    form.get_by_label("Win probability %").fill("50")
    form.locator('input[name="required_fields"][value="amount"]').check()
    form.get_by_role("button", name="Add the stage").click()
    form = page.locator("#add-stage")
    form.get_by_label("Name").fill("招投标")
    form.get_by_label("Win probability %").fill("75")
    form.get_by_role("button", name="Add the stage").click()
    expect(page.locator("#stages-table")).to_contain_text("招投标")
    # switched on
    page.get_by_role("link", name="Edit the process").click()
    page.get_by_label("Active").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#stages-table tbody tr")).to_have_count(3)
    screenshot(page, "salescfg-process")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "salescfg-process-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    process = SalesProcess.objects.get(name="项目型销售")
    assert process.active and [s.name for s in process.stages.order_by("position")] == [
        "需求调研",
        "方案报价",
        "招投标",
    ]

    # the salesperson: an opportunity in that process
    page.context.clear_cookies()
    sign_in(page, "zhang.wei")
    page.goto(f"{live_server.url}/opportunities/new/?customer={customer.pk}")
    page.locator("#id_customer").select_option(str(customer.pk))
    page.locator("#id_process").select_option(label="项目型销售")
    page.locator("#id_name").fill("园区智慧照明")
    page.locator("#id_amount").fill("260000")
    page.get_by_role("button", name="Save").click()
    deal = Opportunity.objects.get(name="园区智慧照明")
    assert deal.stage.name == "需求调研"
    # on the board of that process: dropped on the next stage, the stage task's form opens
    page.goto(f"{live_server.url}/opportunities/board/?process={process.pk}")
    first, second = process.stages.order_by("position")[:2]
    expect(page.locator(f'[data-stage="{first.key}"]')).to_contain_text("园区智慧照明")
    screenshot(page, "salescfg-board")
    page.locator(f'[data-card="{deal.pk}"]').drag_to(page.locator(f'[data-stage="{second.key}"]'))
    page.wait_for_url("**/tasks/**")
    expect(page.get_by_role("heading", name="需求调研").first).to_be_visible()
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_url("**/opportunities/board/**")
    expect(page.locator(f'[data-stage="{second.key}"]')).to_contain_text("园区智慧照明")
    # from the inbox: the offer stage asks the amount (prefilled) before the deal moves on
    page.goto(f"{live_server.url}/tasks/")
    screenshot(page, "salescfg-inbox")
    page.get_by_role("link", name="方案报价").first.click()
    expect(page.get_by_label("Amount 金额")).to_have_value("260,000.00")
    screenshot(page, "salescfg-stage-task")
    page.get_by_label("Move on 推进 → 招投标").check()
    page.get_by_role("button", name="Complete task").click()
    deal.refresh_from_db()
    assert deal.stage.name == "招投标" and deal.probability == 75
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/opportunities/board/?process={process.pk}")
    expect(page.locator(f'[data-card="{deal.pk}"]')).to_be_visible()
    screenshot(page, "salescfg-board-phone")


def test_sales_ops_sets_pool_rules_and_level_criteria(page, live_server, sign_in, demo_org):
    from crm.models import CustomerLevel, CustomerPool

    pool = CustomerPool.objects.create(code="PUBLIC", name="公海客户池", is_default=True, claim_limit=20)
    level = CustomerLevel.objects.create(code="A", name="A 重点客户", sort_order=0)
    sign_in(page, "qian.yu")
    # the pool's rules: a wrong number is refused on its field
    page.goto(f"{live_server.url}/manage/sales/pools/{pool.pk}/")
    page.get_by_label("Claims per person per day").fill("three")
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-field="daily_claim_quota"] .field-errors')).to_be_visible()
    page.get_by_label("Claims per person per day").fill("3")
    page.get_by_label("Days before a former owner may claim again").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#pools-table")).to_contain_text("30")
    screenshot(page, "salescfg-pools")
    # a level's criteria, then the suggestions list
    page.goto(f"{live_server.url}/manage/sales/levels/{level.pk}/")
    page.get_by_label("Yearly order amount from (¥)").fill("1000000")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#levels-table")).to_contain_text("¥1,000,000.00")
    page.get_by_role("link", name="Suggest level changes").click()
    expect(page.locator("#level-suggestions")).to_be_visible()
    screenshot(page, "salescfg-level-suggestions")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/manage/sales/levels/")
    screenshot(page, "salescfg-levels-phone")
    pool.refresh_from_db()
    assert (pool.daily_claim_quota, pool.reclaim_cooldown_days) == (3, 30)
