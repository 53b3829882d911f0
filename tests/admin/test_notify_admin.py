"""Administration > Integrations > Connectors and Message templates: secrets are write-only, a
connector cannot be switched on half set up, a test message shows the outside service's answer,
templates refuse unknown placeholders where they are, preview on sample data, reset to default."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEvent
from integrations.models import ConnectorSetting, Notification, TemplateOverride
from integrations.services import notify
from tests.factories import UserFactory
from tests.integrations.messenger_fakes import FakeWeCom

pytestmark = pytest.mark.django_db

SECRET = "wecom-secret-123"


@pytest.fixture
def it_admin(client):
    user = UserFactory(username="it.admin", perms=["integrations.manage_webhooks"])
    client.force_login(user)
    return user


@pytest.fixture
def wecom_server():
    cache.clear()
    server = FakeWeCom()
    yield server
    server.close()


def _wecom_form(server, **extra):
    return {
        "enabled": "on",
        "corp_id": "ww-corp",
        "agent_id": "1000002",
        "api_base": server.url,
        "secret__corp_secret": SECRET,
        **extra,
    }


def test_a_secret_is_never_shown_or_audited_and_an_empty_field_keeps_it(client, it_admin, wecom_server):
    # when IT sets WeCom up with its secret
    response = client.post(reverse("manage:connector", args=["wecom"]), _wecom_form(wecom_server))
    assert response.status_code == 302
    setting = ConnectorSetting.objects.get(connector="wecom")
    assert setting.enabled and setting.secrets == {"corp_secret": SECRET}
    # then the page says it is set, with its last characters only
    page = client.get(reverse("manage:connector", args=["wecom"])).content.decode()
    assert SECRET not in page and "ends with …-123" in page
    # saving again with the field empty keeps it; the audit names the secret, never its value
    client.post(
        reverse("manage:connector", args=["wecom"]), {**_wecom_form(wecom_server), "secret__corp_secret": ""}
    )
    assert ConnectorSetting.objects.get(connector="wecom").secrets == {"corp_secret": SECRET}
    rows = AuditEvent.objects.filter(object_type="integrations.connectorsetting")
    assert rows.exists() and rows.first().extra["secrets_replaced"] == ["corp_secret"]
    assert not any(SECRET in str(r.changes) + str(r.extra) for r in rows)
    audit_page = client.get(reverse("manage:audit", args=["integrations"])).content.decode()
    assert SECRET not in audit_page


def test_a_cleared_secret_is_gone_and_switching_on_without_it_is_refused_on_the_field(
    client, it_admin, wecom_server
):
    client.post(reverse("manage:connector", args=["wecom"]), _wecom_form(wecom_server))
    # when IT clears the secret while the connector stays on
    response = client.post(
        reverse("manage:connector", args=["wecom"]),
        {**_wecom_form(wecom_server), "secret__corp_secret": "", "clear__corp_secret": "on"},
    )
    # then it is refused on the secret's field and nothing changed
    assert response.status_code == 400
    assert 'data-field="corp_secret"' in response.content.decode()
    assert "Required to switch this connector on." in response.content.decode()
    assert ConnectorSetting.objects.get(connector="wecom").secrets == {"corp_secret": SECRET}
    # switched off, it may be cleared
    form = {**_wecom_form(wecom_server), "secret__corp_secret": "", "clear__corp_secret": "on"}
    del form["enabled"]
    assert client.post(reverse("manage:connector", args=["wecom"]), form).status_code == 302
    assert ConnectorSetting.objects.get(connector="wecom").secrets == {}


def test_bad_values_are_located_and_nothing_is_saved(client, it_admin):
    response = client.post(
        reverse("manage:connector", args=["dingtalk"]),
        {
            "enabled": "on",
            "app_key": "k",
            "agent_id": "twelve",
            "api_base": "ftp://x",
            "secret__app_secret": "s",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a whole number." in page and "Enter a full http(s) URL." in page
    assert not ConnectorSetting.objects.filter(connector="dingtalk").exists()


def test_a_test_message_shows_what_the_messenger_answered(client, it_admin, wecom_server):
    client.post(reverse("manage:connector", args=["wecom"]), _wecom_form(wecom_server))
    ok = client.post(reverse("manage:connector_test", args=["wecom"]), {"to": "ZhouJie"}).content.decode()
    assert "Sent" in ok and "ZhouJie" in ok
    assert wecom_server.accepted[0]["touser"] == "ZhouJie"
    refused = client.post(reverse("manage:connector_test", args=["wecom"]), {"to": "Nobody"}).content.decode()
    assert "Failed" in refused and "does not know the member Nobody" in refused
    assert AuditEvent.objects.filter(extra__connector="wecom", extra__test_message__isnull=False).count() == 2


def test_connector_and_template_pages_need_the_integrations_permission(client):
    client.force_login(UserFactory(username="seller"))
    for url in (
        reverse("manage:connectors"),
        reverse("manage:connector", args=["sms"]),
        reverse("manage:notification_templates"),
        reverse("manage:notification_template", args=["task_assigned", "en"]),
        reverse("manage:notification_deliveries"),
    ):
        assert client.get(url).status_code == 403, url


def test_an_unknown_placeholder_is_refused_on_its_field(client, it_admin):
    url = reverse("manage:notification_template", args=["task_assigned", "en"])
    response = client.post(url, {"title": "Task {task}", "body": "Open {taks} now", "sms": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="body"' in page and "Unknown placeholder(s) {taks}" in page
    assert "{process}, {subject}, {task}" in page
    assert not TemplateOverride.objects.exists()
    broken = client.post(url, {"title": "Task {task", "body": "", "sms": ""})
    assert broken.status_code == 400 and "A brace is not closed" in broken.content.decode()


def test_the_preview_fills_in_sample_data(client, it_admin):
    url = reverse("manage:notification_template_preview", args=["task_assigned", "zh-hans"])
    page = client.post(url, {"title": "新任务：{task}", "body": "{subject}", "sms": ""}).content.decode()
    assert "新任务：" in page and "{task}" not in page and "{subject}" not in page


def test_a_reworded_template_is_what_people_get_and_reset_brings_back_the_default(client, it_admin):
    # given the Chinese wording changed
    url = reverse("manage:notification_template", args=["task_assigned", "zh-hans"])
    client.post(url, {"title": "【待办】{task}", "body": "{process}：{subject}", "sms": ""})
    zh, en = UserFactory(username="wang", language="zh-hans"), UserFactory(username="zhang", language="en")
    context = {"task": "审批请假", "process": "请假", "subject": "张伟 3 天"}
    notify(recipients=[zh, en], template="task_assigned", context=context)
    # then the Chinese reader gets the new wording, the English one the default
    assert Notification.objects.get(recipient=zh).title == "【待办】审批请假"
    assert Notification.objects.get(recipient=en).title == "New task: 审批请假"
    # and after a reset the default is back
    client.post(reverse("manage:notification_template_reset", args=["task_assigned", "zh-hans"]))
    assert not TemplateOverride.objects.exists()
    assert "【待办】" not in client.get(url).content.decode()


def _feishu_on():
    from integrations.connector_settings import connector_save

    connector_save(
        actor=None,
        connector="feishu",
        enabled=True,
        values={"app_id": "cli_a1", "receive_id_type": "user_id"},
        new_secrets={"app_secret": "feishu-secret-789"},
    )


def test_it_fills_in_peoples_messenger_ids_all_or_nothing(client, it_admin):
    from integrations.models import ChannelAccount
    from tests.factories import EmployeeFactory

    _feishu_on()
    zhou, li = EmployeeFactory(user__username="zhou").user, EmployeeFactory(user__username="li").user
    url = reverse("manage:messenger_accounts")
    # when IT gives both the same id, the later row is refused on its cell and nothing is saved
    response = client.post(url, {f"acct__{zhou.pk}__feishu": "u001", f"acct__{li.pk}__feishu": "u001"})
    page = response.content.decode()
    assert response.status_code == 400 and page.count('<ul class="field-errors"') == 1
    assert f'id="err_acct__{zhou.pk}__feishu"' in page  # (rows in name order: Li, then Zhou)
    assert not ChannelAccount.objects.exists()
    # with distinct ids both are saved
    response = client.post(url, {f"acct__{zhou.pk}__feishu": "u001", f"acct__{li.pk}__feishu": "u002"})
    assert response.status_code == 302
    assert dict(ChannelAccount.objects.values_list("user__username", "account_id")) == {
        "zhou": "u001",
        "li": "u002",
    }


def test_the_lists_cost_the_same_number_of_queries_for_more_rows(client, it_admin):
    from tests.factories import EmployeeFactory

    _feishu_on()
    zhou = UserFactory(username="zhou", email="zhou@example.com")
    for person in [EmployeeFactory().user for _ in range(3)]:
        notify(
            recipients=[person, zhou],
            template="task_due_soon",
            context={"task": "t", "process": "p", "subject": "", "due": "9"},
        )

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url)  # (what a process remembers across requests is read once, then reused)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = (reverse("manage:messenger_accounts"), reverse("manage:notification_deliveries"))
    few = {url: count(url) for url in urls}
    for person in [EmployeeFactory().user for _ in range(5)]:
        notify(
            recipients=[person],
            template="task_due_soon",
            context={"task": "t", "process": "p", "subject": "", "due": "9"},
        )
    more = {u: count(u) for u in few}
    assert more == few


def test_a_failed_delivery_is_sent_again_from_the_log_once_the_connector_is_fixed(
    client, it_admin, wecom_server, django_capture_on_commit_callbacks
):
    from integrations.models import ChannelAccount, Delivery, DeliveryAttempt

    # given WeCom set up with a wrong secret, and a task notification that failed on it
    client.post(
        reverse("manage:connector", args=["wecom"]), {**_wecom_form(wecom_server), "secret__corp_secret": "x"}
    )
    zhou = UserFactory(username="zhou")
    ChannelAccount.objects.create(user=zhou, channel="wecom", account_id="ZhouJie")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[zhou],
            template="task_assigned",
            context={"task": "Approve", "process": "Expense", "subject": ""},
            channels=["wecom"],
            url="/tasks/3/",
        )
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "40001" in delivery.last_error
    log = client.get(reverse("manage:notification_deliveries")).content.decode()
    assert "40001" in log and reverse("manage:notification_delivery_retry", args=[delivery.pk]) in log
    # when IT puts the right secret in and retries from the log
    client.post(reverse("manage:connector", args=["wecom"]), _wecom_form(wecom_server))
    response = client.post(reverse("manage:notification_delivery_retry", args=[delivery.pk]), follow=True)
    # then it arrives, and the log keeps both attempts
    assert "Sent." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(wecom_server.accepted) == 1
    attempts = DeliveryAttempt.objects.filter(delivery=delivery).order_by("number")
    assert [(a.number, a.ok) for a in attempts] == [(1, False), (2, True)]
    # a sent one is not sent twice
    again = client.post(reverse("manage:notification_delivery_retry", args=[delivery.pk]), follow=True)
    assert "Only a failed delivery can be sent again." in again.content.decode()
    assert len(wecom_server.accepted) == 1
