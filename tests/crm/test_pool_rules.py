"""Pool rules (公海规则) set by sales operations: a daily claim quota per person, a cooldown before
a former owner may claim a customer back, edited in Administration > Sales operations with the
errors on their fields and an audit diff."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import ValidationFailed
from crm.services.pools import pool_claim, pool_release
from tests.factories import UserFactory

from .factories import CustomerFactory, PoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(org):
    pool = PoolFactory(
        code="HS", name="华东公海", claim_limit=50, daily_claim_quota=2, reclaim_cooldown_days=30
    )
    pool.claim_groups.add(org.sales_group)
    return pool


def pooled(pool, n):
    return [CustomerFactory(owner=None, owned_since=None, pool=pool) for _ in range(n)]


def test_a_person_claims_up_to_the_daily_quota_and_again_the_next_day(org, pool):
    first, second, third = pooled(pool, 3)
    noon = timezone.localtime().replace(hour=12, minute=0)
    with time_machine.travel(noon, tick=False):
        pool_claim(actor=org.zhang, customer=first)
        pool_claim(actor=org.zhang, customer=second)
        with pytest.raises(ValidationFailed) as error:
            pool_claim(actor=org.zhang, customer=third)
        assert error.value.code == "claim_quota"
        assert "quota 2" in error.value.fields["customer"][0]
        pool_claim(actor=org.liu, customer=third)  # a colleague has a quota of their own
    pool_release(actor=org.liu, customer=third)
    with time_machine.travel(noon + datetime.timedelta(days=1), tick=False):
        assert pool_claim(actor=org.zhang, customer=third).owner == org.zhang


def test_a_former_owner_waits_out_the_cooldown(org, pool):
    (customer,) = pooled(pool, 1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pool_claim(actor=org.zhang, customer=customer)
        pool_release(actor=org.zhang, customer=customer)
    with time_machine.travel(start + datetime.timedelta(days=29), tick=False):
        with pytest.raises(ValidationFailed) as error:
            pool_claim(actor=org.zhang, customer=customer)
        assert error.value.code == "claim_cooldown"
    with time_machine.travel(start + datetime.timedelta(days=31), tick=False):
        assert pool_claim(actor=org.zhang, customer=customer).owner == org.zhang


def test_sales_ops_edits_the_rules_with_located_errors_and_an_audit_diff(client, pool):
    client.force_login(UserFactory(perms=["crm.manage_sales"]))
    url = reverse("manage:sales_pool", args=[pool.pk])
    form = {
        "claim_limit": "30",
        "daily_claim_quota": "five",
        "reclaim_cooldown_days": "",
        "days_without_follow_up": "90",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert 'data-field="daily_claim_quota"' in response.content.decode()
    pool.refresh_from_db()
    assert pool.claim_limit == 50
    client.post(url, {**form, "daily_claim_quota": "5"})
    pool.refresh_from_db()
    assert (pool.claim_limit, pool.daily_claim_quota, pool.reclaim_cooldown_days) == (30, 5, None)
    row = AuditEvent.objects.get(object_type="crm.customerpool")
    assert row.changes["daily_claim_quota"] == [2, 5] and row.changes["reclaim_cooldown_days"] == [30, None]
    assert "华东公海" in client.get(reverse("manage:sales_pools")).content.decode()
    # and nobody without the section may
    client.force_login(UserFactory(perms=["crm.change_customerpool"]))
    assert client.post(url, {**form, "daily_claim_quota": "9"}).status_code == 403
