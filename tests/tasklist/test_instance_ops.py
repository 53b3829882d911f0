"""Administrators' operations on the instance page (suspend/resume, reassign, due date, masked
process data) and the designer's "move running instances" page with its dry run."""

import pytest
from django.urls import reverse

from engine import services
from engine.models import HumanTask, ProcessInstance
from tests.factories import UserFactory

from .conftest import BPMN, approve, start_discount

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return UserFactory(username="ops", display_name="Ops Admin", is_superuser=True, is_staff=True)


def test_an_administrator_suspends_reassigns_and_reads_masked_data_from_the_instance_page(
    client, team, admin
):
    review = start_discount(team.alice, api_token="s3cr3t")
    instance_url = reverse("tasklist:instance", args=[review.instance_id])
    # the initiator sees no administration and may not suspend
    client.force_login(team.alice)
    assert "instance-operations" not in client.get(instance_url).content.decode()
    assert client.post(reverse("tasklist:instance_suspend", args=[review.instance_id])).status_code == 403
    # the administrator suspends it: the page and the task page say so, the task cannot be done
    client.force_login(admin)
    page = client.get(instance_url).content.decode()
    assert "instance-operations" in page and "s3cr3t" not in page and "api_token" in page
    assert "Carol Xu" in page and ">carol<" not in page  # people by display name
    client.post(reverse("tasklist:instance_suspend", args=[review.instance_id]), {"reason": "客户暂停"})
    assert 'data-testid="suspended"' in client.get(instance_url).content.decode()
    client.force_login(team.boss)
    task_page = client.get(reverse("tasklist:task", args=[review.pk])).content.decode()
    assert "This process is suspended" in task_page
    client.post(reverse("tasklist:task_complete", args=[review.pk]), {"decision": "approve"})
    review.refresh_from_db()
    assert review.status == HumanTask.Status.READY
    # resumed, given to bob with a new due date
    client.force_login(admin)
    client.post(reverse("tasklist:instance_suspend", args=[review.instance_id]), {"resume": "1"})
    client.post(
        reverse("tasklist:instance_task_reassign", args=[review.instance_id, review.pk]),
        {"assignee": team.bob.pk},
    )
    response = client.post(
        reverse("tasklist:instance_task_due", args=[review.instance_id, review.pk]),
        {"due_at": "2027-01-15T10:30"},
        follow=True,
    )
    assert "The due date of" in response.content.decode()
    review.refresh_from_db()
    review.instance.refresh_from_db()
    assert not review.instance.suspended and review.assignee == team.bob
    assert review.due_at.year == 2027 and review.due_at.month == 1
    # a date that is no date is refused in words, nothing changes
    response = client.post(
        reverse("tasklist:instance_task_due", args=[review.instance_id, review.pk]),
        {"due_at": "soon"},
        follow=True,
    )
    assert "Enter the due date" in response.content.decode()


def test_the_migration_dry_run_lists_each_instance_then_moves_the_chosen(client, team, admin):
    waiting_review = start_discount(team.alice)
    preparing = approve(start_discount(team.alice), team.boss)
    text = (BPMN / "discount.bpmn").read_text()
    changed = text.replace('id="fulfil"', 'id="prepare"').replace('Ref="fulfil"', 'Ref="prepare"')
    v2 = services.definition_deploy(files={"discount.bpmn": changed.encode()})
    client.force_login(admin)
    url = reverse("designer:migrate", args=["tl_discount"])
    page = client.get(url, {"to_version": v2.version}).content.decode()
    # each running instance with its verdict, in words
    assert f"#{waiting_review.instance_id}" in page and f"#{preparing.instance_id}" in page
    assert "Cannot move" in page and "“Prepare the order”" in page
    # moving both moves the one that can, and says why not for the other
    response = client.post(
        url,
        {"to_version": v2.version, "instances": [waiting_review.instance_id, preparing.instance_id]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 instance(s) moved to v2." in text and f"#{preparing.instance_id}:" in text
    assert ProcessInstance.objects.get(pk=waiting_review.instance_id).definition == v2
    assert ProcessInstance.objects.get(pk=preparing.instance_id).definition.version == 1
    # not for a person without the process administration permission
    client.force_login(team.alice)
    assert client.get(url).status_code == 403
