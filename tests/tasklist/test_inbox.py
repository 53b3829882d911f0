"""The inbox page: views, counts, filters, sort, pagination, markers, claim/unclaim from the list."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from engine.models import HumanTask
from tasklist import selectors

from .conftest import approve, start_discount

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    return [row.name for row in response.context["page"].rows]


def counts(response) -> dict[str, int]:
    return {tab["view"]: tab["count"] for tab in response.context["tabs"]}


def test_my_tasks_lists_what_is_assigned_to_me_with_counts_per_view(client, team):
    # given two reviews for the boss, and one approved review whose order waits in the sales queue
    start_discount(team.alice, customer="Acme")
    first = start_discount(team.bob)
    approve(first, team.boss)
    # when the boss opens the inbox
    client.force_login(team.boss)
    response = client.get(reverse("tasklist:inbox"))
    # then he sees his one open review, and the counts of every view
    assert response.status_code == 200
    assert rows(response) == ["Approve the discount"]
    assert counts(response) == {"mine": 1, "queue": 0, "delegated": 0, "done": 1}
    page = response.content.decode()
    assert "High" in page and 'aria-current="page" data-view="mine"' in page


def test_the_group_queue_offers_claimable_tasks_and_claiming_moves_them_to_mine(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.bob)
    queue = client.get(reverse("tasklist:inbox"), {"view": "queue"})
    assert rows(queue) == ["Prepare the order"]
    assert "Claim" in queue.content.decode()

    # when bob claims it from the list
    response = client.post(
        reverse("tasklist:task_claim", args=[order.pk]), {"next": reverse("tasklist:inbox") + "?view=queue"}
    )
    # then he is back on the queue page, it is empty, and the task is his
    assert response.status_code == 302 and response.url.endswith("?view=queue")
    order.refresh_from_db()
    assert order.assignee == team.bob
    after = client.get(reverse("tasklist:inbox"), {"view": "queue"})
    assert rows(after) == []
    assert counts(after)["mine"] == 1
    # and alice no longer sees it in the queue
    client.force_login(team.alice)
    assert rows(client.get(reverse("tasklist:inbox"), {"view": "queue"})) == []


def test_releasing_a_claimed_task_returns_it_to_the_queue(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.bob)
    client.post(reverse("tasklist:task_claim", args=[order.pk]))
    response = client.post(reverse("tasklist:task_unclaim", args=[order.pk]), {"next": "/tasks/"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.assignee is None
    assert rows(client.get(reverse("tasklist:inbox"), {"view": "queue"})) == ["Prepare the order"]


def test_claiming_a_task_someone_else_took_explains_who_has_it(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.alice)
    client.post(reverse("tasklist:task_claim", args=[order.pk]))
    client.force_login(team.bob)
    response = client.post(reverse("tasklist:task_claim", args=[order.pk]), follow=True)
    assert f"already claimed by {team.alice.display_name}" in response.content.decode()
    order.refresh_from_db()
    assert order.assignee == team.alice


def test_delegated_by_me_shows_open_tasks_i_handed_over(client, team):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    client.post(reverse("tasklist:task_delegate", args=[review.pk]), {"to_user": "carol"})
    response = client.get(reverse("tasklist:inbox"), {"view": "delegated"})
    assert rows(response) == ["Approve the discount"]
    assert "Carol Xu" in response.content.decode()
    assert counts(response)["mine"] == 0


def test_filters_by_due_priority_process_task_and_text(client, team):
    now = timezone.now()
    overdue = start_discount(team.alice)
    HumanTask.objects.filter(pk=overdue.pk).update(
        due_at=now - timedelta(hours=2), business_object_label="Acme Ltd"
    )
    later = start_discount(team.bob)
    HumanTask.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=20), priority=10)
    client.force_login(team.boss)
    inbox = reverse("tasklist:inbox")

    overdue_only = client.get(inbox, {"due": "overdue"})
    assert [r.pk for r in overdue_only.context["page"].rows] == [overdue.pk]
    assert counts(overdue_only)["mine"] == 1
    assert "Overdue" in overdue_only.content.decode()
    assert [r.pk for r in client.get(inbox, {"priority": "low"}).context["page"].rows] == [later.pk]
    assert [r.pk for r in client.get(inbox, {"priority": "high"}).context["page"].rows] == [overdue.pk]
    assert [r.pk for r in client.get(inbox, {"text": "acme"}).context["page"].rows] == [overdue.pk]
    assert len(client.get(inbox, {"process": "tl_discount"}).context["page"].rows) == 2
    # a process that is not deployed is not a choice: the filter is ignored rather than failing
    assert len(client.get(inbox, {"process": "elsewhere"}).context["page"].rows) == 2
    assert len(client.get(inbox, {"task_name": "Approve the discount"}).context["page"].rows) == 2
    # junk in the query string falls back to the defaults instead of failing
    assert client.get(inbox, {"due": "junk", "sort": "x", "page": "-3", "view": "nope"}).status_code == 200


def test_sorting_by_due_priority_and_creation(client, team):
    now = timezone.now()
    a, b, c = (start_discount(team.alice) for _ in range(3))
    HumanTask.objects.filter(pk=a.pk).update(due_at=now + timedelta(days=3), priority=90, created_at=now)
    HumanTask.objects.filter(pk=b.pk).update(
        due_at=now + timedelta(days=1), priority=10, created_at=now - timedelta(days=2)
    )
    HumanTask.objects.filter(pk=c.pk).update(due_at=None, priority=50, created_at=now - timedelta(days=1))
    client.force_login(team.boss)

    def order(sort):
        response = client.get(reverse("tasklist:inbox"), {"sort": sort})
        return [r.pk for r in response.context["page"].rows]

    assert order("due") == [b.pk, a.pk, c.pk]
    assert order("priority") == [a.pk, c.pk, b.pk]
    assert order("created") == [a.pk, c.pk, b.pk]


def test_pagination_walks_through_the_pages(client, team, settings):
    for _ in range(selectors.PAGE_SIZE + 2):
        start_discount(team.alice)
    client.force_login(team.boss)
    first = client.get(reverse("tasklist:inbox"))
    assert len(first.context["page"].rows) == selectors.PAGE_SIZE
    assert first.context["page"].has_next and 'rel="next"' in first.content.decode()
    second = client.get(reverse("tasklist:inbox"), {"page": 2})
    assert len(second.context["page"].rows) == 2
    assert not second.context["page"].has_next and second.context["page"].has_previous
    assert not {r.pk for r in first.context["page"].rows} & {r.pk for r in second.context["page"].rows}


def test_due_soon_marker(client, team):
    task = start_discount(team.alice)
    HumanTask.objects.filter(pk=task.pk).update(due_at=timezone.now() + timedelta(hours=3))
    client.force_login(team.boss)
    response = client.get(reverse("tasklist:inbox"))
    assert response.context["page"].rows[0].due_soon
    assert "Due soon" in response.content.decode()


def test_the_counts_fragment_and_the_nav_badge_are_polled(client, team):
    start_discount(team.alice)
    start_discount(team.bob)
    client.force_login(team.boss)
    tabs = client.get(reverse("tasklist:inbox_counts"), {"view": "mine"})
    assert tabs.status_code == 200
    assert 'data-count="mine">2<' in tabs.content.decode()
    assert 'hx-trigger="every 30s"' in tabs.content.decode()
    badge = client.get(reverse("tasklist:nav_count")).content.decode()
    assert badge.startswith("2")
    client.force_login(team.carol)
    assert client.get(reverse("tasklist:nav_count")).content.decode().strip() == ""


def test_filtering_with_htmx_returns_the_results_and_fresh_tabs(client, team):
    start_discount(team.alice)
    client.force_login(team.boss)
    response = client.get(
        reverse("tasklist:inbox"), {"due": "overdue"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-results"
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="inbox-results"')
    assert 'hx-swap-oob="true"' in page
    assert "<html" not in page


def test_the_inbox_needs_a_signed_in_user(client):
    response = client.get(reverse("tasklist:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_inbox_link_appears_in_the_navigation(client, team):
    client.force_login(team.alice)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("tasklist:inbox")}"' in page
    assert reverse("tasklist:nav_count") in page


def test_filtering_by_what_the_task_is_about(client, team):
    from engine import services
    from tests.crm.factories import CustomerFactory

    customer = CustomerFactory(name="Filter Co.")
    about_customer = services.start_process("tl_discount", started_by=team.alice, business_object=customer)
    start_discount(team.bob)
    client.force_login(team.boss)
    response = client.get(reverse("tasklist:inbox"), {"object_type": "crm.customer"})
    assert [r.instance_id for r in response.context["page"].rows] == [about_customer.pk]
    assert ("crm.customer", "Customer") in response.context["form"].fields["object_type"].choices
    assert len(client.get(reverse("tasklist:inbox")).context["page"].rows) == 2


# "This week" ends on Sunday night: on a Sunday, a task due in three days falls in the next week.
# The test runs on a Monday morning (Shanghai) whatever the day it runs on.
@time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_the_queue_merges_my_groups_in_due_order_and_lists_a_task_offered_twice_once(client, team):
    from engine.models import HumanTaskCandidate
    from tests.factories import GroupFactory

    later = approve(start_discount(team.alice), team.boss)  # offered to `sales`
    sooner = approve(start_discount(team.alice), team.boss)
    backup = GroupFactory(name="sales_backup")
    team.bob.groups.add(backup)
    now = timezone.now()
    for task, due in ((later, now + timedelta(days=3)), (sooner, now + timedelta(hours=2))):
        HumanTask.objects.filter(pk=task.pk).update(due_at=due)
        HumanTaskCandidate.objects.filter(task=task).update(due_at=due)
    # `sooner` is also offered to bob's second group; `own` only to bob himself
    HumanTaskCandidate.objects.create(task=sooner, group=backup, open=True, due_at=sooner.due_at)
    own = approve(start_discount(team.alice), team.boss)
    HumanTaskCandidate.objects.filter(task=own).update(group=None, user=team.bob, due_at=None)
    HumanTask.objects.filter(pk=own.pk).update(due_at=None)
    client.force_login(team.bob)
    response = client.get(reverse("tasklist:inbox"), {"view": "queue"})
    assert [row.pk for row in response.context["page"].rows] == [sooner.pk, later.pk, own.pk]
    assert counts(response)["queue"] == 3
    assert counts(client.get(reverse("tasklist:inbox"), {"view": "queue", "due": "week"}))["queue"] == 2


def test_the_queue_filter_offers_the_processes_task_names_and_the_kinds_in_the_queue(client, team):
    prepare = approve(start_discount(team.alice), team.boss)
    from django.contrib.contenttypes.models import ContentType

    HumanTask.objects.filter(pk=prepare.pk).update(
        business_object_type=ContentType.objects.get_for_model(team.alice),
        business_object_id=str(team.alice.pk),
    )
    client.force_login(team.bob)
    response = client.get(reverse("tasklist:inbox"), {"view": "queue"})
    form = response.context["form"]
    assert ("Prepare the order", "Prepare the order") in form.fields["task_name"].choices
    assert [value for value, _label in form.fields["object_type"].choices if value] == ["org.user"]
    filtered = client.get(reverse("tasklist:inbox"), {"view": "queue", "task_name": "Prepare the order"})
    assert rows(filtered) == ["Prepare the order"]
