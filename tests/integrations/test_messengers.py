"""WeCom, DingTalk and Feishu adapters against local fake servers that check payloads, tokens and
signatures as the real APIs do: a task assignment arrives with a working deep link, tokens are
cached, robots are signed, busy answers are retried with backoff and every attempt is logged."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from engine import services as engine
from engine.models import HumanTask
from integrations.connector_settings import app_for, connector_config, connector_save, robot_for
from integrations.messengers.http import ChannelError, Message
from integrations.models import ChannelAccount, Delivery, DeliveryAttempt
from integrations.services import notify, retry_due_deliveries
from processes.services import definition_deploy
from tests.factories import UserFactory

from .messenger_fakes import FakeDingTalk, FakeFeishu, FakeWeCom

pytestmark = pytest.mark.django_db

APPROVAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="expense_ok" name="Expense approval" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Approve" />
    <bpmn:userTask id="Approve" name="Approve the expense" camunda:assignee="zhou" />
    <bpmn:sequenceFlow id="f2" sourceRef="Approve" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wecom():
    server = FakeWeCom()
    connector_save(
        actor=None,
        connector="wecom",
        enabled=True,
        values={"corp_id": "ww-corp", "agent_id": "1000002", "api_base": server.url},
        new_secrets={
            "corp_secret": "wecom-secret-123",
            "robot_url": f"{server.url}/cgi-bin/webhook/send?key=rk-1",
        },
    )
    yield server
    server.close()


@pytest.fixture
def dingtalk():
    server = FakeDingTalk()
    connector_save(
        actor=None,
        connector="dingtalk",
        enabled=True,
        values={"app_key": "ding-key", "agent_id": "2001", "api_base": server.url},
        new_secrets={
            "app_secret": "ding-secret-456",
            "robot_url": f"{server.url}/robot/send?access_token=rt-1",
            "robot_secret": server.robot_secret,
        },
    )
    yield server
    server.close()


@pytest.fixture
def feishu():
    server = FakeFeishu()
    connector_save(
        actor=None,
        connector="feishu",
        enabled=True,
        values={"app_id": "cli_a1", "receive_id_type": "open_id", "api_base": server.url},
        new_secrets={
            "app_secret": "feishu-secret-789",
            "robot_url": f"{server.url}/open-apis/bot/v2/hook/hook-1",
            "robot_secret": server.robot_secret,
        },
    )
    yield server
    server.close()


def _link(channel: str, body: dict) -> str:
    if channel == "wecom":
        return body["textcard"]["url"]
    if channel == "dingtalk":
        return body["msg"]["action_card"]["single_url"]
    button = body["content"]["elements"][-1]["actions"][0]
    return button["url"]


def _title(channel: str, body: dict) -> str:
    if channel == "wecom":
        return body["textcard"]["title"]
    if channel == "dingtalk":
        return body["msg"]["action_card"]["title"]
    return body["content"]["header"]["title"]["content"]


@pytest.mark.parametrize(
    ("channel", "account"), [("wecom", "ZhouJie"), ("dingtalk", "manager4521"), ("feishu", "ou_zhou")]
)
def test_a_task_assignment_arrives_in_the_messenger_with_a_working_link(
    request, channel, account, client, settings, django_capture_on_commit_callbacks
):
    # given the messenger switched on, Zhou's account there and his choice of it for new tasks
    server = request.getfixturevalue(channel)
    settings.PUBLIC_BASE_URL = "https://baton.example.cn"
    zhou = UserFactory(username="zhou", email="")
    ChannelAccount.objects.create(user=zhou, channel=channel, account_id=account)
    from integrations.services import preference_set

    preference_set(user=zhou, template="task_assigned", channels=["in_app", channel])
    definition_deploy(files={"expense.bpmn": APPROVAL})
    # when a process gives him a task
    with django_capture_on_commit_callbacks(execute=True):
        engine.start_process("expense_ok", started_by=UserFactory(username="clerk"))
    # then the messenger accepted one message to him, titled with the task, linking to its page
    task = HumanTask.objects.get(assignee=zhou)
    assert len(server.accepted) == 1
    body = server.accepted[0]
    assert _title(channel, body) == "New task: Approve the expense"
    link = _link(channel, body)
    assert link == f"https://baton.example.cn/tasks/{task.pk}/"
    delivery = Delivery.objects.get(channel=channel)
    assert (delivery.status, delivery.address, delivery.attempts) == ("sent", account, 1)
    # and the link opens the task for him
    client.force_login(zhou)
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and "Approve the expense" in page.content.decode()


def test_the_access_token_is_fetched_once_and_again_only_when_refused(wecom):
    app = app_for("wecom", connector_config("wecom"))
    message = Message(title="Hello", text="one", url="https://baton.example.cn/tasks/1/")
    app.send(to="ZhouJie", message=message)
    app.send(to="ZhouJie", message=message)
    assert wecom.token_requests() == 1
    # the API drops its tokens (expired early, secret rotated): one refusal, a new token, sent
    wecom.expire_all_tokens()
    assert app.send(to="ZhouJie", message=message) == "msg-3"
    assert wecom.token_requests() == 2 and len(wecom.accepted) == 3


def test_wrong_app_credentials_are_a_failure_not_worth_retrying(wecom, feishu):
    config = connector_config("wecom")
    with pytest.raises(ChannelError) as error:
        app_for("wecom", {**config, "corp_secret": "wrong"}).send(to="ZhouJie", message=Message("t", "x"))
    assert error.value.code == "40001" and not error.value.retryable
    config = connector_config("feishu")
    with pytest.raises(ChannelError) as error:
        app_for("feishu", {**config, "app_secret": "wrong"}).send(to="ou_zhou", message=Message("t", "x"))
    assert error.value.code == "10014" and not error.value.retryable


@pytest.mark.parametrize("channel", ["dingtalk", "feishu"])
def test_group_robots_are_signed_and_a_wrong_secret_is_refused(request, channel):
    server = request.getfixturevalue(channel)
    config = connector_config(channel)
    message = Message(
        title="Queue", text="A task waits in the service queue", url="https://b.example/tasks/9/"
    )
    robot_for(channel, config).send(message=message)
    assert len(server.accepted) == 1
    with pytest.raises(ChannelError) as error:
        robot_for(channel, {**config, "robot_secret": "not-the-secret"}).send(message=message)
    assert error.value.code in {"310000", "19021"} and not error.value.retryable
    assert len(server.accepted) == 1


def test_the_wecom_robot_posts_markdown_with_the_link_and_a_wrong_key_is_refused(wecom):
    config = connector_config("wecom")
    robot_for("wecom", config).send(message=Message("Queue", "A task waits", "https://b.example/tasks/9/"))
    assert "[详情](https://b.example/tasks/9/)" in wecom.accepted[0]["markdown"]["content"]
    with pytest.raises(ChannelError) as error:
        robot_for("wecom", {**config, "robot_url": f"{wecom.url}/cgi-bin/webhook/send?key=nope"}).send(
            message=Message("Queue", "x")
        )
    assert error.value.code == "93000"


def test_a_busy_messenger_is_retried_with_backoff_and_every_attempt_is_logged(
    dingtalk, django_capture_on_commit_callbacks
):
    # given DingTalk answering "system busy" once
    zhou = UserFactory(username="zhou")
    ChannelAccount.objects.create(user=zhou, channel="dingtalk", account_id="manager4521")
    dingtalk.scripted = [(200, {"errcode": -1, "errmsg": "系统繁忙"})]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notify(
                recipients=[zhou],
                template="task_due_soon",
                context={"task": "Approve", "process": "Expense", "subject": "", "due": "09:00"},
                channels=["dingtalk"],
                url="/tasks/5/",
            )
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("queued", 1)
        assert retry_due_deliveries() == 0  # not before the backoff
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(dingtalk.accepted) == 1
    log = DeliveryAttempt.objects.filter(delivery=delivery)
    log = list(log.values_list("number", "ok", "error_code", "retryable"))
    assert log == [(1, False, "-1", True), (2, True, "", False)]


def test_a_member_the_messenger_does_not_know_fails_at_once_with_the_reason(
    wecom, django_capture_on_commit_callbacks
):
    li = UserFactory(username="li")
    ChannelAccount.objects.create(user=li, channel="wecom", account_id="NoSuchPerson")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[li],
            template="task_assigned",
            context={"task": "Approve", "process": "Expense", "subject": ""},
            channels=["wecom"],
            url="/tasks/5/",
        )
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "NoSuchPerson" in delivery.last_error
    assert DeliveryAttempt.objects.get(delivery=delivery).error_code == "invaliduser"


def test_company_default_sends_to_a_messenger_switched_on_for_everyone(
    feishu, django_capture_on_commit_callbacks
):
    # given Feishu switched on "for everyone by default", and a person without preferences
    connector_save(
        actor=None,
        connector="feishu",
        enabled=True,
        values={**connector_config("feishu"), "default_on": True},
    )
    zhou, wang = UserFactory(username="zhou"), UserFactory(username="wang")
    ChannelAccount.objects.create(user=zhou, channel="feishu", account_id="ou_zhou")
    from integrations.services import preference_set

    preference_set(user=wang, template="*", channels=["in_app"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[zhou, wang],
            template="task_assigned",
            context={"task": "Approve", "process": "Expense", "subject": ""},
            url="/tasks/5/",
        )
    # then Zhou gets it in Feishu too; Wang, who chose the in-app list only, does not
    assert [json.dumps(b["receive_id"]) for b in feishu.accepted] == ['"ou_zhou"']
    assert not Delivery.objects.filter(notification__recipient=wang).exists()


QUEUE = APPROVAL.replace(b'camunda:assignee="zhou"', b'camunda:candidateGroups="service"')


def test_a_task_waiting_in_a_group_queue_is_posted_to_the_group_robot_when_asked(
    dingtalk, settings, django_capture_on_commit_callbacks
):
    # given DingTalk's robot asked to hear of queued tasks
    settings.PUBLIC_BASE_URL = "https://baton.example.cn"
    config = connector_config("dingtalk")
    connector_save(
        actor=None, connector="dingtalk", enabled=True, values={**config, "robot_queue_tasks": True}
    )
    definition_deploy(files={"expense.bpmn": QUEUE})
    # when a task is offered to a whole group
    with django_capture_on_commit_callbacks(execute=True):
        engine.start_process("expense_ok", started_by=UserFactory(username="clerk"))
    # then the group chat gets a signed action card linking to the task
    task = HumanTask.objects.get()
    [card] = [b["actionCard"] for b in dingtalk.accepted]
    assert card["title"] == "Waiting in the queue: Approve the expense"
    assert card["singleURL"] == f"https://baton.example.cn/tasks/{task.pk}/"
    delivery = Delivery.objects.get()
    assert (delivery.notification, delivery.status, delivery.attempts) == (None, "sent", 1)


def test_a_chinese_reader_gets_the_card_in_chinese(wecom, django_capture_on_commit_callbacks):
    wang = UserFactory(username="wang", language="zh-hans")
    ChannelAccount.objects.create(user=wang, channel="wecom", account_id="ZhouJie")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[wang],
            template="task_assigned",
            context={"task": "经理审批", "process": "请假", "subject": "张伟 3 天"},
            channels=["wecom"],
            url="/tasks/7/",
        )
    card = wecom.accepted[0]["textcard"]
    assert card["title"] == "新任务：经理审批" and card["btntxt"] == "查看详情"


def test_the_sms_gateway_set_up_by_it_is_used_with_its_key(fake_server, django_capture_on_commit_callbacks):
    # given IT's SMS gateway switched on in the administration area (not in the deployment's settings)
    connector_save(
        actor=None,
        connector="sms",
        enabled=True,
        values={"gateway_url": fake_server.url + "/send", "sender": "ACME"},
        new_secrets={"api_key": "sms-key-42"},
    )
    fake_server.default = (200, {"id": "sms-1"}, 0)
    zhou = UserFactory(username="zhou", phone="+8613800000000")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[zhou],
            template="task_overdue",
            context={"task": "Approve", "process": "p", "subject": "", "due": "09:00"},
            channels=["sms"],
        )
    request = fake_server.requests[0]
    assert request["headers"]["Authorization"] == "Bearer sms-key-42"
    assert json.loads(request["body"])["sender"] == "ACME"
    assert Delivery.objects.get().external_id == "sms-1"


def test_a_mail_server_that_refuses_shows_as_a_failed_test():
    from integrations.connector_settings import connector_send_test

    connector_save(
        actor=None,
        connector="mail",
        enabled=False,
        values={"host": "127.0.0.1", "port": "9", "from_email": "a@b.cn"},
    )
    [result] = connector_send_test(actor=None, connector="mail", to="it@example.com")
    assert not result.ok and result.target == "it@example.com" and result.detail
