"""The admin shows the fields a process owns read-only: a customer's level, a leave request's
decision, a leave balance's used days (PROCESS_OWNED_FIELDS)."""

from decimal import Decimal

from django.urls import reverse

from crm.models import Customer
from office.models import LeaveBalance, LeaveType

from .factories import CustomerFactory, CustomerLevelFactory


def test_the_admin_shows_a_customers_level_read_only_and_a_post_does_not_change_it(admin_client, admin_user):
    # given a customer at level C
    level_c, level_a = CustomerLevelFactory(code="C"), CustomerLevelFactory(code="A")
    customer = CustomerFactory(owner=admin_user, name="上海明远机械有限公司", level=level_c)
    url = reverse("admin:crm_customer_change", args=[customer.pk])
    # when the administrator opens the card, the level is not an input
    page = admin_client.get(url).content.decode()
    assert 'name="level"' not in page
    # and a hand-made POST naming a level changes nothing
    admin_client.post(
        url,
        {
            "name": customer.name,
            "level": str(level_a.pk),
            "custom": "{}",
            **{
                f"{p}-{k}": "0"
                for p in ("contacts", "shares", "changes")
                for k in ("TOTAL_FORMS", "INITIAL_FORMS")
            },
        },
    )
    assert Customer.objects.get(pk=customer.pk).level == level_c


def test_the_admin_shows_the_used_leave_days_read_only(admin_client, admin_user):
    # given a leave balance with days used by approved leave
    leave_type = LeaveType.objects.create(code="annual", name="Annual", annual_days=10)
    balance = LeaveBalance.objects.create(
        user=admin_user, leave_type=leave_type, year=2026, entitled_days=10, used_days=3
    )
    url = reverse("admin:office_leavebalance_change", args=[balance.pk])
    # when the administrator opens it and posts other used days
    assert 'name="used_days"' not in admin_client.get(url).content.decode()
    admin_client.post(
        url,
        {
            "user": admin_user.pk,
            "leave_type": leave_type.pk,
            "year": 2026,
            "entitled_days": 12,
            "used_days": 0,
        },
    )
    # then the used days stay what the approvals made them
    assert LeaveBalance.objects.get(pk=balance.pk).used_days == Decimal(3)
