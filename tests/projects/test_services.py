"""Projects: who sees and changes what, dependencies (no start before predecessors, no loops),
located errors, the assignee's notification."""

import pytest

from core.errors import NotPermitted, ValidationFailed
from integrations.models import Notification
from projects import services
from projects.models import Project, ProjectTask

from .conftest import days

pytestmark = pytest.mark.django_db


def test_members_see_the_project_outsiders_do_not_and_admins_see_all(world):
    # given the world's project
    # when each person lists what they may view
    def sees(user):
        return Project.objects.visible_to(user, "view").filter(pk=world.project.pk).exists()

    # then members and the admin see it, the outsider does not
    assert all(sees(u) for u in (world.owner, world.manager, world.member, world.observer, world.admin))
    assert not sees(world.outsider)
    assert Project.objects.visible_to(world.member, "change").count() == 0
    assert Project.objects.visible_to(world.manager, "change").count() == 1


def test_a_task_cannot_start_before_its_predecessor_is_done(world):
    # given B waits for A
    a = services.task_create(actor=world.member, project=world.project, title="Design", assignee=world.member)
    b = services.task_create(
        actor=world.member, project=world.project, title="Build", assignee=world.member, predecessors=[a]
    )
    # when B is started while A is open
    with pytest.raises(ValidationFailed) as caught:
        services.task_move(actor=world.member, task=b, status=ProjectTask.Status.DOING)
    # then a located error names A, and B has not moved
    assert "Design" in caught.value.fields["status"][0]
    b.refresh_from_db()
    assert b.status == ProjectTask.Status.TODO
    # when A is done, B may start
    services.task_complete(actor=world.member, task=a)
    assert services.task_move(actor=world.member, task=b, status="doing").status == "doing"


def test_dependencies_may_not_form_a_loop(world):
    a = services.task_create(actor=world.member, project=world.project, title="A")
    b = services.task_create(actor=world.member, project=world.project, title="B", predecessors=[a])
    c = services.task_create(actor=world.member, project=world.project, title="C", predecessors=[b])
    with pytest.raises(ValidationFailed) as caught:
        services.task_update(
            actor=world.member, task=a, title="A", description="", assignee=None, starts_on=None, due_on=None,
            priority=50, milestone=None, predecessors=[c],
        )  # fmt: skip
    assert "loop" in caught.value.fields["predecessors"][0]
    assert list(a.predecessors.all()) == []


def test_bad_task_input_is_located_and_nothing_is_saved(world):
    with pytest.raises(ValidationFailed) as caught:
        services.task_create(
            actor=world.member, project=world.project, title=" ", assignee=world.outsider,
            starts_on=days(5), due_on=days(1),
        )  # fmt: skip
    assert set(caught.value.fields) == {"title", "assignee", "due_on"}
    assert ProjectTask.objects.count() == 0


def test_observers_and_outsiders_may_not_change_tasks(world):
    task = services.task_create(actor=world.member, project=world.project, title="A", assignee=world.member)
    with pytest.raises(NotPermitted):
        services.task_create(actor=world.observer, project=world.project, title="X")
    with pytest.raises(NotPermitted):
        services.task_move(actor=world.outsider, task=task, status="done")
    with pytest.raises(NotPermitted):
        services.milestone_add(actor=world.member, project=world.project, name="M1", due_on=days(3))
    services.milestone_add(actor=world.manager, project=world.project, name="M1", due_on=days(3))


def test_the_assignee_is_notified_of_a_new_task(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.task_create(
            actor=world.owner,
            project=world.project,
            title="Write the brochure",
            assignee=world.member,
            due_on=days(2),
        )
    note = Notification.objects.get(recipient=world.member)
    assert "Write the brochure" in note.title
    assert "Launch" in note.body
    assert note.url.startswith(f"/projects/{world.project.pk}/")


def test_a_post_in_the_discussion_reaches_the_team_but_not_its_author(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=world.member, project=world.project, text="Samples arrive Friday")
    told = set(
        Notification.objects.filter(template="project_comment").values_list("recipient__username", flat=True)
    )
    assert told == {"qian", "sun", "zhou"}
    assert "Samples arrive Friday" in Notification.objects.filter(recipient=world.owner).get().body
