import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, NotPermitted, ValidationFailed
from crm.models import Customer, PoolMove
from crm.services.pools import pool_assign, pool_claim, pool_recycle, pool_release
from crm.signals import customers_recycled

from .factories import CustomerFactory, OpportunityFactory, PoolFactory


@pytest.fixture
def pool(org):
    pool = PoolFactory(code="HS", name="华东公海", claim_limit=2, is_default=True)
    pool.claim_groups.add(org.sales_group)
    return pool


def pooled(pool, n):
    return [CustomerFactory(owner=None, owned_since=None, pool=pool) for _ in range(n)]


def test_claim_up_to_the_limit(org, pool):
    # given three customers in the pool and a limit of two per person
    first, second, third = pooled(pool, 3)
    # when zhang claims two, they are his
    pool_claim(actor=org.zhang, customer=first)
    pool_claim(actor=org.zhang, customer=second)
    assert Customer.objects.filter(owner=org.zhang).count() == 2
    # then the third claim is refused and the customer stays in the pool
    with pytest.raises(ValidationFailed) as error:
        pool_claim(actor=org.zhang, customer=third)
    assert error.value.code == "claim_limit"
    third.refresh_from_db()
    assert third.owner is None
    assert (
        list(PoolMove.objects.filter(action="claim").values_list("to_user", flat=True)) == [org.zhang.pk] * 2
    )


def test_claiming_an_owned_customer_or_without_the_group_fails(org, pool):
    (customer,) = pooled(pool, 1)
    pool_claim(actor=org.liu, customer=customer)
    with pytest.raises(Conflict):
        pool_claim(actor=org.zhang, customer=customer)
    (other,) = pooled(pool, 1)
    with pytest.raises(NotPermitted):
        pool_claim(actor=org.wang, customer=other)  # managers are not in the claiming group


def test_release_and_assign_are_recorded(org, pool):
    customer = CustomerFactory(owner=org.zhang)
    pool_release(actor=org.zhang, customer=customer, reason="no budget")
    customer.refresh_from_db()
    assert customer.owner is None and customer.pool == pool
    pool_assign(actor=org.wang, customer=customer, to_user=org.liu)
    customer.refresh_from_db()
    assert customer.owner == org.liu
    assert list(PoolMove.objects.order_by("at", "id").values_list("action", flat=True)) == [
        "release",
        "assign",
    ]
    with pytest.raises(NotPermitted):
        pool_assign(actor=org.zhang, customer=CustomerFactory(owner=None, pool=pool), to_user=org.zhang)


def test_recycle_returns_neglected_customers_and_notifies_owners(
    org, pool, django_capture_on_commit_callbacks
):
    # given a pool rule: back after 30 days without follow-up, open deals protected
    pool.days_without_follow_up = 30
    pool.save()
    now = timezone.now()
    old = now - datetime.timedelta(days=40)
    neglected = CustomerFactory(owner=org.zhang, owned_since=old, last_activity_at=old)
    recent = CustomerFactory(
        owner=org.zhang, owned_since=old, last_activity_at=now - datetime.timedelta(days=3)
    )
    protected = CustomerFactory(owner=org.liu, owned_since=old, last_activity_at=old)
    OpportunityFactory(customer=protected)
    just_claimed = CustomerFactory(owner=org.liu, owned_since=now, last_activity_at=old)
    notified = []
    customers_recycled.connect(
        lambda sender, by_owner, **kw: notified.append(by_owner), weak=False, dispatch_uid="t"
    )
    try:
        # when the periodic task runs
        with django_capture_on_commit_callbacks(execute=True):
            result = pool_recycle(now=now)
    finally:
        customers_recycled.disconnect(dispatch_uid="t")
    # then only the neglected one is back in the pool, and its former owner is told
    assert result == {"HS": 1}
    assert set(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True)) == {neglected.pk}
    assert {recent.pk, protected.pk, just_claimed.pk} <= set(
        Customer.objects.filter(owner__isnull=False).values_list("pk", flat=True)
    )
    assert notified == [{org.zhang.pk: [neglected.pk]}]
    move = PoolMove.objects.get(action="recycle")
    assert move.from_user == org.zhang and move.customer == neglected


def test_the_beat_task_runs_the_recycling(org, pool):
    from django.conf import settings

    from crm.tasks import pool_recycle_task

    assert settings.CELERY_BEAT_SCHEDULE["crm-pool-recycle"]["task"] == "crm.pool_recycle"
    assert pool_recycle_task.delay().get() == {"warned": {"HS": 0}, "recycled": {"HS": 0}}


def test_owners_are_warned_before_the_pool_takes_customers_back_and_told_after(
    org, pool, django_capture_on_commit_callbacks
):
    from crm.services.pools import pool_recycle_warnings
    from integrations.models import Notification

    # given: back after 30 days without follow-up, the owner warned 3 days before
    pool.days_without_follow_up, pool.warn_days_before_recycle = 30, 3
    pool.protect_open_opportunities = False
    pool.save()
    now = timezone.now()
    soon = CustomerFactory(
        name="恒通机械", owner=org.zhang, owned_since=now - datetime.timedelta(days=60),
        last_activity_at=now - datetime.timedelta(days=28),
    )  # fmt: skip
    CustomerFactory(owner=org.zhang, last_activity_at=now - datetime.timedelta(days=5))
    # when the periodic task runs twice in the warning period
    with django_capture_on_commit_callbacks(execute=True):
        first = pool_recycle_warnings(now=now)
        again = pool_recycle_warnings(now=now + datetime.timedelta(hours=1))
    # then zhang is told once, naming the customer and when
    assert first == {"HS": 1} and again == {"HS": 0}
    warning = Notification.objects.get(recipient=org.zhang, template="pool_recycle_warning")
    assert "恒通机械" in warning.body and "3" in warning.title
    # and when the rule then takes the customer back, he is told that too
    with django_capture_on_commit_callbacks(execute=True):
        pool_recycle(now=now + datetime.timedelta(days=3))
    soon.refresh_from_db()
    assert soon.owner is None
    told = Notification.objects.get(recipient=org.zhang, template="pool_recycled")
    assert "恒通机械" in told.body


def test_a_follow_up_after_the_warning_keeps_the_customer_and_a_later_approach_warns_again(org, pool):
    from crm.services.pools import pool_recycle_warnings

    pool.days_without_follow_up, pool.warn_days_before_recycle = 30, 3
    pool.protect_open_opportunities = False
    pool.save()
    now = timezone.now()
    customer = CustomerFactory(
        owner=org.zhang,
        owned_since=now - datetime.timedelta(days=60),
        last_activity_at=now - datetime.timedelta(days=28),
    )
    assert pool_recycle_warnings(now=now) == {"HS": 1}
    # the owner calls the customer the next day: nothing is due any more
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=now + datetime.timedelta(days=1))
    assert pool_recycle(now=now + datetime.timedelta(days=3)) == {"HS": 0}
    # 28 days after that call the customer approaches the limit again: a new warning
    assert pool_recycle_warnings(now=now + datetime.timedelta(days=29)) == {"HS": 1}
