"""The shipped level-change process in a real browser: the salesperson's request reaches the
manager's inbox; she approves it with a comment; the customer card beside the task shows the new
level and the instance diagram shows the process finished."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot

pytestmark = pytest.mark.e2e

SHIPPED = Path(settings.BASE_DIR) / "bpmn"


def shipped_files(key: str) -> dict[str, bytes]:
    files = {f"{key}.bpmn": (SHIPPED / f"{key}.bpmn").read_bytes()}
    for path in SHIPPED.iterdir():
        if path.suffix == ".dmn" or (path.suffix == ".json" and path.name.startswith(f"{key}.")):
            files[path.name] = path.read_bytes()
    return files


@pytest.fixture
def level_request(demo_org):
    from crm.services.levels import customer_level_change_request
    from org.models import User
    from processes.services import binding_set, definition_deploy
    from tests.crm.factories import CustomerFactory, CustomerLevelFactory

    definition_deploy(files=shipped_files("customer_level_change"), actor=None, activate=True)
    for event, key in json.loads((SHIPPED / "bindings.json").read_text()).items():
        if key == "customer_level_change":
            binding_set(actor=None, event=event, process_key=key)
    levels = {
        code: CustomerLevelFactory(code=code, name=f"Level {code}", sort_order=i)
        for i, code in enumerate("ABCD")
    }
    zhang = User.objects.get(username="zhang.wei")
    customer = CustomerFactory(name="Wuxi Sunrise Textiles 无锡朝阳纺织", owner=zhang, level=levels["C"])
    customer_level_change_request(
        actor=zhang, customer=customer, to_level=levels["B"], reason="Two orders this year"
    )
    return customer


def test_the_manager_approves_a_level_change_and_the_card_shows_the_new_level(
    level_request, live_server, page, sign_in
):
    customer = level_request
    sign_in(page, "wang.fang", next_path="/tasks/")
    row = page.locator("#inbox-results tbody tr").first
    expect(row).to_contain_text("Manager approval")
    row.get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")

    card = page.locator("#business-object")
    expect(card).to_contain_text("Wuxi Sunrise Textiles")
    expect(card.locator('[data-field="level"]')).to_have_text("Level C")
    expect(card.locator('[data-field="requested-level"]')).to_contain_text("Level C → Level B")
    assert_accessible(page, context="level change approval")
    screenshot(page, "task-level-change")

    page.get_by_label("Comment 意见").fill("Good customer, agreed.")
    page.get_by_role("button", name="Approve 同意").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#messages")).to_contain_text("Approved")

    customer.refresh_from_db()
    assert customer.level.code == "B"
    # the completed task still shows the card, now with the new level, and the comment in history
    page.get_by_role("link", name="Completed by me").click()
    page.locator("#inbox-results a.task-name").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator('#business-object [data-field="level"]')).to_have_text("Level B")
    expect(page.locator("main")).to_contain_text("Good customer, agreed.")
