"""Field service in a real browser: the dispatcher drags a waiting request onto a technician's day
and the technician finds it on the phone page; the technician records the work on a phone with a
part and the customer's signature drawn on the screen, and the part leaves the stock."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.summaries import map_link

from .conftest import screenshot

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-US"}


@pytest.fixture
def field(demo_org):
    """Two requests of a Suzhou customer: one waiting for the dispatcher, one dispatched to zhou.jie
    for today and accepted (its work step open); a seal in stock."""
    from crm.field.services import dispatch_assign, job_accept, technician_profile_set
    from crm.models import StockLevel
    from crm.services.service import service_request_submit
    from org.models import User
    from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory
    from tests.processes_business.world import deploy_shipped

    deploy_shipped(("service_dispatch",))
    people = {u.username: u for u in User.objects.filter(username__in=["zhang.wei", "xu.li", "zhou.jie"])}
    technician_profile_set(
        actor=people["xu.li"], user=people["zhou.jie"], skills="水泵, 反渗透膜", area="苏州"
    )
    seal = ProductFactory(code="SEAL-01", name="密封圈 Seal", unit="个")
    StockLevel.objects.create(product=seal, warehouse=WarehouseFactory(), on_hand=10)
    customer = CustomerFactory(
        name="苏州星湖精密机械有限公司", owner=people["zhang.wei"], address="苏州工业园区星湖街 328 号"
    )
    waiting = service_request_submit(
        actor=people["zhang.wei"], customer=customer, subject="新设备安装调试", address=customer.address
    )
    dispatched = service_request_submit(
        actor=people["zhang.wei"], customer=customer, subject="水泵漏水维修", serial_number="SN-2026-0042"
    )
    dispatch_assign(
        actor=people["xu.li"],
        request=dispatched,
        technician="zhou.jie",
        day=timezone.localdate(),
        time=datetime.time(9, 0),
    )
    job_accept(actor=people["zhou.jie"], request=dispatched)
    return waiting, dispatched, seal


def test_the_dispatcher_drags_a_request_onto_a_technicians_day(browser, page, sign_in, live_server, field):
    waiting, dispatched, _seal = field
    today = timezone.localdate().isoformat()
    sign_in(page, "xu.li", next_path="/field/dispatch/")
    card = page.locator(f"#waiting-{waiting.pk}")
    cell = page.locator(f'[data-technician="zhou.jie"][data-day="{today}"]')
    expect(cell.locator(f'[data-job="{dispatched.pk}"]')).to_be_visible()

    card.drag_to(cell, source_position={"x": 200, "y": 4})  # by its top edge, clear of its form

    page.wait_for_load_state("networkidle")
    expect(page.locator(".message.success")).to_contain_text(waiting.code)
    expect(cell.locator(f'[data-job="{waiting.pk}"]')).to_be_visible()
    expect(page.locator(f"#waiting-{waiting.pk}")).to_have_count(0)
    screenshot(page, "field-dispatch-board")

    # the technician sees the new job on the phone page, with its map link and accepts it there
    phone = browser.new_context(**PHONE)
    tab = phone.new_page()
    sign_in(tab, "zhou.jie", next_path="/field/today/")
    job = tab.locator(f'[data-job="{waiting.pk}"]')
    expect(job).to_contain_text("新设备安装调试")
    expect(job.locator("[data-action=map]")).to_have_attribute("href", map_link(waiting.address))
    job.locator("[data-action=accept]").click()
    expect(tab.locator(f'[data-job="{waiting.pk}"] [data-action=work]')).to_be_visible()
    phone.close()


def test_the_technician_records_the_work_on_a_phone_and_the_part_leaves_the_stock(browser, sign_in, field):
    from crm.models import FieldPhoto, ServiceRequest, StockLevel

    _waiting, dispatched, seal = field
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    sign_in(page, "zhou.jie", next_path="/field/today/")
    job = page.locator(f'[data-job="{dispatched.pk}"]')
    expect(job).to_contain_text("SN-2026-0042")
    job.locator("[data-action=work]").click()

    page.get_by_label("What was done").fill("更换密封圈，试运行正常")
    page.get_by_label("Hours").fill("1.5")
    page.locator("#part-product-0").select_option("SEAL-01")
    page.locator("#part-qty-0").fill("2")
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 8):
        page.mouse.move(box["x"] + 30 + step * 30, box["y"] + 100 + (20 if step % 2 else -20))
    page.mouse.up()
    screenshot(page, "field-technician-phone")
    page.get_by_role("button", name="Save the work record").click()

    expect(page.locator(".message.success")).to_contain_text(dispatched.code)
    dispatched.refresh_from_db()
    assert dispatched.status == ServiceRequest.Status.DONE
    assert StockLevel.objects.get(product=seal).on_hand == 8
    assert FieldPhoto.objects.filter(service_request=dispatched, kind=FieldPhoto.Kind.SIGNATURE).exists()
    phone.close()
