"""Inbox, queue and row-level visibility read the HumanTask projection only, in a fixed number of
queries whatever the number of tasks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import selectors, services
from engine.models import HumanTask
from org.permissions import RowScope
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def count_queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_inbox_and_queue_use_a_constant_number_of_queries(deploy, org):
    deploy("approval.bpmn")
    for n in range(12):
        instance = services.start_process("approval", started_by=org.alice)
        if n % 2:
            review = HumanTask.objects.get(instance=instance, element_id="review")
            services.complete_task(review.pk, user=org.boss, data={"approved": True})

    def read_inbox():
        return [(t.name, t.instance.key) for t in selectors.inbox(org.boss)[:50]]

    def read_queue():
        return [(t.name, t.instance.key) for t in selectors.queue(org.bob)[:50]]

    assert len(read_inbox()) == 6 and len(read_queue()) == 6
    assert count_queries(read_inbox) == 1
    few = count_queries(read_queue)
    for _ in range(6):
        services.start_process("approval", started_by=org.alice)
    assert count_queries(read_queue) == few <= 4


def test_visible_to_shows_own_offered_and_team_tasks(deploy, org):
    deploy("approval.bpmn")
    staff = GroupFactory(name="staff", perms=["engine.view_humantask"])
    managers = GroupFactory(
        name="managers", perms=["engine.view_humantask"], profile__row_scope=RowScope.DEPARTMENT
    )
    for user in (org.alice, org.bob, org.carol):
        user.groups.add(staff)
    org.boss.groups.add(managers)
    first = services.start_process("approval", started_by=org.alice)
    review = HumanTask.objects.get(instance=first, element_id="review")
    services.complete_task(review.pk, user=org.boss, data={"approved": True})
    fulfil = HumanTask.objects.get(instance=first, element_id="fulfil")
    services.claim(fulfil.pk, user=org.alice)
    second = services.start_process("approval", started_by=org.alice)
    review2 = HumanTask.objects.get(instance=second, element_id="review")
    # alice sees the task she claimed; bob (sales) the one offered to his group; carol nothing
    assert set(HumanTask.objects.visible_to(org.alice)) == {fulfil}
    assert set(HumanTask.objects.visible_to(org.bob)) == {fulfil}
    assert set(HumanTask.objects.visible_to(org.carol)) == set()
    # the boss sees his own review and his department's work
    assert set(HumanTask.objects.visible_to(org.boss)) == {review, review2, fulfil}


def test_one_rule_answers_each_inbox_view_and_who_may_open_a_task(deploy, org):
    # given: alice starts two approvals; boss approves one and delegates the other's review to carol
    deploy("approval.bpmn")
    first = services.start_process("approval", started_by=org.alice)
    review = HumanTask.objects.get(instance=first, element_id="review")
    services.complete_task(review.pk, user=org.boss, data={"approved": True})
    fulfil = HumanTask.objects.get(instance=first, element_id="fulfil")
    second = services.start_process("approval", started_by=org.alice)
    review2 = HumanTask.objects.get(instance=second, element_id="review")
    services.delegate(review2.pk, user=org.boss, to_user=org.carol)

    def view(user, name):
        return {t.pk for t in selectors.task_view(user, name)}

    # then: each view holds what its name says
    assert view(org.carol, "mine") == {review2.pk}
    assert view(org.bob, "queue") == {fulfil.pk}
    assert view(org.boss, "delegated") == {review2.pk}
    assert view(org.boss, "done") == {review.pk}
    # and the task page and the API's task detail open the same tasks for everyone
    tasks = [review, fulfil, review2]
    for user in (org.alice, org.bob, org.boss, org.carol):
        viewable = {t.pk for t in selectors.viewable_tasks(user)}
        assert viewable == {t.pk for t in tasks if selectors.task_for_user(user, t.pk)}, user.username
    assert {t.pk for t in selectors.viewable_tasks(org.alice)} == {review.pk, fulfil.pk, review2.pk}
    assert {t.pk for t in selectors.viewable_tasks(org.bob)} == {fulfil.pk}
