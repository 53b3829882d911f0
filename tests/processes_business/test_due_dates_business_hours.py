"""SLA policies in business hours (issue #24, item 5): the complaint process dates its triage by the
company calendar, so a complaint arriving late on Friday is due on Monday."""

from __future__ import annotations

import datetime
import zoneinfo

import time_machine

from crm.models import SlaPolicy
from crm.service.sla import working_hours_set
from crm.services.service import complaint_submit
from tests.crm.factories import CustomerFactory

from .conftest import open_task

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TRIAGE = "Triage 分派"


def test_a_friday_5pm_complaint_with_a_4_business_hour_sla_is_due_monday_noon(demo, deploy, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    deploy("complaint")
    # given hours 9-18 on weekdays and high complaints answered within 4 business hours
    working_hours_set(actor=demo.admin, hours={d: ("09:00", "18:00") for d in range(5)})
    SlaPolicy.objects.filter(record="complaint", severity="high").update(business_hours=True)
    customer = CustomerFactory(owner=demo.zhang_wei)

    # when a high complaint arrives on Friday 4 December 2026 at 17:00
    with time_machine.travel(datetime.datetime(2026, 12, 4, 17, tzinfo=SHANGHAI), tick=False):
        complaint_submit(actor=demo.zhang_wei, customer=customer, subject="Leaks 漏水", severity="high")

    # then the dispatcher's triage is due on Monday at 12:00
    task = open_task(demo.xu_li, TRIAGE)
    assert task.due_at == datetime.datetime(2026, 12, 7, 12, tzinfo=SHANGHAI)
