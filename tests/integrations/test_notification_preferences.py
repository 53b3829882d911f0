"""My notification settings: which events over which channels, my messenger account ids, the company default
(rows kept only where my choice differs), located errors and nothing half-written."""

import pytest
from django.urls import reverse

from integrations.connector_settings import connector_save
from integrations.models import ChannelAccount, Delivery, NotificationPreference
from integrations.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/notifications/"


@pytest.fixture
def dingtalk_on():
    connector_save(
        actor=None,
        connector="dingtalk",
        enabled=True,
        values={"app_key": "k", "agent_id": "2001", "api_base": "http://127.0.0.1:9"},
        new_secrets={"app_secret": "s"},
    )


def test_the_page_is_in_my_account_menu_and_lists_events_by_name(client, dingtalk_on):
    zhou = UserFactory(username="zhou")
    client.force_login(zhou)
    home = client.get(reverse("tasklist:inbox")).content.decode()
    assert f'href="{URL}"' in home
    page = client.get(URL).content.decode()
    assert "Task assigned to me" in page and "DingTalk" in page and "WeCom" not in page
    import re

    row_labels = re.findall(r'<th scope="row">([^<]*)', page)
    assert row_labels and not [label for label in row_labels if "_" in label]


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_choices_and_account_are_saved_and_used(client, dingtalk_on, django_capture_on_commit_callbacks):
    zhou = UserFactory(username="zhou", email="zhou@example.com")
    client.force_login(zhou)
    # when Zhou gives his DingTalk id and wants new tasks there and in the app only
    response = client.post(
        URL,
        {
            "account__dingtalk": "manager4521",
            "event__task_assigned": ["in_app", "dingtalk"],
            "event__task_due_soon": ["in_app", "email"],
        },
    )
    assert response.status_code == 302
    assert ChannelAccount.objects.get(user=zhou).account_id == "manager4521"
    # then only the events that differ from the company default have their own row
    prefs = dict(NotificationPreference.objects.filter(user=zhou).values_list("template", "channels"))
    assert prefs["task_assigned"] == ["in_app", "dingtalk"]
    assert "task_due_soon" not in prefs  # (in-app + e-mail is the default)
    assert prefs["task_overdue"] == []  # nothing ticked: not told at all
    notify(
        recipients=[zhou],
        template="task_assigned",
        context={"task": "Approve", "process": "Expense", "subject": ""},
        url="/tasks/1/",
    )
    assert list(Delivery.objects.values_list("channel", "address")) == [("dingtalk", "manager4521")]


def test_an_account_id_of_someone_else_is_refused_on_its_field_and_nothing_is_saved(client, dingtalk_on):
    ChannelAccount.objects.create(user=UserFactory(username="li"), channel="dingtalk", account_id="li001")
    zhou = UserFactory(username="zhou")
    client.force_login(zhou)
    response = client.post(URL, {"account__dingtalk": "li001", "event__task_assigned": ["dingtalk"]})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="dingtalk"' in page and "belongs to another person" in page
    assert not ChannelAccount.objects.filter(user=zhou).exists()
    assert not NotificationPreference.objects.filter(user=zhou).exists()


def test_a_channel_that_is_switched_off_cannot_be_chosen(client):
    zhou = UserFactory(username="zhou")
    client.force_login(zhou)
    response = client.post(URL, {"event__task_assigned": ["in_app", "feishu"]})
    assert response.status_code == 400
    assert "Choose from the channels shown." in response.content.decode()
    assert not NotificationPreference.objects.filter(user=zhou).exists()


def test_a_channel_without_my_address_is_saved_with_a_warning(client, dingtalk_on):
    zhou = UserFactory(username="zhou", phone="")
    client.force_login(zhou)
    response = client.post(URL, {"event__task_assigned": ["in_app", "sms"]}, follow=True)
    assert "Nothing can reach you over SMS yet" in response.content.decode()
