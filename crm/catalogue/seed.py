"""Demo catalogue: a category tree, a retail and a distributor price list, product pictures, a third
warehouse, a few weeks of stock moves, reorder levels (one product ends below its level, so the
warehouse has a low-stock notice) and the shared "Low stock" saved view of the warehouse group.

Called by `crm.seed.seed_demo` after the products and warehouses exist; runs once (it is skipped
when the category tree is already there). Everything goes through the catalogue services."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from ..models import Product, ProductCategory, StockMove, Warehouse
from .services import (
    category_create,
    price_list_create,
    product_price_set,
    product_update,
    stock_count,
    stock_in,
    stock_level_set_reorder,
    stock_out,
    stock_transfer,
    warehouse_create,
)

CATEGORIES = [
    # name, parent, products
    ("水处理设备", None, []),
    ("净水主机", "水处理设备", ["BT-100"]),
    ("膜与耗材", "水处理设备", ["BT-110"]),
    ("智能监控", None, []),
    ("监控终端", "智能监控", ["BT-200"]),
    ("传感器", "智能监控", ["BT-210"]),
    ("服务", None, ["BT-300", "BT-310"]),
]
COLOURS = {
    "BT-100": ((30, 96, 168), (120, 180, 230)),
    "BT-110": ((22, 130, 120), (140, 215, 200)),
    "BT-200": ((92, 70, 160), (180, 160, 235)),
    "BT-210": ((190, 110, 20), (250, 200, 120)),
    "BT-300": ((60, 120, 60), (170, 220, 150)),
    "BT-310": ((150, 50, 70), (235, 150, 160)),
}
# reorder levels per product (each warehouse); only BT-210 in 北京仓 ends below its level
REORDER = {"BT-100": 5, "BT-110": 20, "BT-200": 10, "BT-210": 40}


def _picture(code: str, unit: str) -> bytes:
    """A simple product tile (a gradient with the product code), so lists show real thumbnails."""
    from PIL import Image, ImageDraw, ImageFont

    dark, light = COLOURS.get(code, ((80, 80, 80), (200, 200, 200)))
    size = 240
    image = Image.new("RGB", (size, size), light)
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / size
        draw.line([(0, y), (size, y)], fill=tuple(int(light[i] * (1 - t) + dark[i] * t) for i in range(3)))
    draw.rounded_rectangle([40, 50, 200, 170], radius=18, fill=(255, 255, 255), outline=dark, width=6)
    draw.ellipse([95, 85, 145, 135], fill=dark)
    try:
        font = ImageFont.load_default(size=30)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    draw.text((size / 2, 205), code, fill=(255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def seed_catalogue(*, admin, stdout) -> None:
    if ProductCategory.objects.exists():
        return
    products = {p.code: p for p in Product.objects.filter(code__in=[c for *_x, cs in CATEGORIES for c in cs])}
    categories: dict[str, ProductCategory] = {}
    for order, (name, parent, codes) in enumerate(CATEGORIES):
        categories[name] = category_create(
            actor=admin, name=name, parent=categories.get(parent), sort_order=order
        )
        for code in codes:
            if code in products:
                products[code] = product_update(
                    actor=admin,
                    product=products[code],
                    category=categories[name],
                    image=ContentFile(_picture(code, products[code].unit), name=f"{code}.png"),
                )

    start = timezone.localdate().replace(month=1, day=1)
    retail = price_list_create(actor=admin, code="RETAIL", name="零售价", description="终端客户标准价")
    distributor = price_list_create(
        actor=admin, code="DIST", name="经销商价", description="签约经销商，基础价 85 折"
    )
    for product in products.values():
        product_price_set(
            actor=admin, price_list=retail, product=product, price=product.price, valid_from=start
        )
        product_price_set(
            actor=admin,
            price_list=distributor,
            product=product,
            price=(product.price * Decimal("0.85")).quantize(Decimal("0.01")),
            valid_from=start,
        )

    shanghai = Warehouse.objects.filter(code="WH-SH").first()
    beijing = Warehouse.objects.filter(code="WH-BJ").first()
    guangzhou = Warehouse.objects.filter(code="WH-GZ").first() or warehouse_create(
        actor=admin, code="WH-GZ", name="广州仓", address="广州市黄埔区科学城开源大道 11 号"
    )
    if shanghai is None or beijing is None:
        stdout.write("crm: the demo warehouses are missing; no stock moves seeded")
        return
    clerk = Group.objects.filter(name="warehouse").first()
    clerk_user = clerk.user_set.filter(is_active=True).order_by("pk").first() if clerk else None
    actor = clerk_user or admin

    # three weeks of a warehouse's work: receipts, issues, transfers to the new warehouse, a count
    moves = [
        ("in", "BT-110", shanghai, 60, "PO-2026-118 到货"),
        ("transfer", "BT-100", shanghai, 6, "DB-001 华南备货", guangzhou),
        ("transfer", "BT-110", shanghai, 40, "DB-001 华南备货", guangzhou),
        ("transfer", "BT-210", shanghai, 50, "DB-002 华南备货", guangzhou),
        ("out", "BT-110", beijing, 12, "维修领用 SR-客户现场"),
        ("in", "BT-200", beijing, 15, "PO-2026-121 到货"),
        ("count", "BT-110", shanghai, None, "月度盘点"),
        ("out", "BT-200", shanghai, 3, "展会样机"),
    ]
    for kind, code, warehouse, quantity, reference, *rest in moves:
        product = products.get(code)
        if product is None:
            continue
        if kind in ("out", "transfer"):  # the opening stock is random: take what is there
            level = product.stock_levels.get(warehouse=warehouse)
            quantity = min(Decimal(quantity), level.on_hand - level.reserved)
            if quantity <= 0:
                continue
        if kind == "in":
            stock_in(
                actor=actor, product=product, warehouse=warehouse, quantity=quantity, reference=reference
            )
        elif kind == "out":
            stock_out(
                actor=actor, product=product, warehouse=warehouse, quantity=quantity, reference=reference
            )
        elif kind == "transfer":
            stock_transfer(
                actor=actor,
                product=product,
                source=warehouse,
                target=rest[0],
                quantity=quantity,
                reference=reference,
            )
        else:
            level = product.stock_levels.get(warehouse=warehouse)
            stock_count(
                actor=actor,
                product=product,
                warehouse=warehouse,
                counted=level.on_hand - 2,
                reference=reference,
            )
    # reorder levels, below what each warehouse holds (a third of it at most), but for one
    for code, wanted in REORDER.items():
        for level in products[code].stock_levels.all() if code in products else ():
            target = (code, level.warehouse_id) == ("BT-210", beijing.pk)
            available = level.on_hand - level.reserved
            reorder = Decimal(wanted) if target else min(Decimal(wanted), (available / 3).to_integral_value())
            if reorder > 0:
                stock_level_set_reorder(
                    actor=admin, product=products[code], warehouse=level.warehouse, reorder_level=reorder
                )
    # 北京仓 issues sensors to a service job until it is below its reorder level: the alert fires
    sensors = products.get("BT-210")
    if sensors is not None:
        level = sensors.stock_levels.get(warehouse=beijing)
        take = level.on_hand - level.reserved - Decimal(REORDER["BT-210"] - 8)
        if take > 0:
            stock_out(
                actor=actor,
                product=sensors,
                warehouse=beijing,
                quantity=take,
                reference="工单批量领用 SR-0007",
            )
    # spread the demo ledger over the last three weeks (the services stamp "now")
    now = timezone.now()
    ids = list(StockMove.objects.order_by("id").values_list("pk", flat=True))
    step = datetime.timedelta(days=21) / max(len(ids), 1)
    for index, pk in enumerate(ids):
        StockMove.objects.filter(pk=pk).update(at=now - datetime.timedelta(days=21) + index * step)

    if clerk is not None:
        from ..services.misc import saved_query_save

        saved_query_save(
            actor=admin,
            name="低库存 Low stock",
            entity="stock_level",
            params={"filters": {"low": "true"}},
            shared_with=clerk,
        )
