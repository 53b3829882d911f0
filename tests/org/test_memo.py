"""The per-request memo of a user's group tree: read once per request, never stale.

Within a request the tree is read once however many layers ask; a change to membership or to the
tree inside the same request is seen at once; outside a request nothing is remembered."""

import pytest
from django.urls import reverse

from core.memo import _memo, request_memo
from org.selectors import effective_group_ids
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_within_a_request_the_tree_is_read_once(django_assert_num_queries):
    parent = GroupFactory(name="sales")
    team = GroupFactory(name="sales_east", profile__parent=parent)
    user = UserFactory()
    user.groups.add(team)
    with request_memo():
        with django_assert_num_queries(3):  # membership, the tree's parents, the groups
            first = effective_group_ids(user)
        with django_assert_num_queries(0):
            again = effective_group_ids(user)
    assert first == again == {team.pk, parent.pk}
    again.add(-1)  # callers get their own copy
    with request_memo():
        assert -1 not in effective_group_ids(user)


def test_a_request_sees_its_own_changes_to_membership_and_tree():
    user = UserFactory()
    first = GroupFactory(name="service")
    user.groups.add(first)
    with request_memo():
        assert effective_group_ids(user) == {first.pk}
        second = GroupFactory(name="dispatchers", profile__parent=first)
        user.groups.add(second)
        assert effective_group_ids(user) == {first.pk, second.pk}
        outer = GroupFactory(name="staff")
        first.profile.parent = outer
        first.profile.save()
        assert effective_group_ids(user) == {first.pk, second.pk, outer.pk}
        user.groups.remove(second)
        assert effective_group_ids(user) == {first.pk, outer.pk}


def test_outside_a_request_nothing_is_remembered(django_assert_num_queries):
    user = UserFactory()
    user.groups.add(GroupFactory(name="hr"))
    with django_assert_num_queries(3):
        effective_group_ids(user)
    with django_assert_num_queries(3):
        effective_group_ids(user)


def test_a_page_reads_the_group_tree_once_and_leaves_no_memo_behind(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory(perms=["engine.view_humantask"])
    user.groups.add(GroupFactory(name="sales", profile__parent=GroupFactory(name="staff")))
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("tasklist:inbox")).status_code == 200
    tree_reads = [q for q in queries.captured_queries if '"org_groupprofile"."parent_id"' in q["sql"]]
    assert len(tree_reads) == 1
    assert _memo.get() is None
