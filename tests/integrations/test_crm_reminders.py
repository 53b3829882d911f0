"""CRM reminders: follow-ups at the set hour and repeated every N days, birthdays of contacts and
employees, orders left waiting (SMS), personal plans; each once per due event, even with two
sweeps at once."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from crm.models import Activity, Order
from integrations.due_reminders import send_due_reminders
from integrations.mailings import mailings_send_due
from integrations.models import Delivery, MailingMessage, Notification, OptOut, PersonalPlan
from tests.crm.factories import ContactFactory, CustomerFactory
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def sweep(day=DAY, hour=10) -> dict:
    with time_machine.travel(at(day, hour), tick=False):
        return send_due_reminders()


def notes(user, template):
    return list(
        Notification.objects.filter(recipient=user, template=template).values_list("title", flat=True)
    )


def test_a_customer_follow_up_goes_out_at_the_set_hour_once_a_day_until_done(settings):
    # given a follow-up due on DAY, reminders from 9 o'clock, repeated daily
    settings.REMINDER_SEND_HOUR, settings.FOLLOW_UP_REPEAT_DAYS = 9, 1
    zhang = UserFactory()
    customer = CustomerFactory(owner=zhang, name="明远机械", next_follow_up=DAY)
    # when the sweep runs before 9: nothing; at 10, twice: one reminder
    assert sweep(hour=8) == {}
    assert sweep(hour=10) == {"customer_follow_up": 1}
    assert sweep(hour=11) == {}
    assert notes(zhang, "customer_follow_up") == ["Follow up with 明远机械"]
    # the next day, still not followed up: reminded again; once it is moved on, no more
    assert sweep(DAY + datetime.timedelta(days=1)) == {"customer_follow_up": 1}
    customer.next_follow_up = DAY + datetime.timedelta(days=7)
    customer.save()
    assert sweep(DAY + datetime.timedelta(days=2)) == {}


def test_the_repeat_frequency_is_configurable(settings):
    settings.FOLLOW_UP_REPEAT_DAYS = 3
    zhang = UserFactory()
    CustomerFactory(owner=zhang, next_follow_up=DAY)
    sent = [sweep(DAY + datetime.timedelta(days=d)).get("customer_follow_up", 0) for d in range(7)]
    assert sent == [1, 0, 0, 1, 0, 0, 1]


def test_an_activity_follow_up_stops_once_a_later_activity_is_recorded():
    zhang = UserFactory()
    customer = CustomerFactory(owner=None, name="华东贸易")
    first = Activity.objects.create(
        customer=customer,
        subject="Quote sent",
        occurred_at=at(DAY, 8) - datetime.timedelta(days=3),
        owner=zhang,
        next_follow_up=DAY,
    )
    assert sweep() == {"activity_follow_up": 1}
    assert "Quote sent" in notes(zhang, "activity_follow_up")[0]
    Activity.objects.create(
        customer=customer,
        subject="Called back",
        occurred_at=first.occurred_at + datetime.timedelta(days=1),
        owner=zhang,
    )
    assert sweep(DAY + datetime.timedelta(days=1)) == {}


def test_birthdays_remind_the_owner_greet_the_contact_and_the_employee(settings):
    settings.MAILING_RATE_PER_MINUTE = 100
    zhang = UserFactory(first_name="Wei", last_name="Zhang")
    birthday = datetime.date(1980, DAY.month, DAY.day)
    ContactFactory(
        customer=CustomerFactory(owner=zhang, name="明远机械"),
        name="李娜",
        birthday=birthday,
        email="Li.Na@example.com",
    )
    ContactFactory(
        customer=CustomerFactory(owner=zhang), name="Opted out", birthday=birthday, mobile="13900000000"
    )
    OptOut.objects.create(channel="sms", address="13900000000")
    ContactFactory(
        customer=CustomerFactory(owner=zhang), name="Not today", birthday=datetime.date(1980, 1, 1)
    )
    colleague = EmployeeFactory(birthday=datetime.date(1990, DAY.month, DAY.day))
    assert sweep() == {"contact_birthday": 2, "employee_birthday": 1}
    assert sweep(hour=15) == {}
    assert "Birthday today: 李娜 (明远机械)" in notes(zhang, "contact_birthday")
    assert len(notes(colleague.user, "employee_birthday")) == 1
    # the contact got a greeting by e-mail on the owner's behalf; the opted-out one did not
    with time_machine.travel(at(DAY, 10), tick=False):
        mailings_send_due()
    assert [(m.to, m.subject) for m in mail.outbox] == [(["li.na@example.com"], "Happy birthday, 李娜!")]
    assert "Wei Zhang" in mail.outbox[0].body
    assert MailingMessage.objects.get(address="13900000000").status == MailingMessage.Status.SKIPPED
    # next year, the same birthday again
    assert sweep(DAY.replace(year=2027)) == {"contact_birthday": 2, "employee_birthday": 1}


def test_an_order_left_waiting_sends_an_sms_to_its_owner(settings, django_capture_on_commit_callbacks):
    settings.ORDER_HANDLE_WITHIN_HOURS = 24
    zhang = UserFactory(phone="13800000001")
    order = Order.objects.create(
        code="SO-1",
        customer=CustomerFactory(owner=zhang),
        owner=zhang,
        ordered_on=DAY,
        status=Order.Status.APPROVED,
    )
    Order.objects.filter(pk=order.pk).update(updated_at=at(DAY, 9) - datetime.timedelta(hours=30))
    Order.objects.create(
        code="SO-2",
        customer=CustomerFactory(owner=zhang),
        owner=zhang,
        ordered_on=DAY,
        status=Order.Status.SHIPPED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep() == {"order_not_handled": 1}
    assert sweep() == {}
    sms = Delivery.objects.get(channel="sms")
    assert sms.address == "13800000001" and "SO-1" in sms.text and sms.status == Delivery.Status.SENT


def test_a_personal_plan_is_reminded_at_its_time_once_and_not_when_done():
    zhang = UserFactory()
    PersonalPlan.objects.create(owner=zhang, title="Prepare the trade fair", remind_at=at(DAY, 14))
    PersonalPlan.objects.create(owner=zhang, title="Done already", remind_at=at(DAY, 14), done=True)
    assert sweep(hour=13) == {}
    assert sweep(hour=15) == {"plan_reminder": 1}
    assert sweep(hour=16) == {}
    assert notes(zhang, "plan_reminder") == ["Reminder: Prepare the trade fair"]


def test_reminders_are_translated_for_the_recipient():
    zhang = UserFactory(language="zh-hans")
    CustomerFactory(owner=zhang, name="明远机械", next_follow_up=DAY)
    sweep()
    assert notes(zhang, "customer_follow_up") == ["跟进明远机械"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once():
    zhang = UserFactory()
    for _ in range(5):
        CustomerFactory(owner=zhang, next_follow_up=DAY)
    barrier = threading.Barrier(2)
    results = []

    def beat():
        try:
            barrier.wait()
            results.append(send_due_reminders(now=at(DAY, 10)).get("customer_follow_up", 0))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 5
    assert Notification.objects.filter(recipient=zhang, template="customer_follow_up").count() == 5


def test_the_plans_page_adds_a_plan_with_a_located_error_and_marks_it_done(client):
    zhang = UserFactory()
    client.force_login(zhang)
    bad = client.post("/notifications/plans/", {"title": "Call Li", "remind_at": "tomorrow-ish"})
    assert bad.status_code == 400 and "Enter a date and time" in bad.content.decode()
    assert not PersonalPlan.objects.exists()
    client.post("/notifications/plans/", {"title": "Call Li", "remind_at": "2026-03-10T14:00"})
    plan = PersonalPlan.objects.get(owner=zhang)
    assert timezone.localtime(plan.remind_at).hour == 14
    assert "Call Li" in client.get("/notifications/plans/").content.decode()
    client.force_login(UserFactory())
    client.post(f"/notifications/plans/{plan.pk}/done/")  # not theirs: nothing happens
    plan.refresh_from_db()
    assert not plan.done
    client.force_login(zhang)
    client.post(f"/notifications/plans/{plan.pk}/done/")
    plan.refresh_from_db()
    assert plan.done


def test_a_backlog_larger_than_one_chunk_is_sent_in_full_and_only_once(monkeypatch):
    from integrations import due_reminders

    monkeypatch.setattr(due_reminders, "CHUNK", 2)
    zhang = UserFactory()
    for _ in range(5):
        CustomerFactory(owner=zhang, next_follow_up=DAY)
    assert sweep() == {"customer_follow_up": 5}
    assert sweep(hour=11) == {}
    assert len(notes(zhang, "customer_follow_up")) == 5
