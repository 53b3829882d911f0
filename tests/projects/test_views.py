"""Project pages: list, board moves (htmx), timeline, permissions, the inbox beside process tasks."""

import pytest
from django.urls import reverse

from projects import services
from projects.models import ProjectTask

from .conftest import days

pytestmark = pytest.mark.django_db


def test_an_outsider_gets_404_and_never_sees_the_project(client, world):
    client.force_login(world.outsider)
    assert client.get(reverse("projects:detail", args=[world.project.pk])).status_code == 404
    assert "Launch" not in client.get(reverse("projects:list")).content.decode()


def test_creating_a_project_with_a_bad_date_is_located(client, world):
    client.force_login(world.member)
    response = client.post(
        reverse("projects:new"), {"name": "Fair", "starts_on": "2026-13-01", "ends_on": "2026-12-31"}
    )
    assert response.status_code == 200
    assert response.context["errors"]["starts_on"]
    response = client.post(
        reverse("projects:new"), {"name": "Fair", "starts_on": "2026-12-10", "ends_on": "2026-12-01"}
    )
    assert response.context["errors"]["ends_on"]
    response = client.post(
        reverse("projects:new"),
        {"name": "Fair", "starts_on": "2026-12-01", "ends_on": "2026-12-31", "members": [world.outsider.pk]},
    )
    assert response.status_code == 302


def test_moving_a_blocked_task_on_the_board_says_why(client, world):
    a = services.task_create(actor=world.member, project=world.project, title="Design", assignee=world.member)
    b = services.task_create(actor=world.member, project=world.project, title="Build", predecessors=[a])
    client.force_login(world.member)
    response = client.post(
        reverse("projects:task_move", args=[b.pk]), {"status": "doing"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="board-problem"' in body and "Design" in body
    response = client.post(
        reverse("projects:task_move", args=[a.pk]), {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    assert 'id="board-problem"' not in response.content.decode()
    a.refresh_from_db()
    assert a.status == ProjectTask.Status.DONE


def test_the_timeline_draws_bars_milestones_and_dependency_arrows(client, world):
    a = services.task_create(
        actor=world.member, project=world.project, title="Design", starts_on=days(0), due_on=days(3)
    )
    services.task_create(
        actor=world.member,
        project=world.project,
        title="Build",
        starts_on=days(4),
        due_on=days(9),
        predecessors=[a],
    )
    services.milestone_add(actor=world.owner, project=world.project, name="Beta", due_on=days(10))
    client.force_login(world.observer)
    body = client.get(
        reverse("projects:detail", args=[world.project.pk]), {"tab": "timeline"}
    ).content.decode()
    assert body.count('class="bar status-todo') == 2
    assert body.count('class="dependency"') == 1
    assert 'data-milestone="' in body


def test_project_tasks_show_in_the_inbox_and_complete_there(client, world):
    # given a project task for Li, due tomorrow
    task = services.task_create(
        actor=world.owner,
        project=world.project,
        title="Call the printer",
        assignee=world.member,
        due_on=days(1),
    )
    client.force_login(world.member)
    # when Li opens the inbox
    response = client.get(reverse("tasklist:inbox"))
    body = response.content.decode()
    # then the task is there with its project, and counted
    assert "Call the printer" in body and "Launch" in body
    assert response.context["tabs"][0]["count"] == 1
    assert client.get(reverse("tasklist:nav_count")).content.decode().count("1") >= 1

    # the inbox's search and due filters apply to them too
    def listed(**params) -> bool:
        return "Call the printer" in client.get(reverse("tasklist:inbox"), params).content.decode()

    assert listed(text="printer") and not listed(text="boiler") and not listed(due="overdue")
    # when Li completes it from the inbox
    response = client.post(
        reverse("projects:task_move", args=[task.pk]), {"status": "done", "next": reverse("tasklist:inbox")}
    )
    # then back to the inbox, the task is done and gone from it
    assert response.status_code == 302 and response["Location"] == reverse("tasklist:inbox")
    task.refresh_from_db()
    assert task.status == ProjectTask.Status.DONE
    assert f'data-project-task="{task.pk}"' not in client.get(reverse("tasklist:inbox")).content.decode()


def test_documents_and_comments(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.member)
    url = reverse("projects:document_upload", args=[world.project.pk])
    client.post(url, {"file": SimpleUploadedFile("plan.txt", b"the plan", content_type="text/plain")})
    bad = client.post(
        url,
        {"file": SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")},
        follow=True,
    )
    assert "not accepted" in bad.content.decode()
    document = world.project.documents.get()
    client.force_login(world.observer)
    assert (
        client.get(reverse("projects:document_download", args=[world.project.pk, document.pk])).status_code
        == 200
    )
    client.post(reverse("projects:comment_add", args=[world.project.pk]), {"text": "Looks good"})
    assert world.project.comments.get().author == world.observer
    client.force_login(world.outsider)
    assert (
        client.get(reverse("projects:document_download", args=[world.project.pk, document.pk])).status_code
        == 404
    )


def test_only_managers_edit_the_project_and_delete_tasks(client, world):
    task = services.task_create(actor=world.member, project=world.project, title="Draft")
    client.force_login(world.member)
    assert client.get(reverse("projects:edit", args=[world.project.pk])).status_code == 403
    assert (
        "Delete task"
        not in client.get(reverse("projects:task_edit", args=[world.project.pk, task.pk])).content.decode()
    )
    client.post(reverse("projects:task_delete", args=[world.project.pk, task.pk]))
    assert ProjectTask.objects.filter(pk=task.pk).exists()
    client.force_login(world.manager)
    client.post(reverse("projects:task_delete", args=[world.project.pk, task.pk]))
    assert not ProjectTask.objects.filter(pk=task.pk).exists()
    response = client.post(
        reverse("projects:edit", args=[world.project.pk]),
        {"name": "Launch", "starts_on": "2026-12-01", "ends_on": "2026-11-01", "status": "active"},
    )
    assert response.context["errors"]["ends_on"]


def test_completing_a_blocked_task_from_the_inbox_says_what_it_waits_for(client, world):
    first = services.task_create(
        actor=world.owner, project=world.project, title="Order paper", assignee=world.owner
    )
    blocked = services.task_create(
        actor=world.owner,
        project=world.project,
        title="Print flyers",
        assignee=world.member,
        predecessors=[first],
    )
    client.force_login(world.member)
    response = client.post(
        reverse("projects:task_move", args=[blocked.pk]),
        {"status": "done", "next": reverse("tasklist:inbox")},
        follow=True,
    )
    body = response.content.decode()
    assert "Order paper" in body and f'data-project-task="{blocked.pk}"' in body
    blocked.refresh_from_db()
    assert blocked.status == ProjectTask.Status.TODO
