"""A salesperson's money day in a real browser: quote two products, download the PDF, turn the
accepted quotation into a contract with a payment plan, the manager approves it in the tasklist,
the salesperson records the signing and a payment against the plan, and the customer card shows
what is paid and what is still owed. Screenshots at desk and phone width."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import CHROMIUM_ARGS, assert_accessible, screenshot  # noqa: F401

pytestmark = pytest.mark.e2e

SHIPPED = Path(settings.BASE_DIR) / "bpmn"
CUSTOMER = "东方精密机械有限公司"


@pytest.fixture
def shop(demo_org):
    from crm.models import StockLevel
    from crm.services.customers import contact_create
    from org.models import User
    from processes.services import binding_set, definition_deploy
    from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

    files = {"contract_approval.bpmn": (SHIPPED / "contract_approval.bpmn").read_bytes()}
    for path in SHIPPED.glob("contract_approval.*.json"):
        files[path.name] = path.read_bytes()
    definition_deploy(files=files, actor=None, activate=True)
    for event, key in json.loads((SHIPPED / "bindings.json").read_text()).items():
        if key == "contract_approval":
            binding_set(actor=None, event=event, process_key=key)
    zhang = User.objects.get(username="zhang.wei")
    customer = CustomerFactory(name=CUSTOMER, owner=zhang, email="caigou@dongfang.example")
    contact_create(actor=zhang, customer=customer, name="李总", email="li@dongfang.example", is_primary=True)
    warehouse = WarehouseFactory()
    pump = ProductFactory(code="PUMP-9", name="离心泵 Centrifugal pump", price="12000.00", unit="台")
    valve = ProductFactory(code="VALVE-2", name="球阀 Ball valve", price="800.00", unit="个")
    StockLevel.objects.create(product=pump, warehouse=warehouse, on_hand=12)
    StockLevel.objects.create(product=valve, warehouse=warehouse, on_hand=300)
    return customer, pump, valve


def test_quote_pdf_contract_approval_payment_and_the_card(shop, browser, live_server, page, sign_in):
    customer, pump, valve = shop
    base = live_server.url

    # the salesperson quotes two products from the card
    sign_in(page, "zhang.wei", next_path=f"/customers/{customer.pk}/?tab=orders")
    page.get_by_role("link", name="New quotation").click()
    page.get_by_label("Title").fill("二期泵站改造 Pump station, phase 2")
    rows = page.locator("tr[data-line]")
    rows.nth(0).get_by_label("Product").select_option(str(pump.pk))
    rows.nth(0).get_by_label("Quantity").fill("2")
    rows.nth(0).get_by_label("Discount %").fill("5")
    rows.nth(1).get_by_label("Product").select_option(str(valve.pk))
    rows.nth(1).get_by_label("Quantity").fill("10")
    expect(rows.nth(0).get_by_label("Product")).to_contain_text("12 台 in stock")
    page.get_by_role("button", name="Save the quotation").click()
    page.wait_for_load_state("networkidle")
    # 2 x 12,000 less 5 % = 22,800; 10 x 800 = 8,000; + 13 % tax = 34,804
    expect(page.locator('[data-field="total"]')).to_have_text("¥34,804.00")
    screenshot(page, "quotation-desk")

    # the PDF carries the customer's name
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert CUSTOMER in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    # accepted: a draft contract with a plan of two instalments, submitted for approval
    page.get_by_role("button", name="Accepted: make a contract").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator('[data-field="status"]')).to_have_text("Draft")
    for due, amount in (("2026-11-30", "20000"), ("2027-03-31", "14804")):
        page.get_by_text("Add an instalment").click()
        page.get_by_label("Due on").fill(due)
        page.locator("#id_i_amount").fill(amount)
        page.get_by_role("button", name="Add", exact=True).click()
        page.wait_for_load_state("networkidle")
    expect(page.locator("tr[data-instalment]")).to_have_count(2)
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator('[data-field="status"]')).to_have_text("Submitted for approval")
    contract_url = page.url

    # the manager approves it in the tasklist, the contract beside the decision
    manager = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    boss = manager.new_page()
    sign_in(boss, "wang.fang", next_path="/tasks/")
    row = boss.locator("#inbox-results tbody tr").first
    expect(row).to_contain_text("Manager approval")
    row.get_by_role("link").first.click()
    boss.wait_for_load_state("networkidle")
    expect(boss.locator("#business-object")).to_contain_text(CUSTOMER)
    expect(boss.locator('#business-object [data-field="amount"]')).to_contain_text("34,804.00")
    screenshot(boss, "contract-approval-task")
    boss.get_by_role("button", name="Approve 同意").click()
    boss.wait_for_load_state("networkidle")
    manager.close()

    # the salesperson records the signing and a payment against the first instalment
    page.goto(contract_url)
    expect(page.locator('[data-field="status"]')).to_have_text("Approved, to be signed")
    page.get_by_label("Signed by (customer)").fill("李总")
    page.get_by_role("button", name="Signed", exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator('[data-field="status"]')).to_have_text("Signed")
    expect(page.locator("tr[data-instalment='1']")).to_contain_text("overdue")
    page.get_by_label("Instalment", exact=True).select_option(label="#1 · 11/30/2026 · ¥20,000.00")
    page.locator("#id_p_amount").fill("20000")
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator('[data-field="paid"]')).to_have_text("¥20,000.00")
    expect(page.locator('[data-field="outstanding"]')).to_contain_text("¥14,804.00")
    expect(page.locator("tr[data-instalment='1']")).not_to_contain_text("overdue")
    assert_accessible(page, context="contract page")
    screenshot(page, "contract-desk")

    # the card shows the contract paid and the receivable
    page.goto(f"{base}/customers/{customer.pk}/?tab=orders")
    expect(page.locator('[data-field="contract-paid"]').first).to_have_text("¥20,000.00")
    expect(page.locator('[data-field="receivable"]')).to_have_text("¥14,804.00")

    # phone width
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "customer-receivables-phone")
    page.goto(contract_url)
    screenshot(page, "contract-phone")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the contract page is {width}px wide on a phone"


def test_the_targets_page_fits_a_phone(demo_org, live_server, page, sign_in):
    from django.utils import timezone

    from crm.services.budgets import sales_target_set
    from org.models import User

    wang, zhang = (User.objects.get(username=u) for u in ("wang.fang", "zhang.wei"))
    sales_target_set(
        actor=wang, salesperson=zhang, month=timezone.localdate().replace(day=1), planned="300000"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "wang.fang", next_path="/targets/")
    expect(page.locator("[data-ranking]")).to_contain_text("300,000.00")
    # the ranking scrolls inside its card; the page itself does not scroll sideways
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the targets page is {width}px wide on a phone"
