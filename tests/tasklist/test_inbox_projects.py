"""Project tasks in "My tasks": merged with process tasks in the inbox's own order, counted, and
paged with them; the query count does not grow with the number of project tasks."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import ProjectTask
from projects.services import project_create, task_create

from .conftest import start_discount

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(team):
    today = timezone.localdate()
    return project_create(
        actor=team.boss, name="Fair 展会", starts_on=today, ends_on=today + datetime.timedelta(days=60)
    )


def project_task(project, user, title, days, priority=ProjectTask.Priority.NORMAL):
    return task_create(
        actor=user,
        project=project,
        title=title,
        assignee=user,
        due_on=timezone.localdate() + datetime.timedelta(days=days) if days is not None else None,
        priority=priority,
    )


def listed(client, **params) -> list[str]:
    rows = client.get(reverse("tasklist:inbox"), params).context["page"].rows
    return [getattr(row, "title", None) or row.name for row in rows]


def test_project_tasks_take_their_place_by_due_date_among_process_tasks(client, team, project):
    # given the boss's discount approval (due in a day) and three project tasks of his
    start_discount(team.alice)
    project_task(project, team.boss, "Today", 0)
    project_task(project, team.boss, "Next week", 7)
    project_task(project, team.boss, "Some day", None)
    client.force_login(team.boss)
    # then "My tasks" lists them in one due order, undated last, and counts four
    assert listed(client) == ["Today", "Approve the discount", "Next week", "Some day"]
    assert client.get(reverse("tasklist:inbox")).context["tabs"][0]["count"] == 4
    # sorted by priority, the high-priority approval comes first
    assert listed(client, sort="priority")[0] == "Approve the discount"


def test_the_merged_inbox_pages_without_losing_or_repeating_rows(client, team, project):
    from tasklist.selectors import PAGE_SIZE

    for i in range(PAGE_SIZE):
        project_task(project, team.boss, f"P{i:02}", i)
    start_discount(team.alice)
    client.force_login(team.boss)
    first, second = listed(client), listed(client, page=2)
    assert len(first) == PAGE_SIZE and len(second) == 1
    assert sorted(first + second) == sorted([f"P{i:02}" for i in range(PAGE_SIZE)] + ["Approve the discount"])


def test_more_project_tasks_cost_no_more_queries(client, team, project, django_assert_num_queries):
    start_discount(team.alice)
    project_task(project, team.boss, "One", 1)
    client.force_login(team.boss)
    url = reverse("tasklist:inbox")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    for i in range(8):
        project_task(project, team.boss, f"More {i}", i)
    with django_assert_num_queries(len(captured)):
        client.get(url)


def test_the_about_filter_offers_project_tasks_alone(client, team, project):
    start_discount(team.alice)
    project_task(project, team.boss, "Book the booth", 2)
    client.force_login(team.boss)
    response = client.get(reverse("tasklist:inbox"))
    assert ("projects.projecttask", "Project task") in response.context["form"].fields["object_type"].choices
    assert listed(client, object_type="projects.projecttask") == ["Book the booth"]
    assert (
        client.get(reverse("tasklist:inbox"), {"object_type": "projects.projecttask"}).context["tabs"][0][
            "count"
        ]
        == 1
    )
