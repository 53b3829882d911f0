"""Administration > Service settings (crm.manage_service_settings): SLA policies by record type,
severity, category and customer level with located errors, and the company calendar (working hours,
holidays, make-up days) whose business hours the new cases' deadlines are counted in."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from crm.models import CalendarDay, SlaPolicy, WorkingHours
from crm.selectors.service import sla_deadlines
from tests.crm.factories import CustomerLevelFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def service_admin(client, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    user = UserFactory(username="svc.admin", perms=["crm.manage_service_settings"])
    client.force_login(user)
    return user


def test_only_service_administrators_reach_the_section(client):
    client.force_login(UserFactory(username="plain2", perms=["crm.view_complaint"]))
    for name in ("manage:sla_policies", "manage:sla_policy_new", "manage:calendar"):
        assert client.get(reverse(name)).status_code == 403


def test_a_policy_in_business_hours_dates_a_friday_evening_complaint_on_monday(client, service_admin):
    # given the calendar's hours 9-18 on weekdays, saved on the calendar page
    hours = {f"start{d}": "09:00" for d in range(5)} | {f"end{d}": "18:00" for d in range(5)}
    assert client.post(reverse("manage:calendar"), {"action": "hours", **hours}).status_code == 302
    assert WorkingHours.objects.count() == 5
    # when the administrator adds a policy for VIP customers' high complaints: 4 business hours
    vip = CustomerLevelFactory(name="VIP")
    response = client.post(
        reverse("manage:sla_policy_new"),
        {
            "record": "complaint",
            "severity": "high",
            "customer_level": vip.pk,
            "response_hours": "4",
            "resolution_hours": "8",
            "priority": "90",
            "business_hours": "on",
            "active": "on",
        },
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(customer_level=vip)
    assert policy.response_time == datetime.timedelta(hours=4) and policy.business_hours
    assert AuditEvent.objects.filter(object_type="crm.slapolicy", action="create").exists()
    # then a VIP's high complaint arriving Friday 17:00 must be answered Monday 12:00
    friday = datetime.datetime(2026, 12, 4, 17, tzinfo=SHANGHAI)
    deadlines = sla_deadlines(record="complaint", start=friday, severity="high", customer_level_id=vip.pk)
    assert deadlines.respond_by == datetime.datetime(2026, 12, 7, 12, tzinfo=SHANGHAI)
    assert deadlines.priority == 90
    # and the list shows the policy
    assert "VIP" in client.get(reverse("manage:sla_policies")).content.decode()


def test_policy_errors_are_located_and_nothing_is_saved(client, service_admin):
    before = SlaPolicy.objects.count()
    response = client.post(
        reverse("manage:sla_policy_new"),
        {"record": "complaint", "response_hours": "x", "resolution_hours": "-2", "priority": "101"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    for name in ("response_hours", "resolution_hours", "priority"):
        assert f'id="err_{name}"' in html
    # a second active policy for the same case is refused on the severity
    shipped = SlaPolicy.objects.filter(record="complaint", severity="high", active=True).first()
    if shipped is not None:
        response = client.post(
            reverse("manage:sla_policy_new"),
            {
                "record": "complaint",
                "severity": "high",
                "response_hours": "1",
                "resolution_hours": "2",
                "priority": "50",
                "active": "on",
            },
        )
        assert 'id="err_severity"' in response.content.decode()
    assert SlaPolicy.objects.count() == before


def test_holidays_and_make_up_days_per_year(client, service_admin):
    url = reverse("manage:calendar")
    client.post(url, {"action": "day", "day": "2027-01-01", "kind": "holiday", "name": "元旦"})
    client.post(
        url, {"action": "day", "day": "2027-02-20", "kind": "working", "works_like": "0", "name": "调休"}
    )
    assert list(CalendarDay.objects.values_list("day", "working", "works_like")) == [
        (datetime.date(2027, 1, 1), False, 0),
        (datetime.date(2027, 2, 20), True, 0),
    ]
    html = client.get(url, {"year": "2027"}).content.decode()
    assert "元旦" in html and "调休" in html
    # a bad date and bad hours are marked where they were typed
    response = client.post(url, {"action": "day", "day": "2027-02-30", "kind": "holiday"})
    assert response.status_code == 400 and 'id="err_day"' in response.content.decode()
    response = client.post(url, {"action": "hours", "start2": "18:00", "end2": "09:00"})
    assert response.status_code == 400 and 'id="err-day2"' in response.content.decode()
    # removing a day
    entry = CalendarDay.objects.get(name="元旦")
    client.post(url, {"action": "remove", "entry": entry.pk})
    assert not CalendarDay.objects.filter(pk=entry.pk).exists()
