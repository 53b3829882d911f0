"""Administration > Notices: a draft addressed to a department is published, its members find it
on their "Notices" page (unread first), opening it records the receipt, and the publisher sees who
has read it and who has not yet, by department."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import NotPermitted
from office.models import Notice, NoticeReceipt
from office.selectors import notice_receipts, notices_addressed_to
from office.services import notice_draft_save, notice_release
from org.models import Department
from tests.factories import EmployeeFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    hq = Department.objects.create(code="HQ", name="总部 HQ")
    sales = Department.objects.create(code="S", name="销售部 Sales", parent=hq)
    east = Department.objects.create(code="SE", name="华东 East", parent=sales)
    service = Department.objects.create(code="SV", name="客服部 Service", parent=hq)
    return {
        "hr": EmployeeFactory(department=hq, user__perms=["office.manage_notices"]).user,
        "seller": EmployeeFactory(department=east, user__display_name="张伟").user,
        "manager": EmployeeFactory(department=sales, user__display_name="李明").user,
        "agent": EmployeeFactory(department=service, user__display_name="徐丽").user,
        "sales": sales,
    }


def test_a_published_notice_reaches_its_department_and_the_publisher_sees_the_receipts(client, company):
    # given HR writes a draft to Sales (East is below Sales)
    notice = notice_draft_save(
        actor=company["hr"], title="启动会 Kick-off", body="Monday 9:00", departments=[company["sales"]]
    )
    assert notice.status == Notice.Status.DRAFT
    assert not notices_addressed_to(user=company["seller"]).exists()  # a draft reaches nobody
    # when it is published and the seller opens it on their page
    notice_release(actor=company["hr"], notice=notice)
    client.force_login(company["seller"])
    page = client.get(reverse("tasklist:notices")).content.decode()
    assert "启动会 Kick-off" in page and "unread" in page
    assert client.get(reverse("tasklist:notice", args=[notice.pk])).status_code == 200
    client.get(reverse("tasklist:notice", args=[notice.pk]))  # twice: still one receipt
    # then one receipt; the service agent is not in the audience and gets 404
    assert NoticeReceipt.objects.filter(notice=notice).count() == 1
    client.force_login(company["agent"])
    assert client.get(reverse("tasklist:notice", args=[notice.pk])).status_code == 404
    # and the publisher sees 1 of 2 read, by department, with the names
    receipts = notice_receipts(notice=notice)
    assert (receipts.audience, receipts.read_count, receipts.unread_count) == (2, 1, 1)
    by_department = {d.department: ([n for n, _at in d.read], d.unread) for d in receipts.departments}
    assert by_department == {"华东 East": (["张伟"], []), "销售部 Sales": ([], ["李明"])}
    client.force_login(company["hr"])
    html = client.get(reverse("manage:notice", args=[notice.pk])).content.decode()
    assert "李明" in html and "张伟" in html
    # and publishing was audited as a change of status
    assert AuditEvent.objects.filter(
        object_type="office.notice", action="change", changes__status=["draft", "published"]
    ).exists()


def test_unread_notices_come_first_and_groups_reach_their_nested_members(company):
    team = GroupFactory(name="svc")
    sub = GroupFactory(name="svc_night", profile__parent=team)
    company["agent"].groups.add(sub)
    older = notice_draft_save(actor=company["hr"], title="Old", body="x", groups=[team])
    notice_release(actor=company["hr"], notice=older)
    newer = notice_draft_save(actor=company["hr"], title="New", body="x")  # to everybody
    notice_release(actor=company["hr"], notice=newer)
    NoticeReceipt.objects.create(notice=newer, user=company["agent"])
    titles = [n.title for n in notices_addressed_to(user=company["agent"])]
    assert titles == ["Old", "New"]
    assert [n.title for n in notices_addressed_to(user=company["seller"])] == ["New"]


def test_a_notice_without_title_is_refused_on_the_field_and_only_managers_publish(client, company):
    client.force_login(company["hr"])
    response = client.post(reverse("manage:notice_new"), {"title": "", "body": "x", "kind": "notice"})
    assert response.status_code == 400 and 'data-field="title"' in response.content.decode()
    assert not Notice.objects.exists()
    with pytest.raises(NotPermitted):
        notice_draft_save(actor=UserFactory(), title="t", body="b")
