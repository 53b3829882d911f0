"""Projects and office supplies in a real browser: a project task sits in the assignee's inbox next
to a process task and is completed there; the board refuses a start before the predecessors are
done and moves a dragged card; the timeline draws bars, milestones and arrows; a supplies request
is approved by the manager (the lines on the task page) and handed out, taking the stock down."""

from __future__ import annotations

import datetime
import io

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot
from .test_portal import _deploy

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def office_world(demo_org):
    from office.seed import seed_demo as seed_office

    seed_office(io.StringIO())


@pytest.fixture
def launch(office_world):
    """The demo launch project (wang.fang owns it; zhang.wei holds the brochure, due tomorrow)."""
    from projects.models import Project
    from projects.seed import seed_demo as seed_projects

    seed_projects(io.StringIO())
    return Project.objects.get()


def test_a_project_task_is_completed_in_the_inbox_beside_a_process_task(launch, live_server, page, sign_in):
    from office.services import vehicle_request_submit
    from org.models import User
    from projects.models import ProjectTask

    # given wang.fang has a vehicle approval waiting and a project task of her own
    _deploy("vehicle_request")
    zhang, wang = User.objects.get(username="zhang.wei"), User.objects.get(username="wang.fang")
    from django.utils import timezone

    starts = timezone.now() + datetime.timedelta(days=2)
    vehicle_request_submit(
        actor=zhang, starts_at=starts, ends_at=starts + datetime.timedelta(hours=3), destination="Suzhou 苏州"
    )
    from projects.services import task_create

    task = task_create(
        actor=wang,
        project=launch,
        title="Book the fair booth 预订展位",
        assignee=wang,
        due_on=timezone.localdate() + datetime.timedelta(days=1),
        priority=ProjectTask.Priority.HIGH,
    )
    # when she opens her inbox
    sign_in(page, "wang.fang", next_path="/tasks/")
    # then the process task and the project task are both there, the project task labelled
    expect(page.locator("tr[data-task]")).to_have_count(1)
    row = page.locator(f'tr[data-project-task="{task.pk}"]')
    expect(row).to_contain_text("预订展位")
    expect(row.locator(".project-name")).to_have_text(launch.name)
    expect(page.locator('[data-count="mine"]')).to_have_text("2")
    screenshot(page, "projects-inbox")
    assert_accessible(page, context="the inbox with project tasks")
    page.set_viewport_size(PHONE)
    screenshot(page, "projects-inbox-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    # when she completes it there
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    # then it is done and gone; the process task stays
    expect(page.locator(f'tr[data-project-task="{task.pk}"]')).to_have_count(0)
    expect(page.locator("tr[data-task]")).to_have_count(1)
    task.refresh_from_db()
    assert task.status == ProjectTask.Status.DONE


def test_the_board_and_the_timeline(launch, live_server, page, sign_in):
    from projects.models import ProjectTask

    brochure = launch.tasks.get(title__startswith="Write the brochure")
    invite = launch.tasks.get(title__startswith="Invite key accounts")
    sign_in(page, "zhang.wei", next_path="/projects/")
    page.locator("#project-table a.task-name").first.click()
    page.wait_for_load_state("networkidle")
    board = page.locator("#project-board")
    expect(board.locator('[data-status="done"] [data-card]')).to_have_count(1)
    # starting a task whose predecessor is open is refused, naming the predecessor
    page.locator(f"#task-{invite.pk} form").filter(has=page.locator('input[value="doing"]')).locator(
        "button"
    ).click()
    expect(page.locator("#board-problem")).to_contain_text("Write the brochure")
    # a dragged card moves (htmx): the brochure to "done" (a tall window: the drag must not scroll)
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.locator(f"#task-{brochure.pk}").drag_to(page.locator('#project-board [data-status="done"]'))
    expect(
        page.locator('#project-board [data-status="done"]').locator(f"#task-{brochure.pk}")
    ).to_be_visible()
    brochure.refresh_from_db()
    assert brochure.status == ProjectTask.Status.DONE
    screenshot(page, "projects-board")
    assert_accessible(page, context="the project board")
    page.set_viewport_size(PHONE)
    screenshot(page, "projects-board-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    # the timeline: a bar per task, both milestones, an arrow per dependency
    page.locator('[data-tab="timeline"]').click()
    page.wait_for_load_state("networkidle")
    svg = page.locator("#project-timeline")
    expect(svg.locator("g.bar")).to_have_count(5)
    expect(svg.locator("g.milestone")).to_have_count(2)
    expect(svg.locator("path.dependency")).to_have_count(5)
    screenshot(page, "projects-timeline")
    page.set_viewport_size(PHONE)
    screenshot(page, "projects-timeline-phone")


def test_a_supplies_request_is_approved_and_handed_out(office_world, live_server, page, sign_in):
    from office.models import SupplyItem, SupplyRequest

    _deploy("office_supplies")
    paper, toner = SupplyItem.objects.get(code="A4"), SupplyItem.objects.get(code="TONER")
    # given zhang.wei asks for 3 boxes of paper and one toner on his phone
    page.set_viewport_size(PHONE)
    sign_in(page, "zhang.wei", next_path="/requests/new/supplies/")
    page.locator("#field-lines_0_item").select_option(str(paper.pk))
    page.locator("#field-lines_0_quantity").fill("3")
    page.locator("#field-lines_1_item").select_option(str(toner.pk))
    page.locator("#field-lines_1_quantity").fill("1")
    page.locator("#field-purpose").fill("Board meeting 董事会")
    screenshot(page, "supplies-request-phone")
    page.locator("form.request-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    request = SupplyRequest.objects.get()
    page.context.clear_cookies()
    # when his manager opens the approval, she sees the lines with the stock, and approves
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, "wang.fang", next_path="/tasks/")
    page.locator("tr[data-task] a.task-name").first.click()
    page.wait_for_load_state("networkidle")
    panel = page.locator('[data-object="supply-request"]')
    expect(panel.locator("tr[data-line]")).to_have_count(2)
    expect(panel).to_contain_text("A4")
    screenshot(page, "supplies-approval")
    assert_accessible(page, context="the supplies approval")
    page.set_viewport_size(PHONE)
    screenshot(page, "supplies-approval-phone")
    page.locator('button[name="decision"][value="approve"]').click()
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    # then the keeper hands them out from his queue
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, "ma.chao", next_path="/tasks/?view=queue")
    page.locator("tr[data-task] a.task-name").first.click()
    page.wait_for_load_state("networkidle")
    page.locator("input[name=handed_out]").check()
    page.locator("#task-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    request.refresh_from_db()
    assert request.status == SupplyRequest.Status.ISSUED
    assert SupplyItem.objects.get(code="A4").stock == paper.stock - 3
    assert SupplyItem.objects.get(code="TONER").stock == toner.stock - 1
    page.goto(f"{live_server.url}/supplies/")
    expect(page.locator('tr[data-item="TONER"]')).to_contain_text(str(toner.stock - 1))
    screenshot(page, "supplies-catalogue")
