"""The customer portal in a real browser, with the shipped processes (bpmn/): a customer signs in,
makes a complaint and finds it in My requests; a service request goes from the customer through
the dispatcher's staff inbox and the technician back to the customer, who rates it in the portal
and sees it closed. axe-core on every portal page; screenshots in docs/screenshots/portal-*.png."""

from __future__ import annotations

import datetime
import json
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, assert_accessible, screenshot

pytestmark = pytest.mark.e2e

SHIPPED = Path(settings.BASE_DIR) / "bpmn"
CUSTOMER_EMAIL = "li.na@tianhe.example"


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small product picture (a soft gradient), written without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(
        b"\x00" + bytes(min(255, c + y // 3) for _x in range(width) for c in rgb) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _deploy(key: str) -> None:
    from processes.services import binding_set, definition_deploy

    files = {f"{key}.bpmn": (SHIPPED / f"{key}.bpmn").read_bytes()}
    for path in SHIPPED.iterdir():
        if path.suffix == ".dmn" or (path.suffix == ".json" and path.name.startswith(f"{key}.")):
            files[path.name] = path.read_bytes()
    definition_deploy(files=files, actor=None, activate=True)
    for event, process_key in json.loads((SHIPPED / "bindings.json").read_text()).items():
        if process_key == key:
            binding_set(actor=None, event=event, process_key=key)


@pytest.fixture
def customer_world(demo_org):
    """The demo company with the complaint and service processes, one customer company with a
    portal user (li.na), a small catalogue, an order and a contract."""
    from crm.models import ChoiceList, ChoiceOption, Contract, Customer, Order, Payment, Product
    from org.models import User
    from portal.models import PortalAccount

    for key in ("complaint", "service_dispatch"):
        _deploy(key)
    # the company's complaint categories (a managed list; a transactional test starts without the
    # migration's defaults), labelled in both languages as a Chinese company would
    for order, (code, label) in enumerate(
        [("product", "Product quality 产品质量"), ("delivery", "Delivery 交货")]
    ):
        ChoiceOption.objects.update_or_create(
            choice_list=ChoiceList.COMPLAINT_CATEGORY,
            code=code,
            defaults={"label": label, "sort_order": order},
        )
    owner = User.objects.get(username="zhang.wei")
    customer = Customer.objects.create(
        code="C-E2E-1",
        name="上海天河贸易 Shanghai Tianhe Trading",
        owner=owner,
        address="上海市浦东新区张江路 88 号",
        portal_enabled=True,
    )
    user = User.objects.create_user(
        username=CUSTOMER_EMAIL, email=CUSTOMER_EMAIL, password=DEMO_PASSWORD, display_name="李娜 Li Na"
    )
    PortalAccount.objects.create(
        user=user, customer=customer, is_customer_admin=True, activated_at=timezone.now()
    )
    from django.core.files.base import ContentFile

    pump = Product.objects.create(code="BT-100", name="Booster pump 增压泵", price="1280.00", unit="台")
    pump.image.save("bt-100.png", ContentFile(_png(160, 120, (40, 110, 180))))
    cartridge = Product.objects.create(code="BT-120", name="Filter cartridge 滤芯", price="85.00", unit="个")
    cartridge.image.save("bt-120.png", ContentFile(_png(160, 120, (60, 150, 90))))
    contract = Contract.objects.create(
        code="HT000901",
        customer=customer,
        title="Annual supply 年度供货",
        amount="50000",
        owner=owner,
        status="active",
    )
    order = Order.objects.create(
        code="SO000901",
        customer=customer,
        contract=contract,
        status="shipped",
        ordered_on=timezone.localdate() - datetime.timedelta(days=20),
        delivery_on=timezone.localdate() - datetime.timedelta(days=5),
        total_amount="2560.00",
        owner=owner,
    )
    order.lines.create(product=pump, unit="台", quantity=2, price="1280.00", amount="2560.00")
    Payment.objects.create(
        customer=customer, order=order, contract=contract, amount="1000.00", paid_on=timezone.localdate()
    )
    return customer


def portal_sign_in(page, live_server, email=CUSTOMER_EMAIL):
    page.goto(f"{live_server.url}/portal/login/")
    assert_accessible(page, context="portal sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_a_customer_makes_a_complaint_and_finds_it_in_my_requests(customer_world, live_server, page):
    from crm.models import Complaint, Order

    # given li.na signs in to the portal
    portal_sign_in(page, live_server)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    assert_accessible(page, context="portal overview")
    screenshot(page, "portal-home")

    # when she makes a complaint
    page.get_by_role("link", name="Make a complaint").first.click()
    page.wait_for_url("**/portal/complaints/new/")
    assert_accessible(page, context="complaint form")
    page.get_by_role("button", name="Submit the complaint").click()  # empty: errors per field
    expect(page.locator(".field-errors").first).to_be_visible()
    assert_accessible(page, context="complaint form with errors")
    page.get_by_label("Delivery").check()
    page.get_by_label("Subject").fill("Parcel arrived damaged 包裹破损")
    page.get_by_label("What happened?").fill("Two of the ten cartridges were cracked.")
    page.get_by_role("button", name="Submit the complaint").click()

    # then she gets a reference number and the first step in words she understands
    complaint = Complaint.objects.get()
    expect(page.locator(".reference")).to_have_text(complaint.code)
    assert_accessible(page, context="confirmation")
    screenshot(page, "portal-submitted")

    # and the complaint is in My requests
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="My requests").click()
    row = page.locator("tbody tr", has_text=complaint.code)
    expect(row).to_contain_text("Parcel arrived damaged")
    from engine.models import HumanTask
    from portal.selectors import task_label

    expect(row.locator(".step")).to_contain_text(task_label(HumanTask.objects.get(status="ready")))
    assert_accessible(page, context="my requests")
    screenshot(page, "portal-requests")

    # her orders, contracts and amounts due are there too
    page.get_by_role("link", name="Orders and contracts").click()
    expect(page.locator("tbody")).to_contain_text("SO000901")
    assert_accessible(page, context="orders")
    page.get_by_role("link", name="Payments and amounts due").click()
    # (the signed contract is what she owes; the order is part of it)
    expect(page.locator("#due-h")).to_contain_text("49,000.00")
    assert_accessible(page, context="payments")

    # and she orders online from the catalogue
    page.get_by_role("link", name="Order online").click()
    page.get_by_label("Quantity").nth(1).fill("12")
    page.get_by_role("button", name="Add Filter cartridge 滤芯 to cart").click()
    expect(page.locator(".messages")).to_contain_text("is in your cart")
    assert_accessible(page, context="catalogue")
    screenshot(page, "portal-catalogue")
    page.get_by_role("link", name="Cart (1 product)").click()
    page.get_by_label("Wanted delivery date").fill(
        (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    )
    assert_accessible(page, context="cart")
    screenshot(page, "portal-cart")
    page.get_by_role("button", name="Place the order").click()
    order = Order.objects.exclude(code="SO000901").get()
    expect(page.locator(".reference")).to_have_text(order.code)
    assert order.total_amount == 1020 and order.status == Order.Status.SUBMITTED


def test_a_service_request_goes_round_and_the_customer_rates_it(
    customer_world, live_server, browser, sign_in
):
    from crm.models import ServiceRequest
    from engine.models import HumanTask
    from engine.services import complete_task
    from org.models import User
    from portal.selectors import task_label

    customer_page = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US").new_page()
    staff_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    staff_page = staff_context.new_page()

    # the customer (on a phone) asks for a repair
    portal_sign_in(customer_page, live_server)
    customer_page.goto(f"{live_server.url}/portal/service/new/")
    customer_page.get_by_label("Repair").check()
    customer_page.get_by_label("Product").select_option(label="Booster pump 增压泵 (BT-100)")
    customer_page.get_by_label("Serial number").fill("BP-2291-0042")
    customer_page.get_by_label("Describe the problem or the work").fill(
        "The pump starts and stops every minute."
    )
    assert_accessible(customer_page, context="service request form")
    screenshot(customer_page, "portal-service-request")
    customer_page.get_by_role("button", name="Send the request").click()
    request = ServiceRequest.objects.get()
    expect(customer_page.locator(".reference")).to_have_text(request.code)

    # the dispatcher assigns a technician from the staff inbox
    sign_in(staff_page, "xu.li", next_path="/tasks/?view=queue")
    staff_page.get_by_role("link", name="Assign a technician 派工").first.click()
    # the technicians are cards with their workload; the dispatcher picks one by name
    expect(staff_page.locator("label.pick-card", has_text="周杰 Zhou Jie")).to_contain_text("0 open jobs")
    staff_page.locator("label.pick-card", has_text="周杰 Zhou Jie").click()
    staff_page.get_by_role("button", name="Complete task").click()
    staff_page.wait_for_load_state("networkidle")
    zhou = User.objects.get(username="zhou.jie")
    accept = HumanTask.objects.get(assignee=zhou, status="ready")

    # the technician accepts and records the work
    complete_task(accept.pk, user=zhou, data={"accepted": True})
    work = HumanTask.objects.get(assignee=zhou, status="ready")
    complete_task(work.pk, user=zhou, data={"hours": 1.5, "result": "Pressure switch replaced"})

    # the customer finds the rating in the portal's to-do list
    customer_page.goto(f"{live_server.url}/portal/tasks/")
    rating = HumanTask.objects.get(assignee__username=CUSTOMER_EMAIL, status="ready")
    customer_page.get_by_role("link", name=task_label(rating)).click()
    # what was done is shown above the rating it asks for
    resolution = customer_page.locator(".resolution")
    expect(resolution).to_contain_text("What we did")
    expect(resolution).to_contain_text("Pressure switch replaced")
    assert resolution.bounding_box()["y"] < customer_page.locator(".rating").bounding_box()["y"]
    screenshot(customer_page, "portal-task-resolution-phone")
    User.objects.filter(username=CUSTOMER_EMAIL).update(language="zh-hans")
    customer_page.reload()
    expect(customer_page.locator(".resolution")).to_contain_text("我们完成的工作")
    screenshot(customer_page, "portal-task-resolution-phone-zh-hans")
    User.objects.filter(username=CUSTOMER_EMAIL).update(language="en")
    customer_page.reload()
    # the rating is five stars; sent without one, the form says so on the field
    expect(customer_page.locator(".rating .stars label")).to_have_count(5)
    customer_page.get_by_role("button", name="Send").click()
    expect(customer_page.locator(".field-errors")).to_contain_text("This field is required.")
    assert_accessible(customer_page, context="rating with an error")
    screenshot(customer_page, "portal-task")
    customer_page.locator("label[for='field-rating-5']").click()
    customer_page.get_by_label("Feedback 意见").fill("Quick and friendly.")
    customer_page.get_by_role("button", name="Send").click()
    expect(customer_page.locator(".messages")).to_contain_text("Thank you")

    # and the request shows closed
    customer_page.goto(f"{live_server.url}/portal/requests/service/{request.pk}/")
    expect(customer_page.locator(".step")).to_have_text("Closed")
    assert_accessible(customer_page, context="closed request")
    screenshot(customer_page, "portal-request-closed")
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.CLOSED and request.satisfaction == 5
    staff_context.close()
    customer_page.context.close()


def test_the_customer_finds_shared_documents_and_downloads_one(customer_world, live_server, page):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.services.documents import document_upload
    from org.models import User

    # given the customer manager shared a manual and kept an internal calculation to himself
    owner = User.objects.get(username="zhang.wei")
    owner.is_superuser = True  # the demo org's roles come from the org seed; edit right is enough
    owner.save(update_fields=["is_superuser"])
    for title, kind, shared in (
        ("BT-100 installation manual 安装说明书", "manual", True),
        ("Proposal: water treatment upgrade 水处理升级方案", "proposal", True),
        ("Internal margin calculation", "other", False),
    ):
        document_upload(
            actor=owner,
            customer=customer_world,
            upload=SimpleUploadedFile("doc.pdf", b"%PDF-1.4\n" + b"0" * 2048, "application/pdf"),
            title=title,
            kind=kind,
            shared_with_customer=shared,
        )
    # when li.na opens Documents in the portal
    portal_sign_in(page, live_server)
    page.get_by_role("link", name="Documents").first.click()
    page.wait_for_load_state("networkidle")
    # then she sees the shared ones only, and a download arrives as a file
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents")
    expect(page.get_by_text("BT-100 installation manual 安装说明书")).to_be_visible()
    expect(page.get_by_text("Internal margin calculation")).to_have_count(0)
    assert_accessible(page, context="portal documents")
    screenshot(page, "portal-documents")
    with page.expect_download() as download:
        page.get_by_role("link", name="BT-100 installation manual 安装说明书").click()
    assert download.value.suggested_filename.endswith(".pdf")


@pytest.mark.parametrize("path", ["/portal/login/", "/accounts/login/"])
def test_on_a_phone_the_sign_in_page_switches_language_before_signing_in(live_server, page, path):
    # a Chinese-speaking customer (or employee) on a phone, not signed in yet
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{path}")
    switch = page.locator("form.lang button[value=zh-hans]")
    expect(switch).to_be_visible()
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    expect(page.locator("form:not(.lang) [type=submit]").first).to_have_text(re.compile("登录"))
