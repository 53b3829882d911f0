"""The dashboard (/): my overdue tasks, today's follow-ups, my pipeline by stage, my team's load."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, Opportunity
from engine.models import HumanTask
from org.permissions import RowScope
from tests.crm.factories import CustomerFactory, OpportunityFactory
from tests.factories import GroupFactory

from .conftest import start_discount

pytestmark = pytest.mark.django_db

SELLING = [f"crm.view_{model}" for model in ("customer", "opportunity", "activity")]


def overdue(task):
    HumanTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - datetime.timedelta(days=2))
    return task


def sellers(team):
    group = GroupFactory(name="t_crm_sellers", perms=SELLING)
    team.alice.groups.add(group)
    team.bob.groups.add(group)


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_my_overdue_tasks_are_listed_and_not_other_peoples(client, team):
    late = overdue(start_discount(team.alice, amount=5000))
    start_discount(team.alice, amount=10)  # due tomorrow: not overdue
    html = page(client, team.boss)
    assert reverse("tasklist:task", args=[late.pk]) in html
    assert 'data-count="overdue">1<' in html
    assert reverse("tasklist:task", args=[late.pk]) not in page(client, team.carol)


def test_a_manager_sees_open_and_overdue_counts_of_the_people_reporting_to_them(client, team):
    task = overdue(start_discount(team.alice))
    HumanTask.objects.filter(pk=task.pk).update(assignee=team.bob)
    start_discount(team.alice)  # assigned to boss himself: not part of the team's load
    html = page(client, team.boss)
    assert "My team's tasks" in html
    bob_row = html.split('data-member="bob"')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in bob_row and 'badge-overdue">1<' in bob_row
    alice_row = html.split('data-member="alice"')[1].split("</tr>")[0]
    assert '<td class="num">0</td>' in alice_row
    assert 'data-member="carol"' not in html
    assert "My team's tasks" not in page(client, team.alice)  # nobody reports to alice


def test_my_pipeline_sums_my_open_opportunities_per_stage(client, team):
    sellers(team)
    mine = CustomerFactory(owner=team.alice)
    OpportunityFactory(customer=mine, stage="contract", amount=1200)
    OpportunityFactory(customer=mine, stage="contract", amount=300)
    OpportunityFactory(customer=mine, stage="lead", amount=50, status=Opportunity.Status.LOST)
    OpportunityFactory(customer=CustomerFactory(owner=team.bob), stage="lead", amount=999)
    html = page(client, team.alice)
    contract = html.split('data-stage="contract"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in contract and "1,500.00" in contract
    lead = html.split('data-stage="lead"')[1].split("</tr>")[0]
    assert '<td class="num">0</td>' in lead  # the lost one and bob's are not alice's open pipeline
    assert "My pipeline by stage" not in page(client, team.carol)  # no CRM permission


def test_a_managers_pipeline_is_her_teams(client, team):
    # given a manager who sees her department's records and owns no deals, and her two sellers'
    sellers(team)
    team.boss.groups.add(
        GroupFactory(name="t_crm_managers", perms=SELLING, profile__row_scope=RowScope.DEPARTMENT_TREE)
    )
    OpportunityFactory(customer=CustomerFactory(owner=team.alice), stage="contract", amount=1200)
    OpportunityFactory(customer=CustomerFactory(owner=team.bob), stage="contract", amount=800)
    OpportunityFactory(customer=CustomerFactory(owner=team.carol), stage="contract", amount=5)
    # when she opens the dashboard
    html = page(client, team.boss)
    # then the pipeline is her team's, not her own empty one
    assert "My team's pipeline by stage" in html
    contract = html.split('data-stage="contract"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in contract and "2,000.00" in contract  # carol is not her team
    # and a seller still sees only her own
    assert "My pipeline by stage" in page(client, team.alice)


def test_todays_follow_ups_show_only_mine_due_today(client, team):
    sellers(team)
    customer = CustomerFactory(owner=team.alice, name="今日回访客户")
    later = CustomerFactory(owner=team.alice, name="下周回访客户")
    today = timezone.localdate()
    for target, day in ((customer, today), (later, today + datetime.timedelta(7))):
        Activity.objects.create(
            customer=target,
            subject="Call back",
            occurred_at=timezone.now(),
            next_follow_up=day,
            owner=team.alice,
        )
    html = page(client, team.alice)
    assert "今日回访客户" in html and "下周回访客户" not in html
    assert 'data-count="follow-ups">1<' in html
    assert "今日回访客户" not in page(client, team.bob)


def test_the_dashboard_costs_the_same_queries_for_more_rows(client, team):
    sellers(team)
    team.boss.groups.add(GroupFactory(name="t_crm_sellers"))

    def add(n):
        customer = CustomerFactory(owner=team.boss)
        for stage in ["potential", "lead", "confirmed", "contract", "receivables", "repeat"][:n]:
            OpportunityFactory(customer=customer, stage=stage)
        for _ in range(n):
            task = overdue(start_discount(team.alice))
            HumanTask.objects.filter(pk=task.pk).update(assignee=team.bob)
            overdue(start_discount(team.alice))
            Activity.objects.create(
                customer=customer,
                subject="x",
                occurred_at=timezone.now(),
                next_follow_up=timezone.localdate(),
                owner=team.boss,
            )

    add(1)
    page(client, team.boss)  # warm per-process caches

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    baseline = count()
    add(4)
    assert count() == baseline


def test_the_dashboard_speaks_chinese(client, team):
    client.force_login(team.boss)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的逾期待办" in html and "我的团队待办" in html
