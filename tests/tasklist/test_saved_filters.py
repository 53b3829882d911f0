"""Saved inbox filters: save, share with a group (the team's queue), counts, delete."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasklist.models import SavedFilter

from .conftest import approve, start_discount

pytestmark = pytest.mark.django_db


def test_saving_the_current_filter_and_using_it_with_its_count(client, team):
    start_discount(team.alice)
    start_discount(team.bob)
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:inbox"), {"priority": "high"}).content.decode()
    assert "Save this filter" in page
    response = client.post(
        reverse("tasklist:filter_save"), {"name": "Urgent", "view": "mine", "priority": "high", "sort": "due"}
    )
    assert response.status_code == 302 and "priority=high" in response.url
    saved = SavedFilter.objects.get(owner=team.boss)
    assert saved.params == {"view": "mine", "priority": "high", "sort": "due"}
    inbox = client.get(reverse("tasklist:inbox"))
    assert [(f.name, f.count) for f in inbox.context["saved_filters"]] == [("Urgent", 2)]
    on_it = client.get(reverse("tasklist:inbox") + "?view=mine&priority=high&sort=due")
    assert on_it.context["current_saved"] == saved


def test_a_filter_shared_with_a_group_is_offered_to_its_members(client, team):
    for _ in range(2):
        approve(start_discount(team.alice), team.boss)
    client.force_login(team.bob)
    client.post(
        reverse("tasklist:filter_save"),
        {
            "name": "Orders to prepare",
            "view": "queue",
            "task_name": "Prepare the order",
            "shared_with": team.sales.pk,
        },
    )
    client.force_login(team.alice)
    filters = client.get(reverse("tasklist:inbox")).context["saved_filters"]
    assert [(f.name, f.count, f.owner.username) for f in filters] == [("Orders to prepare", 2, "bob")]
    # alice may use it but not delete it
    assert client.post(reverse("tasklist:filter_delete", args=[filters[0].pk])).status_code == 404
    client.force_login(team.carol)
    assert client.get(reverse("tasklist:inbox")).context["saved_filters"] == []


def test_sharing_with_a_group_one_is_not_in_is_refused(client, team):
    client.force_login(team.carol)
    client.post(
        reverse("tasklist:filter_save"), {"name": "Spy", "view": "queue", "shared_with": team.sales.pk}
    )
    saved = SavedFilter.objects.get(owner=team.carol)
    assert saved.shared_with is None  # not one of carol's groups: kept private


def test_a_filter_needs_a_name_and_can_be_deleted_by_its_owner(client, team):
    client.force_login(team.boss)
    response = client.post(reverse("tasklist:filter_save"), {"name": " ", "priority": "high"}, follow=True)
    assert "Give the filter a name." in response.content.decode()
    client.post(reverse("tasklist:filter_save"), {"name": "Mine", "priority": "high"})
    saved = SavedFilter.objects.get(owner=team.boss)
    client.post(reverse("tasklist:filter_delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()


def test_saved_filter_counts_cost_one_query_each_not_one_per_row(client, team, django_assert_num_queries):
    client.force_login(team.boss)
    client.post(reverse("tasklist:filter_save"), {"name": "High", "priority": "high"})
    start_discount(team.alice)
    client.get(reverse("tasklist:inbox"))
    with CaptureQueriesContext(connection) as baseline:
        client.get(reverse("tasklist:inbox"))
    for _ in range(6):
        start_discount(team.bob)
    with django_assert_num_queries(len(baseline)):
        client.get(reverse("tasklist:inbox"))
