"""Query counts: each page costs the same number of queries whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine import services

from .conftest import approve, start_discount

pytestmark = pytest.mark.django_db


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("view", ["mine", "queue", "delegated", "done"])
def test_every_inbox_view_costs_the_same_queries_for_2_or_12_rows(
    client, team, view, django_assert_num_queries
):
    def add_rows(n):
        for _ in range(n):
            review = start_discount(team.alice)
            if view in ("queue", "done"):
                approve(review, team.boss)
            if view == "delegated":
                services.delegate(review.pk, user=team.boss, to_user=team.carol)

    user = team.bob if view == "queue" else team.boss
    add_rows(2)
    client.force_login(user)
    url = reverse("tasklist:inbox")
    client.get(url, {"view": view})  # warm the per-process caches (content types, parsed specs)
    baseline = queries(client, url, {"view": view})
    add_rows(10)
    with django_assert_num_queries(baseline):
        response = client.get(url, {"view": view})
    assert len(response.context["page"].rows) == 12


def test_a_filtered_inbox_costs_the_same_queries_for_more_rows(client, team, django_assert_num_queries):
    start_discount(team.alice)
    client.force_login(team.boss)
    url = reverse("tasklist:inbox")
    params = {"priority": "high", "text": "discount", "due": "week", "sort": "priority"}
    client.get(url, params)
    baseline = queries(client, url, params)
    for _ in range(8):
        start_discount(team.bob)
    with django_assert_num_queries(baseline):
        client.get(url, params)


def test_the_task_page_costs_the_same_queries_for_a_long_history(client, team, django_assert_num_queries):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    url = reverse("tasklist:task", args=[review.pk])
    client.get(url)
    baseline = queries(client, url)
    for i in range(10):
        services.add_comment(review.pk, user=team.alice if i % 2 else team.boss, text=f"note {i}")
        services.delegate(
            review.pk,
            user=team.boss if i % 2 == 0 else team.bob,
            to_user=team.bob if i % 2 == 0 else team.boss,
        )
    with django_assert_num_queries(baseline):
        client.get(url)


def test_the_polled_fragments_are_cheap(client, team):
    for _ in range(5):
        start_discount(team.alice)
    client.force_login(team.boss)
    # session + user + one capped count + my open project tasks; the tabs: session + user + groups +
    # four capped counts + my open project tasks
    assert queries(client, reverse("tasklist:nav_count")) == 4
    assert queries(client, reverse("tasklist:inbox_counts")) == 8
