"""Products, warehouses and stock moves on the generic object views (list/detail/create/edit/
export/permission tests from tests/generic_views.py), plus what the catalogue screens add: the
product picture as a thumbnail, bulk deactivation, a stock move refused on its quantity line."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from crm.catalogue.services import stock_in
from crm.models import Product, StockLevel, StockMove
from tests.crm.factories import ProductFactory, WarehouseFactory
from tests.generic_views import ObjectViewTestCases

pytestmark = pytest.mark.django_db

CATALOGUE_PERMS = [
    f"{action}_{model}"
    for model in ("warehouse", "stockmove", "stocklevel", "productcategory", "pricelist", "productprice")
    for action in ("view", "add", "change", "export")
]


@pytest.fixture(autouse=True)
def catalogue_perms(org):
    """The sales group of the test world also keeps the warehouse (as the demo's clerk does)."""
    org.sales_group.permissions.add(
        *Permission.objects.filter(content_type__app_label="crm", codename__in=CATALOGUE_PERMS)
    )


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 96, 168)).save(buffer, format="PNG")
    return buffer.getvalue()


class TestProductViews(ObjectViewTestCases):
    object_type = "product"
    row_scoped = False
    invalid_data = ({"price": "-5"}, "price")
    updated = ("name", "工业净水设备 二代")

    def make(self, org, owner):
        return ProductFactory(created_by=owner)

    def create_data(self, org):
        return {"code": "PX-9", "name": "净水器", "unit": "台", "price": "1999", "active": "on"}

    def update_data(self, org, obj):
        return {"code": obj.code, "name": "工业净水设备 二代", "unit": "台", "price": "38000", "active": "on"}


class TestWarehouseViews(ObjectViewTestCases):
    object_type = "warehouse"
    row_scoped = False
    invalid_data = ({"code": ""}, "code")
    updated = ("address", "广州市黄埔区开源大道 11 号")

    def make(self, org, owner):
        return WarehouseFactory()

    def create_data(self, org):
        return {"code": "WH-GZ", "name": "广州仓", "active": "on"}

    def update_data(self, org, obj):
        return {"code": obj.code, "name": obj.name, "address": "广州市黄埔区开源大道 11 号", "active": "on"}


class TestStockMoveViews(ObjectViewTestCases):
    object_type = "stock_move"
    row_scoped = False
    # issuing more than the warehouse holds is refused on the quantity line
    invalid_data = ({"kind": "out", "quantity": "1000"}, "quantity")

    def make(self, org, owner):
        return stock_in(actor=org.admin, product=ProductFactory(), warehouse=WarehouseFactory(), quantity=5)

    def create_data(self, org):
        product, warehouse = ProductFactory(), WarehouseFactory()
        return {
            "kind": "in",
            "product": product.pk,
            "warehouse": warehouse.pk,
            "quantity": "12",
            "reference": "PO-1",
        }


def test_a_picture_uploaded_with_the_product_is_its_thumbnail_in_the_list(client, org):
    # given zhang creates a product with a picture
    client.force_login(org.zhang)
    picture = SimpleUploadedFile("pump.png", _png(), content_type="image/png")
    data = {"code": "PX-1", "name": "增压泵", "unit": "台", "price": "880", "active": "on", "image": picture}
    assert client.post("/products/new/", data).status_code == 302
    product = Product.objects.get(code="PX-1")
    # when he opens the product list
    page = client.get("/products/").content.decode()
    # then the row shows the picture, served to whoever may see the product
    assert f'src="/products/{product.pk}/image/"' in page
    image = client.get(f"/products/{product.pk}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    client.force_login(org.no_perms)
    assert client.get(f"/products/{product.pk}/image/").status_code == 403


def test_a_file_that_is_not_a_picture_is_refused_on_the_field(client, org):
    client.force_login(org.zhang)
    script = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    data = {"code": "PX-2", "name": "增压泵", "unit": "台", "price": "880", "image": script}
    response = client.post("/products/new/", data)
    assert response.status_code == 400
    assert {f["name"]: f["errors"] for f in response.context["fields"]}["image"]
    assert not Product.objects.filter(code="PX-2").exists()


def test_bulk_deactivate_and_the_low_stock_filter(client, org):
    pump, valve = ProductFactory(), ProductFactory()
    client.force_login(org.zhang)
    response = client.post("/products/bulk/", {"action": "deactivate", "ids": [pump.pk, valve.pk]})
    assert response.status_code == 302
    assert not Product.objects.filter(pk__in=[pump.pk, valve.pk], active=True).exists()
    # a level below its reorder level marks the product as low stock
    warehouse = WarehouseFactory()
    stock_in(actor=org.admin, product=pump, warehouse=warehouse, quantity=2)
    StockLevel.objects.filter(product=pump).update(reorder_level=5)
    from crm.catalogue.services import stock_levels_recheck

    stock_levels_recheck(levels=list(StockLevel.objects.filter(product=pump)))
    low = client.get("/products/", {"low": "true"})
    assert {p.pk for p in low.context["page"]["rows"]} == {pump.pk}
    levels = client.get("/stock/", {"low": "true"})
    assert [lv.product_id for lv in levels.context["page"]["rows"]] == [pump.pk]


def test_a_transfer_entered_in_the_form_books_out_of_one_warehouse_into_the_other(client, org):
    product, east, north = ProductFactory(), WarehouseFactory(), WarehouseFactory()
    stock_in(actor=org.admin, product=product, warehouse=east, quantity=10)
    client.force_login(org.zhang)
    post = {
        "kind": "transfer",
        "product": product.pk,
        "warehouse": east.pk,
        "quantity": "4",
        "reference": "DB-1",
    }
    # without the target warehouse: refused on that field
    response = client.post("/stock-moves/new/", post)
    assert response.status_code == 400
    assert {f["name"]: f["errors"] for f in response.context["fields"]}["target"]
    response = client.post("/stock-moves/new/", {**post, "target": north.pk})
    assert response.status_code == 302
    balances = dict(StockLevel.objects.filter(product=product).values_list("warehouse_id", "on_hand"))
    assert balances == {east.pk: 6, north.pk: 4}
    ledger = client.get("/stock-moves/", {"product": product.pk}).content.decode()
    assert ledger.count("DB-1") == 2
    assert StockMove.objects.filter(product=product, actor=org.zhang).count() == 2
