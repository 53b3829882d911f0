"""My requests in a real browser: the requester sees "Rejected" with the manager's name and reason,
corrects and resubmits the leave with its previous values filled in, and withdraws a running
vehicle request; on a phone and in Chinese too."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e

SHIPPED = Path(settings.BASE_DIR) / "bpmn"
YEAR = datetime.date.today().year + 1


def _deploy(key: str) -> None:
    from processes.services import binding_set, definition_deploy

    files = {p.name: p.read_bytes() for p in SHIPPED.glob(f"{key}*") if p.suffix in {".bpmn", ".json"}}
    definition_deploy(files=files, actor=None, activate=True)
    for event, process_key in json.loads((SHIPPED / "bindings.json").read_text()).items():
        if process_key == key:
            binding_set(actor=None, event=event, process_key=key)


@pytest.fixture
def requests_world(demo_org):
    """zhang.wei's leave rejected by wang.fang ("时间冲突"), and a vehicle request waiting for her."""
    from engine.models import HumanTask
    from engine.services import complete_task
    from office.models import LeaveType
    from office.seed import seed_demo as seed_office
    from office.services import leave_request_submit, vehicle_request_submit
    from org.models import User

    seed_office(io.StringIO())
    for key in ("leave_request", "vehicle_request"):
        _deploy(key)
    zhang, wang = User.objects.get(username="zhang.wei"), User.objects.get(username="wang.fang")
    leave = leave_request_submit(
        actor=zhang,
        leave_type=LeaveType.objects.get(code="annual"),
        starts_on=datetime.date(YEAR, 4, 6),
        ends_on=datetime.date(YEAR, 4, 7),
        reason="回杭州参加婚礼",
    )
    task = HumanTask.objects.get(business_object_id=str(leave.pk), status="ready", assignee=wang)
    complete_task(task.pk, user=wang, data={"decision": "reject", "comment": "时间冲突：那两天有客户审计"})
    starts = datetime.datetime(YEAR, 3, 2, 9, 0, tzinfo=datetime.UTC)
    vehicle_request_submit(
        actor=zhang,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        destination="浦东机场",
        passengers=2,
    )
    return zhang


def test_the_requester_reads_the_rejection_resubmits_and_withdraws(
    requests_world, live_server, page, sign_in
):
    from engine.models import ProcessInstance
    from office.models import LeaveRequest

    sign_in(page, "zhang.wei", next_path="/requests/?show=finished")
    row = page.locator("tr", has_text="Leave request").first
    expect(row).to_contain_text("Rejected")
    expect(row).to_contain_text("王芳 Wang Fang")
    expect(row).to_contain_text("时间冲突：那两天有客户审计")
    expect(row).not_to_contain_text("Completed")
    assert_accessible(page, context="my requests, finished")
    screenshot(page, "requests-outcomes")

    # correct and resubmit: the earlier values are there
    row.get_by_role("link", name="Correct and resubmit").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#resubmit-note")).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_value("回杭州参加婚礼")
    expect(page.get_by_label("First day")).to_have_value(f"{YEAR}-04-06")
    page.get_by_label("First day").fill(f"{YEAR}-05-11")
    page.get_by_label("Last day").fill(f"{YEAR}-05-12")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".message").first).to_contain_text("Your request has been sent.")
    resubmitted = LeaveRequest.objects.filter(user=requests_world, reason="回杭州参加婚礼", status="pending")
    assert resubmitted.get().starts_on == datetime.date(YEAR, 5, 11)

    # withdraw the running vehicle request
    page.goto(f"{live_server.url}/requests/")
    trip = page.locator("tr", has_text="浦东机场").first
    expect(trip).to_contain_text("王芳 Wang Fang")
    trip.get_by_text("Withdraw", exact=True).click()
    trip.get_by_label("Why (optional)").fill("会议改为线上")
    trip.get_by_role("button", name="Withdraw the request").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".message").first).to_contain_text("Your request has been withdrawn.")
    vehicle = ProcessInstance.objects.get(started_by=requests_world, key="vehicle_request")
    assert vehicle.status == "cancelled"
    page.goto(f"{live_server.url}/requests/?show=finished")
    expect(page.locator("tr", has_text="浦东机场").first).to_contain_text("Withdrawn")

    # on a phone, and in Chinese
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("tr", has_text="时间冲突").first).to_be_visible()
    screenshot(page, "requests-outcomes-phone")
    type(requests_world).objects.filter(pk=requests_world.pk).update(language="zh-hans")
    page.reload()
    expect(page.locator("tr", has_text="时间冲突").first).to_contain_text("已驳回")
    expect(page.locator("tr", has_text="浦东机场").first).to_contain_text("已撤回")
    screenshot(page, "requests-outcomes-phone-zh-hans")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    screenshot(page, "requests-outcomes-zh-hans")
