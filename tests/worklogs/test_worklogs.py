"""Work plans and logs: filing a daily or weekly report with the period's activities and tasks,
the manager's comments, and the team view of who has and has not reported."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import NotPermitted, ValidationFailed
from crm.models import Activity
from integrations.models import Notification
from tests.crm.factories import CustomerFactory
from worklogs import selectors, services
from worklogs.models import WorkReport

pytestmark = pytest.mark.django_db


def _activity(user, *, subject, when):
    customer = CustomerFactory(owner=user, name="苏州远景机械有限公司")
    return Activity.objects.create(
        customer=customer, subject=subject, occurred_at=when, owner=user, kind=Activity.Kind.VISIT
    )


def test_a_daily_log_keeps_the_days_activities(org):
    # given zhang visited a customer today and yesterday
    now = timezone.now()
    _activity(org.zhang, subject="拜访采购部", when=now)
    _activity(org.zhang, subject="昨天的电话", when=now - datetime.timedelta(days=1))
    # when he files today's log
    report = services.report_save(
        actor=org.zhang, period="day", day=timezone.localdate(), done="拜访远景机械", planned="发报价"
    )
    # then today's visit is listed with it, yesterday's is not
    assert [item["text"].split(" · ")[0] for item in report.items] == ["拜访采购部"]
    assert AuditEvent.objects.filter(action="create", object_id=str(report.pk)).exists()
    # and filing again updates the same report
    again = services.report_save(actor=org.zhang, period="day", day=timezone.localdate(), done="改了")
    assert again.pk == report.pk and again.done == "改了"


def test_a_weekly_report_starts_on_monday(org):
    today = timezone.localdate()
    report = services.report_save(actor=org.zhang, period="week", day=today, done="本周签约两单")
    assert report.starts_on == today - datetime.timedelta(days=today.weekday())


def test_a_report_without_content_or_on_a_bad_day_is_refused_on_its_field(org):
    with pytest.raises(ValidationFailed) as error:
        services.report_save(actor=org.zhang, period="day", day=timezone.localdate(), done=" ")
    assert "done" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        services.report_save(
            actor=org.zhang, period="day", day=timezone.localdate() + datetime.timedelta(days=5), done="x"
        )
    assert "day" in error.value.fields
    assert not WorkReport.objects.exists()


def test_the_manager_sees_the_team_and_comments_the_author_is_told(org, django_capture_on_commit_callbacks):
    report = services.report_save(actor=org.zhang, period="day", day=timezone.localdate(), done="拜访")
    # wang heads Sales A: he sees it; yang (Sales B) does not
    assert selectors.report_for_user(org.wang, report.pk) == report
    assert selectors.report_for_user(org.yang, report.pk) is None
    with pytest.raises(NotPermitted):
        services.comment_add(actor=org.yang, report=report, body="?")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=org.wang, report=report, body="报价注意账期")
    note = Notification.objects.get(recipient=org.zhang, template="worklog_comment")
    assert "报价注意账期" in note.body
    # the author's reply tells the manager
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=org.zhang, report=report, body="好的")
    assert Notification.objects.filter(recipient=org.wang, template="worklog_comment").exists()


def test_the_team_view_lists_who_has_not_reported(client, org, django_assert_max_num_queries):
    today = timezone.localdate()
    services.report_save(actor=org.zhang, period="day", day=today, done="拜访")
    with django_assert_max_num_queries(7):
        departments = selectors.team_status(org.wang, period="day", starts_on=today)
    rows = {row.employee.user_id: row.report for d in departments for row in d.rows}
    assert rows[org.zhang.pk] is not None
    assert rows[org.liu.pk] is None
    assert org.yang.pk not in rows and org.wang.pk not in rows
    client.force_login(org.wang)
    page = client.get(reverse("worklogs:team")).content.decode()
    assert "Not reported" in page and org.liu.employee.name in page
    # a salesperson without a team has no team view
    client.force_login(org.liu)
    assert client.get(reverse("worklogs:team")).status_code == 403


def test_filing_and_commenting_through_the_pages(client, org):
    client.force_login(org.zhang)
    form = client.get(reverse("worklogs:write")).content.decode()
    assert 'name="done"' in form
    response = client.post(reverse("worklogs:write"), {"period": "day", "done": "", "planned": ""})
    assert response.status_code == 400 and 'id="done-error"' in response.content.decode()
    response = client.post(
        reverse("worklogs:write"), {"period": "day", "done": "拜访两家", "planned": "写方案", "problems": ""}
    )
    report = WorkReport.objects.get()
    assert response["Location"] == reverse("worklogs:report", args=[report.pk])
    client.force_login(org.wang)
    response = client.post(reverse("worklogs:comment", args=[report.pk]), {"body": "不错"})
    assert response.status_code == 302
    assert "不错" in client.get(reverse("worklogs:report", args=[report.pk])).content.decode()
    client.force_login(org.yang)
    assert client.get(reverse("worklogs:report", args=[report.pk])).status_code == 404
    assert client.post(reverse("worklogs:comment", args=[report.pk]), {"body": "x"}).status_code == 404
