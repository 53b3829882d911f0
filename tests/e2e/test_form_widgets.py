"""Form widgets in a real browser, with the shipped processes (bpmn/): the dispatcher picks a
technician from cards showing open jobs, with a date-time input; the technician records two parts
in the line table (desk and phone); the customer's rating is five stars; bulk approval asks first;
the instance diagram zooms and fits. Screenshots: docs/screenshots/forms-*.png (en and zh-Hans)."""

from __future__ import annotations

import datetime
import io

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot
from .test_portal import _deploy

pytestmark = [pytest.mark.e2e]

ASSIGN = "Assign a technician 派工"
WORK = "Perform and record the work 上门服务并填写工单"
STAFF_CONFIRM = "Record the customer's confirmation 代客户确认"


@pytest.fixture
def service_world(demo_org):
    """The service process, two catalogue parts in stock, a customer, and one repair waiting for
    the dispatcher (the technician 周杰 already has one job)."""
    from crm.models import Customer, Product, StockLevel, Warehouse
    from crm.services.service import service_request_submit
    from engine.models import HumanTask
    from engine.services import complete_task
    from org.models import User

    _deploy("service_dispatch")
    store = Warehouse.objects.create(code="WH-1", name="Main store 主仓库")
    for code, name in (("SEAL-01", "Seal 密封圈"), ("SW-20", "Pressure switch 压力开关")):
        StockLevel.objects.create(
            product=Product.objects.create(code=code, name=name, unit="个", price="25.00"),
            warehouse=store,
            on_hand=10,
        )
    owner = User.objects.get(username="zhang.wei")
    customer = Customer.objects.create(code="C-E2E-9", name="上海天河贸易 Shanghai Tianhe", owner=owner)
    service_request_submit(actor=owner, customer=customer, subject="Pump leaks 水泵漏水")
    first = HumanTask.objects.get(status="ready")
    complete_task(
        first.pk,
        user=User.objects.get(username="xu.li"),
        data={"technician": "zhou.jie", "scheduled_at": "2030-01-07T10:00:00+08:00"},
    )
    service_request_submit(actor=owner, customer=customer, subject="Booster pump noise 增压泵异响")
    return customer


def test_dispatch_with_workload_then_parts_in_a_line_table_then_stars(
    service_world, live_server, browser, sign_in
):
    from crm.models import ServiceRequest, StockLevel
    from engine.models import HumanTask
    from engine.services import complete_task
    from org.models import User

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = desk.new_page()

    # the dispatcher sees each technician with open jobs and schedule, picks one by name
    sign_in(page, "xu.li", next_path="/tasks/?view=queue")
    request = ServiceRequest.objects.get(subject__startswith="Booster")
    task = HumanTask.objects.get(status="ready", name=ASSIGN)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    zhou = page.locator("label.pick-card", has_text="周杰 Zhou Jie")
    wu = page.locator("label.pick-card", has_text="吴涛 Wu Tao")
    expect(zhou).to_contain_text("1 open job")
    expect(zhou).to_contain_text("Pump leaks")  # his schedule
    expect(wu).to_contain_text("0 open jobs")
    expect(page.locator("input#field-scheduled_at")).to_have_attribute("type", "datetime-local")
    assert "zhou.jie" not in page.locator("#task-form").inner_text()  # names, never login names
    wu.click()
    page.locator("input#field-scheduled_at").fill("2030-01-08T14:30")
    assert_accessible(page, context="dispatch form")
    screenshot(page, "forms-dispatch-technicians")
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_load_state("networkidle")
    request.refresh_from_db()
    assert request.technician.username == "wu.tao"
    assert request.scheduled_at == datetime.datetime(2030, 1, 8, 6, 30, tzinfo=datetime.UTC)
    desk.close()

    # the technician, on his phone, records two parts in the line table
    wu_tao = User.objects.get(username="wu.tao")
    complete_task(
        HumanTask.objects.get(status="ready", assignee=wu_tao).pk, user=wu_tao, data={"accepted": True}
    )
    work = HumanTask.objects.get(status="ready", assignee=wu_tao, name=WORK)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = phone.new_page()
    sign_in(page, "wu.tao")
    User.objects.filter(pk=wu_tao.pk).update(language="zh-hans")  # he reads Chinese
    page.goto(f"{live_server.url}/tasks/{work.pk}/")
    page.locator("#field-hours").fill("2")
    page.locator("#field-result").fill("密封圈和压力开关已更换")
    page.locator("select#field-parts-0-product").select_option("SEAL-01")
    page.locator("#field-parts-0-quantity").fill("2")
    page.locator("[data-line-add]").click()
    expect(page.locator("tbody [data-line-row]")).to_have_count(2)
    page.locator("select#field-parts-1-product").select_option("SW-20")
    page.locator("#field-parts-1-quantity").fill("1")
    # a third row, added and removed again, sends nothing
    page.locator("[data-line-add]").click()
    page.locator("tbody [data-line-row]").nth(2).locator("[data-line-remove]").click()
    expect(page.locator("tbody [data-line-row]")).to_have_count(2)
    assert_accessible(page, context="work record on a phone")
    screenshot(page, "forms-work-parts-phone")
    page.locator("#task-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    work.refresh_from_db()
    assert work.status == "completed"
    request.refresh_from_db()
    assert "SEAL-01" in request.work_record and "\u00d7 2" in request.work_record
    assert "SW-20" in request.work_record and "\u00d7 1" in request.work_record
    assert {s.product.code: s.on_hand for s in StockLevel.objects.select_related("product")} == {
        "SEAL-01": 8,
        "SW-20": 9,
    }
    phone.close()

    # the dispatcher records the customer's rating with stars
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = desk.new_page()
    sign_in(page, "xu.li")
    confirm = HumanTask.objects.get(status="ready", name=STAFF_CONFIRM)
    page.goto(f"{live_server.url}/tasks/{confirm.pk}/")
    expect(page.locator(".rating .stars label")).to_have_count(5)
    page.locator("label[for='field-rating-4']").click()
    screenshot(page, "forms-rating-stars")
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_load_state("networkidle")
    request.refresh_from_db()
    assert request.satisfaction == 4
    desk.close()


def test_the_work_record_table_on_a_desk_in_chinese_shows_row_errors(
    service_world, live_server, browser, sign_in
):
    from engine.models import HumanTask
    from engine.services import complete_task
    from org.models import User

    zhou = User.objects.get(username="zhou.jie")
    accept = HumanTask.objects.get(status="ready", assignee=zhou)
    complete_task(accept.pk, user=zhou, data={"accepted": True})
    work = HumanTask.objects.get(status="ready", assignee=zhou, name=WORK)
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = desk.new_page()
    sign_in(page, "zhou.jie")
    User.objects.filter(pk=zhou.pk).update(language="zh-hans")  # he reads Chinese
    page.goto(f"{live_server.url}/tasks/{work.pk}/")
    page.locator("#field-hours").fill("1")
    page.locator("#field-result").fill("已处理")
    page.locator("select#field-parts-0-product").select_option("SEAL-01")
    page.locator("#field-parts-0-quantity").fill("1")
    page.locator("[data-line-add]").click()
    page.locator("select#field-parts-1-product").select_option("SW-20")
    page.locator("#field-parts-1-quantity").fill("-3")
    page.locator("#task-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    # the bad quantity is marked in its row and column, the good row is kept as typed
    expect(page.locator("#field-parts-1-quantity-errors")).to_be_visible()
    expect(page.locator("#field-parts-0-quantity")).to_have_value("1")
    expect(page.get_by_role("button", name="添加一行")).to_be_visible()
    screenshot(page, "forms-work-parts-zh")
    work.refresh_from_db()
    assert work.status == "ready"
    desk.close()


@pytest.fixture
def leave_world(demo_org):
    from office.models import LeaveType
    from office.seed import seed_demo as seed_office
    from office.services import leave_request_submit
    from org.models import User

    seed_office(io.StringIO())
    _deploy("leave_request")
    year = datetime.date.today().year + 1
    annual = LeaveType.objects.get(code="annual")
    for username, day in (("zhang.wei", 2), ("liu.yang", 9)):
        leave_request_submit(
            actor=User.objects.get(username=username),
            leave_type=annual,
            starts_on=datetime.date(year, 3, day),
            ends_on=datetime.date(year, 3, day + 1),
            reason="Family 家事",
        )


def test_bulk_approval_asks_first_and_the_diagram_zooms(leave_world, live_server, page, sign_in):
    from engine.models import HumanTask

    sign_in(page, "wang.fang", next_path="/tasks/")
    tasks = list(HumanTask.objects.filter(status="ready").order_by("pk"))
    assert len(tasks) == 2
    for task in tasks:
        page.locator(f"input[name=task][value='{task.pk}']").check()
    page.locator("#bulk-form button[value=approve]").click()
    page.wait_for_load_state("networkidle")
    # the confirmation lists each task with what it is about; nothing is decided yet
    expect(page.get_by_role("heading", name="Approve the selected tasks?")).to_be_visible()
    expect(page.locator("#bulk-approve-list li")).to_have_count(2)
    assert {t.status for t in HumanTask.objects.filter(pk__in=[t.pk for t in tasks])} == {"ready"}
    assert_accessible(page, context="bulk approval confirmation")
    screenshot(page, "forms-bulk-confirm")
    page.get_by_role("button", name="Approve 2 tasks").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("2 tasks done.")
    assert {t.status for t in HumanTask.objects.filter(pk__in=[t.pk for t in tasks])} == {"completed"}

    # the instance diagram: zoom in, out and fit change the view
    page.goto(f"{live_server.url}/instances/{tasks[0].instance_id}/")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    fitted = float(diagram.get_attribute("data-zoom"))
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    zoomed = float(diagram.get_attribute("data-zoom"))
    assert zoomed > fitted * 1.5
    page.get_by_role("button", name="Zoom out").click()
    assert float(diagram.get_attribute("data-zoom")) < zoomed
    before = page.evaluate("() => window.batonDiagram.get('canvas').viewbox().x")
    box = diagram.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    assert page.evaluate("() => window.batonDiagram.get('canvas').viewbox().x") > before + 50  # dragged
    screenshot(page, "forms-diagram-zoomed", full_page=False)
    page.get_by_role("button", name="Fit").click()
    assert float(diagram.get_attribute("data-zoom")) == pytest.approx(fitted, rel=0.05)
