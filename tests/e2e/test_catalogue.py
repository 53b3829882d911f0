"""The warehouse clerk's day in a real browser: ma.chao receives goods on the product page,
transfers part of them to the other warehouse, is refused an issue larger than the stock (on the
quantity line), issues below the reorder level and gets the low-stock notice, reads the product's
ledger with the balance after each move, and exports the inventory report to Excel."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def stockroom(demo_org):
    from crm.models import StockLevel
    from tests.crm.factories import ProductFactory, WarehouseFactory

    east = WarehouseFactory(code="WH-E", name="East 华东仓")
    north = WarehouseFactory(code="WH-N", name="North 华北仓")
    sensor = ProductFactory(code="BT-210", name="传感器模块 Sensor", price="380.00", unit="个")
    StockLevel.objects.create(product=sensor, warehouse=east, reorder_level=4)  # empty, not yet stocked
    return sensor, east, north


def _move(page, *, warehouse=None, target=None, quantity, reference=""):
    if warehouse is not None:
        page.locator("#id_warehouse").select_option(str(warehouse.pk))
    if target is not None:
        page.locator("#id_target").select_option(str(target.pk))
    page.locator("#id_quantity").fill(str(quantity))
    if reference:
        page.locator("#id_reference").fill(reference)
    page.get_by_role("button", name="Save").click()


def test_receive_transfer_refused_issue_low_stock_ledger_and_report(stockroom, live_server, page, sign_in):
    sensor, east, north = stockroom
    base = live_server.url
    sign_in(page, "ma.chao", next_path=f"/products/{sensor.pk}/")

    # receives 20 into East from the product page
    page.get_by_role("link", name="Receive").click()
    expect(page.locator("#id_kind")).to_have_value("in")
    _move(page, warehouse=east, quantity=20, reference="PO-77")
    expect(page.get_by_role("heading", name="Ledger of BT-210 传感器模块 Sensor")).to_be_visible()

    # transfers 15 to North
    page.goto(f"{base}/products/{sensor.pk}/")
    page.get_by_role("link", name="Transfer", exact=True).click()
    _move(page, warehouse=east, target=north, quantity=15, reference="DB-9")

    # an issue of more than East holds is refused on the quantity line, nothing booked
    page.goto(f"{base}/products/{sensor.pk}/")
    page.get_by_role("link", name="Issue").click()
    _move(page, warehouse=east, quantity=100)
    quantity = page.locator("#id_quantity")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err_quantity")).to_contain_text("available in East")

    # issuing 3 leaves 2 in East, below its reorder level of 4: the warehouse is told
    _move(page, quantity=3, reference="SR-1")
    page.goto(f"{base}/notifications/")
    expect(page.get_by_text("Low stock: BT-210 传感器模块 Sensor in East 华东仓")).to_be_visible()

    # the product page marks the level, the ledger shows every move with the balance after it
    page.goto(f"{base}/products/{sensor.pk}/")
    expect(page.locator("#product-stock tr.stock-low")).to_contain_text("East")
    page.get_by_role("link", name="The whole ledger of this product").click()
    rows = page.locator("#stock_move-table tbody tr")
    expect(rows).to_have_count(4)  # in, transfer out, transfer in, out
    expect(rows.nth(0)).to_contain_text("SR-1")
    expect(rows.nth(0)).to_contain_text("-3")
    expect(rows.nth(3)).to_contain_text("PO-77")
    screenshot(page, "catalogue-e2e-ledger", full_page=False)

    # the inventory report, exported to Excel, holds the levels the page shows
    page.goto(f"{base}/reports/inventory/")
    expect(page.locator("[data-table=levels]")).to_contain_text("BT-210")
    with page.expect_download() as download:
        page.locator("#report-export").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    levels = [[cell.value for cell in row] for row in workbook.worksheets[2].iter_rows(min_row=2)]
    assert {(row[2], row[3]) for row in levels} == {("North 华北仓", 15), ("East 华东仓", 2)}
