"""The in-app notification list: unread/read, mark one/all read, the link, the badge, paging."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import Notification
from integrations.selectors import PAGE_SIZE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _note(user, title, url="", read=False):
    read_at = timezone.now() if read else None
    return Notification.objects.create(
        recipient=user, template="task_assigned", title=title, url=url, read_at=read_at
    )


def test_the_list_shows_own_notifications_and_the_unread_tab_only_unread(client):
    # given two of mine (one read) and one of someone else
    zhang, li = UserFactory(), UserFactory()
    _note(zhang, "Approve leave")
    _note(zhang, "Old news", read=True)
    _note(li, "Not for Zhang")
    client.force_login(zhang)
    # when / then
    page = client.get("/notifications/").content.decode()
    assert "Approve leave" in page and "Old news" in page and "Not for Zhang" not in page
    unread = client.get("/notifications/?show=unread").content.decode()
    assert "Approve leave" in unread and "Old news" not in unread
    assert client.get("/notifications/badge/").content.decode().startswith("1")


def test_opening_marks_read_and_goes_to_the_record(client):
    zhang = UserFactory()
    note = _note(zhang, "Approve leave", url="/tasks/7/")
    client.force_login(zhang)
    response = client.post(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/tasks/7/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert "unread" not in client.get("/notifications/badge/").content.decode()


def test_an_outside_link_is_not_followed_and_others_notifications_cannot_be_opened(client):
    zhang, li = UserFactory(), UserFactory()
    evil = _note(zhang, "Phish", url="//evil.example.com/")
    theirs = _note(li, "Li's")
    client.force_login(zhang)
    assert client.post(f"/notifications/{evil.pk}/open/")["Location"] == "/notifications/"
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_clears_only_mine(client):
    zhang, li = UserFactory(), UserFactory()
    for i in range(3):
        _note(zhang, f"n{i}")
    _note(li, "Li's")
    client.force_login(zhang)
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=zhang, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=li, read_at__isnull=True).count() == 1


def test_pages_and_a_constant_number_of_queries(client):
    zhang = UserFactory()
    client.force_login(zhang)
    _note(zhang, "first")
    client.get("/notifications/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for i in range(PAGE_SIZE * 2):
        _note(zhang, f"note {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/notifications/?page=2")
    assert len(many) == len(few)
    assert "Page 2 of 3" in response.content.decode()


def test_the_nav_shows_the_notifications_link_with_a_badge(client):
    zhang = UserFactory()
    client.force_login(zhang)
    page = client.get("/notifications/").content.decode()
    assert 'href="/notifications/"' in page and 'id="nav-unread-count"' in page
