"""The public lead form (assignment rules, honeypot, rate limit), planned activities and the
calendar with its iCalendar feed."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, Lead, LeadAssignmentRule
from crm.sales.services import activity_create, activity_plan
from tasklist.calendar import feed_token
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db
FORM = reverse("crm:lead_web_form")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def post(client, **fields):
    data = {
        "company_name": "远东贸易",
        "contact_name": "孙女士",
        "phone": "13600002222",
        "message": "想要报价",
    }
    return client.post(FORM, {**data, **fields}, REMOTE_ADDR="203.0.113.7")


def test_the_web_form_needs_no_login_and_hands_leads_out_in_turn(client, org):
    LeadAssignmentRule.objects.create(name="web", team=org.sales_group)
    members = sorted([org.zhang, org.liu, org.yang, org.outsider], key=lambda u: u.pk)
    page = client.get(FORM)
    assert page.status_code == 200 and "frame-ancestors *" in page.get("Content-Security-Policy", "")
    for i in range(3):
        assert post(client, company_name=f"远东贸易{i}").status_code == 200
    owners = list(Lead.objects.order_by("pk").values_list("owner", flat=True))
    assert owners == [m.pk for m in members[:3]]


def test_the_web_form_marks_bad_fields_and_drops_robots(client, org):
    bad = post(client, phone="", email="")
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    robot = post(client, website="http://spam.example")
    assert robot.status_code == 200 and Lead.objects.count() == 0


def test_the_web_form_limits_each_address(client, org):
    answers = [post(client, company_name=f"公司{i}").status_code for i in range(7)]
    assert answers[:5] == [200] * 5 and answers[5:] == [429, 429]
    assert Lead.objects.count() == 5


def test_a_follow_up_and_a_planned_visit_show_in_the_week_and_the_feed(client, org):
    customer = CustomerFactory(owner=org.zhang, name="东方机械")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    activity_create(actor=org.zhang, customer=customer, subject="电话", next_follow_up=tomorrow)
    at = timezone.localtime() + datetime.timedelta(days=1)
    visit = activity_plan(actor=org.zhang, customer=customer, subject="上门演示", kind="visit", planned_at=at)
    client.force_login(org.zhang)
    page = client.get(reverse("crm:calendar"), {"view": "week", "date": tomorrow.isoformat()})
    day = next(d for d in page.context["days"] if d["date"] == tomorrow)
    assert {e["entry"].kind for e in day["entries"]} == {"follow_up", "planned"}
    assert "上门演示" in page.content.decode()
    # another salesperson's calendar does not have them
    client.force_login(org.yang)
    other = client.get(reverse("crm:calendar"), {"view": "month", "date": tomorrow.isoformat()})
    assert other.context["count"] == 0
    # the feed needs no session, only the token
    client.logout()
    feed = client.get(reverse("crm:calendar_feed", args=[feed_token(org.zhang)]))
    body = feed.content.decode()
    assert feed["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in body and "上门演示" in body and "东方机械" in body
    assert client.get(reverse("crm:calendar_feed", args=[f"{org.zhang.pk}-forged"])).status_code == 404
    # marking the visit done records it in the history
    client.force_login(org.zhang)
    client.post(reverse("crm:activity_done", args=[visit.pk]), {"outcome": "客户满意"})
    visit.refresh_from_db()
    assert visit.status == Activity.Status.DONE and visit.occurred_at <= timezone.now()


def test_a_planned_activity_is_logged_from_the_form(client, org):
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    when = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("crm:activity_new"),
        {
            "customer": customer.pk,
            "kind": "meeting",
            "subject": "季度会议",
            "occurred_at": when,
            "planned": "on",
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get().status == Activity.Status.PLANNED


def test_an_activity_page_gives_its_time_in_local_time(client, org):
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    client.post(
        reverse("crm:activity_new"),
        {"customer": customer.pk, "kind": "call", "subject": "回访", "occurred_at": "2026-12-08T08:10"},
    )
    activity = Activity.objects.get()
    assert timezone.localtime(activity.occurred_at).strftime("%H:%M") == "08:10"
    page = client.get(reverse("crm:activity_detail", args=[activity.pk])).content.decode()
    assert "8:10" in page and "+00:00" not in page  # (Asia/Shanghai; stored as 00:10 UTC)
    # and the list's "when" column gives it too
    assert "12/08/2026 8:10" in client.get(reverse("crm:activity_list")).content.decode()


def test_a_lead_sheet_imports_good_rows_and_locates_bad_ones(client, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sheet = "公司名称,联系人,电话,邮箱\n华东泵业,周工,13500001111,\n,无名,,\n江南阀门,吴工,,not-an-email\n"
    client.force_login(org.zhang)
    response = client.post(
        reverse("crm:lead_import"), {"file": SimpleUploadedFile("leads.csv", sheet.encode(), "text/csv")}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert list(Lead.objects.values_list("company_name", "owner")) == [("华东泵业", org.zhang.pk)]
    assert {(e["row"], e["field"]) for e in result.errors} == {(3, "company_name"), (4, "email")}
    client.force_login(org.no_perms)
    assert client.get(reverse("crm:lead_import")).status_code == 403
