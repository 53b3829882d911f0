"""The inventory report: stock value per warehouse and product, movements of the period, the
Excel export with the page's numbers, and who may see it."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from crm.catalogue.services import stock_in, stock_out, stock_transfer
from crm.models import StockMove
from reports.filters import ReportFilters
from reports.selectors import inventory_report
from tests.crm.factories import ProductFactory, WarehouseFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(db):
    admin = UserFactory(username="i.admin", is_superuser=True, is_staff=True)
    pump, valve = (
        ProductFactory(code="P-1", name="增压泵", price=1000),
        ProductFactory(code="V-1", name="阀门", price=50),
    )
    east, north = WarehouseFactory(name="上海仓"), WarehouseFactory(name="北京仓")
    stock_in(actor=admin, product=pump, warehouse=east, quantity=10)
    stock_in(actor=admin, product=valve, warehouse=north, quantity=100)
    stock_transfer(actor=admin, product=pump, source=east, target=north, quantity=4)
    stock_out(actor=admin, product=valve, warehouse=north, quantity=30)
    # a receipt long ago, outside the default period of 30 days
    old = stock_in(actor=admin, product=valve, warehouse=east, quantity=7)
    StockMove.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=90))
    return admin


def test_value_per_warehouse_and_the_movements_of_the_last_30_days(stock):
    # when the administrator builds the report with no period
    with CaptureQueriesContext(connection) as queries:
        data = inventory_report(user=stock, filters=ReportFilters())
    # then value = on hand x price: 上海仓 6 pumps + 7 valves, 北京仓 4 pumps + 70 valves
    by_warehouse = {row["warehouse"]: row for row in data["by_warehouse"]}
    assert by_warehouse["上海仓"]["value"] == 6 * 1000 + 7 * 50
    assert by_warehouse["北京仓"]["value"] == 4 * 1000 + 70 * 50
    assert data["value"] == 6000 + 350 + 4000 + 3500
    assert data["levels"][0]["code"] == "P-1"  # the most valuable level first
    # the 90-day-old receipt is outside the default period
    movements = {row["code"]: row for row in data["movements"]}
    assert (movements["V-1"]["received"], movements["V-1"]["issued"]) == (100, 30)
    assert (movements["P-1"]["received"], movements["P-1"]["transferred"], movements["P-1"]["net"]) == (
        10,
        4,
        10,
    )
    assert data["moves"] == 5
    assert len(queries.captured_queries) <= 6
    # a period covering it counts it
    wide = ReportFilters(date_from=timezone.localdate() - datetime.timedelta(days=120))
    assert inventory_report(user=stock, filters=wide)["received"] == 117


def test_the_page_and_export_need_the_stock_permissions(client, stock):
    clerk = UserFactory(username="i.clerk")
    client.force_login(clerk)
    assert client.get("/reports/inventory/").status_code == 403
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="crm",
            codename__in=["view_product", "view_stocklevel", "view_stockmove"],
        )
    )
    clerk = type(clerk).objects.get(pk=clerk.pk)
    client.force_login(clerk)
    page = client.get("/reports/inventory/")
    assert page.status_code == 200 and "增压泵" in page.content.decode()
    assert client.get("/reports/inventory/export.xlsx").status_code == 403
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="crm", codename="export_stockmove")
    )
    client.force_login(type(clerk).objects.get(pk=clerk.pk))
    export = client.get("/reports/inventory/export.xlsx")
    assert export.status_code == 200
    workbook = load_workbook(io.BytesIO(export.content))
    levels = workbook.worksheets[2]
    assert [cell.value for cell in levels[2]][:3] == ["P-1", "增压泵", "上海仓"]
