import datetime

from django.utils import timezone

from crm.marketing.services import favourite_add, favourite_list_create
from crm.selectors.reminders import birthdays_coming, favourite_list_recipients, follow_ups_due

from .factories import ContactFactory, CustomerFactory


def test_follow_ups_due_and_birthdays(org):
    today = timezone.localdate()
    due = CustomerFactory(owner=org.zhang, next_follow_up=today - datetime.timedelta(days=1))
    CustomerFactory(owner=org.zhang, next_follow_up=today + datetime.timedelta(days=10))
    CustomerFactory(owner=org.liu, next_follow_up=today)
    assert follow_ups_due(user=org.zhang)["customers"] == [due]
    # birthdays across the year end, only on visible cards
    ContactFactory(customer=due, name="元旦", birthday=datetime.date(1980, 1, 1))
    ContactFactory(customer=due, name="跨年", birthday=datetime.date(1985, 12, 30))
    ContactFactory(
        customer=CustomerFactory(owner=org.yang), name="别人的", birthday=datetime.date(1990, 12, 31)
    )
    names = [c.name for c in birthdays_coming(user=org.zhang, days=3, today=datetime.date(2026, 12, 29))]
    assert names == ["元旦", "跨年"]


def test_favourite_list_recipients_once_each(org):
    customer = CustomerFactory(owner=org.zhang, email="info@a.cn")
    contact = ContactFactory(customer=customer, email="li@a.cn")
    twin = ContactFactory(customer=customer, email="li@a.cn")
    favourites = favourite_list_create(actor=org.zhang, name="新年贺卡")
    favourite_add(actor=org.zhang, favourite_list=favourites, customers=[customer], contacts=[contact, twin])
    recipients = favourite_list_recipients(user=org.zhang, favourite_list=favourites)
    assert sorted(r["address"] for r in recipients) == ["info@a.cn", "li@a.cn"]
    assert favourite_list_recipients(user=org.yang, favourite_list=favourites) == []
