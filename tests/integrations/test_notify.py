"""Notifications: in-app records, channel preferences, addresses, templates with checked fields."""

import pytest
from django.core import mail

from integrations.models import Delivery, Notification
from integrations.services import notification_mark_read, notify, preference_set
from integrations.templates_registry import TemplateError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTEXT = {"task": "Approve leave", "process": "leave", "subject": "Zhang Wei, 3 days"}


def test_an_assignment_lands_in_the_app_and_by_email(django_capture_on_commit_callbacks):
    zhang = UserFactory(username="zhang", email="zhang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[zhang], template="task_assigned", context=CONTEXT, url="/tasks/1/")
    note = Notification.objects.get(recipient=zhang)
    assert note.title == "New task: Approve leave" and note.read_at is None and note.url == "/tasks/1/"
    assert [m.subject for m in mail.outbox] == ["New task: Approve leave"]
    assert mail.outbox[0].to == ["zhang@example.com"]
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_missing_template_field_names_it_and_writes_nothing():
    zhang = UserFactory()
    with pytest.raises(TemplateError) as error:
        notify(recipients=[zhang], template="task_assigned", context={"task": "x"})
    assert "{process}" in str(error.value) and "{subject}" in str(error.value)
    assert not Notification.objects.exists()


def test_preferences_choose_the_channels_and_missing_addresses_are_logged(django_capture_on_commit_callbacks):
    zhang = UserFactory(username="zhang", email="", phone="")
    preference_set(user=zhang, template="task_assigned", channels=["sms", "email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[zhang], template="task_assigned", context=CONTEXT)
    # no in-app badge (not chosen), and both deliveries skipped for want of an address
    assert Notification.objects.get().read_at is not None
    assert sorted(Delivery.objects.values_list("channel", "status")) == [
        ("email", "skipped"),
        ("sms", "skipped"),
    ]


def test_unknown_channels_are_refused():
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        preference_set(user=UserFactory(), template="*", channels=["pigeon"])
    assert "pigeon" in error.value.message


def test_each_recipient_is_told_once_and_inactive_users_not_at_all():
    zhang, gone = UserFactory(), UserFactory(is_active=False)
    notify(
        recipients=[zhang, zhang, gone, None],
        template="task_due_soon",
        context={**CONTEXT, "due": "today 17:00"},
        channels=["in_app"],
    )
    assert list(Notification.objects.values_list("recipient", flat=True)) == [zhang.pk]


def test_marking_read_clears_the_badge_for_that_user_only():
    zhang, li = UserFactory(), UserFactory()
    notify(
        recipients=[zhang, li],
        template="task_due_soon",
        context={**CONTEXT, "due": "17:00"},
        channels=["in_app"],
    )
    assert notification_mark_read(user=zhang) == 1
    assert Notification.objects.filter(read_at__isnull=True).get().recipient == li


def test_domain_apps_request_notifications_through_the_core_event():
    from core.events import request_notification

    zhang = UserFactory()
    created = request_notification(
        recipients=[zhang], template="task_due_soon", context={**CONTEXT, "due": "17:00"}, channels=["in_app"]
    )
    assert [n.recipient for n in created] == [zhang]
    assert Notification.objects.get().title == "Due soon: Approve leave"
