"""The knowledge base and training in a real browser: a service rep finds an article from a
complaint, links it and marks it helpful; a customer finds a public article in the portal's help
centre (on a phone); a technician completes an assigned course with its quiz and HR's report shows
it. axe-core on the pages; screenshots desk and phone."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, assert_accessible, screenshot

pytestmark = pytest.mark.e2e

CUSTOMER_EMAIL = "li@huaxin.example"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-US"}


@pytest.fixture
def world(demo_org):
    """The demo org with the knowledge and training seeds (permissions, articles, one course
    assigned to the service team), a customer with a portal login and a complaint about a jam."""
    from crm.models import Complaint, Customer
    from knowledge.seed import seed_demo as seed_knowledge
    from org.models import User
    from portal.models import PortalAccount
    from training.seed import seed_demo as seed_training

    seed_knowledge(io.StringIO())
    seed_training(io.StringIO())
    owner = User.objects.get(username="zhang.wei")
    customer = Customer.objects.create(
        code="C-E2E-KB", name="华信印务 Huaxin Printing", owner=owner, portal_enabled=True
    )
    user = User.objects.create_user(
        username=CUSTOMER_EMAIL, email=CUSTOMER_EMAIL, password=DEMO_PASSWORD, display_name="李经理 Li"
    )
    PortalAccount.objects.create(user=user, customer=customer, activated_at=timezone.now())
    complaint = Complaint.objects.create(
        code="CP-E2E-KB",
        customer=customer,
        subject="打印机频繁卡纸 Printer keeps jamming",
        description="每天早上第一张纸就卡纸。",
        handler=User.objects.get(username="xu.li"),
    )
    return complaint


def test_a_service_rep_finds_an_article_from_a_complaint_and_links_it(world, live_server, page, sign_in):
    from knowledge.models import Article, CaseLink

    sign_in(page, "xu.li")
    page.goto(f"{live_server.url}/complaints/{world.pk}/")
    panel = page.locator("#kb-case-panel")
    expect(panel.get_by_role("heading", name="Articles that solved similar cases")).to_be_visible()
    suggestion = panel.get_by_role("link", name="打印机卡纸处理 Clearing a paper jam")
    expect(suggestion).to_be_visible()
    screenshot(page, "knowledge-complaint-suggestions")
    # a search in the panel finds another article by an English word
    panel.get_by_label("Search the knowledge base").fill("invoice")
    panel.get_by_role("button", name="Search").click()
    expect(
        page.locator("#kb-case-panel").get_by_role(
            "link", name="发票抬头错误怎么办 Correcting an invoice title"
        )
    ).to_be_visible()
    # link the suggested article and mark that it helped
    page.locator("#kb-case-panel").get_by_role(
        "button", name="Link 打印机卡纸处理 Clearing a paper jam"
    ).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#kb-case-panel").get_by_role("heading", name="Linked articles")).to_be_visible()
    page.locator("#kb-case-panel").get_by_role("button", name="It helped").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#kb-case-panel").get_by_text("Helped", exact=True)).to_be_visible()
    assert_accessible(page, context="complaint with the knowledge panel")
    screenshot(page, "knowledge-complaint-panel")
    link = CaseLink.objects.get(case_id=world.pk)
    assert link.helpful and Article.objects.get(pk=link.article_id).helpful_count == 1

    # the knowledge base itself: search in Chinese, open the article, its versions
    page.goto(f"{live_server.url}/knowledge/")
    page.get_by_label("Search articles (Chinese or English)").fill("滤芯")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="更换滤芯 Replacing the filter cartridge")).to_be_visible()
    expect(page.get_by_role("link", name="打印机卡纸处理 Clearing a paper jam")).to_have_count(0)
    assert_accessible(page, context="knowledge base search")
    screenshot(page, "knowledge-search")
    page.get_by_role("link", name="更换滤芯 Replacing the filter cartridge").click()
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    assert_accessible(page, context="article")
    screenshot(page, "knowledge-article")


def test_the_knowledge_base_on_a_phone(world, live_server, browser, sign_in):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, "xu.li", next_path="/knowledge/?q=卡纸")
    expect(page.get_by_role("link", name="打印机卡纸处理 Clearing a paper jam")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "knowledge-search-phone")
    context.close()


def test_a_customer_finds_a_public_article_in_the_portal(world, live_server, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("E-mail").fill(CUSTOMER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/portal/help/")
    page.get_by_label("Search our answers (Chinese or English)").fill("卡纸")
    page.get_by_role("button", name="Search").click()
    # the public jam article is there; the internal escalation rules never are
    page.get_by_role("link", name="打印机卡纸处理 Clearing a paper jam").click()
    expect(page.get_by_role("heading", name="打印机卡纸处理 Clearing a paper jam")).to_be_visible()
    assert_accessible(page, context="portal help article")
    screenshot(page, "knowledge-portal-phone")
    page.goto(f"{live_server.url}/portal/help/?q=投诉")
    expect(page.get_by_text("投诉升级规则")).to_have_count(0)
    context.close()


def test_an_employee_completes_an_assigned_course_and_the_report_shows_it(
    world, live_server, page, sign_in, browser
):
    from training.models import Assignment

    assignment = Assignment.objects.get(learner__username="zhou.jie")
    # on a phone: My courses, the material, the quiz (first wrong, then right)
    phone = browser.new_context(**PHONE).new_page()
    sign_in(phone, "zhou.jie", next_path="/training/")
    expect(
        phone.get_by_role("link", name="服务礼仪与投诉处理 Service etiquette and complaints")
    ).to_be_visible()
    screenshot(phone, "training-my-courses-phone")
    phone.get_by_role("link", name="服务礼仪与投诉处理 Service etiquette and complaints").click()
    material = phone.get_by_role("link", name="投诉处理五步法 Five steps of a complaint (video)")
    # the link leaves for the intranet video; the visit is what counts
    phone.request.get(f"{live_server.url}{material.get_attribute('href')}", max_redirects=0)
    phone.reload()
    expect(phone.get_by_text("Done", exact=True)).to_be_visible()
    phone.get_by_role("link", name="Take the quiz").click()
    phone.get_by_role("button", name="Submit answers").click()
    expect(phone.get_by_text("Answer every question: see the marked ones.")).to_be_visible()
    phone.get_by_label("倾听并确认问题 Listen and confirm the problem").check()
    phone.get_by_label("4小时 4 hours").check()
    assert_accessible(phone, context="quiz")
    screenshot(phone, "training-quiz-phone")
    phone.get_by_role("button", name="Submit answers").click()
    expect(phone.get_by_text("Passed with 100%.")).to_be_visible()
    expect(
        phone.get_by_role("heading", name="服务礼仪与投诉处理 Service etiquette and complaints")
    ).to_contain_text("Completed")
    phone.context.close()
    assignment.refresh_from_db()
    assert assignment.completed_at is not None

    # HR's report: the service department shows the completion and the score
    sign_in(page, "sun.hong", next_path="/training/report/")
    row = page.locator("#training-by-department tbody tr", has_text="Customer Service")
    expect(row).to_contain_text("100.0%")
    completed = Assignment.objects.filter(department__code="SERVICE", completed_at__isnull=False).count()
    assert completed == 1
    assert_accessible(page, context="training report")
    screenshot(page, "training-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export to Excel").click()
    assert download.value.suggested_filename == "training-report.xlsx"
    # the course as its manager sees it: materials, quiz, assignment, learners
    page.goto(f"{live_server.url}/training/courses/{assignment.course_id}/")
    expect(page.get_by_role("heading", name="Learners")).to_be_visible()
    assert_accessible(page, context="course management")
    screenshot(page, "training-course")
    due = Assignment.objects.get(pk=assignment.pk).due_on
    assert due >= timezone.localdate() + datetime.timedelta(days=13)
