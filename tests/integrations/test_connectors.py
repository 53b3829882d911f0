"""BPMN service tasks calling the integration connectors, end to end through deploy and run."""

import json

import pytest

from engine import services as engine
from engine.models import Incident, ProcessInstance
from integrations.models import Notification
from processes.services import DefinitionRejected, definition_deploy
from tests.factories import GroupFactory, UserFactory
from tests.testapp.models import Note

pytestmark = pytest.mark.django_db

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="svc" name="Service calls" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Call_1" />
    <bpmn:serviceTask id="Call_1" name="Call out" camunda:topic="{connector}" camunda:resultVariable="answer">
      <bpmn:extensionElements><camunda:inputOutput>{params}</camunda:inputOutput></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Call_1" targetRef="Wait_1" />
    <bpmn:userTask id="Wait_1" name="Look at the answer" camunda:assignee="${{initiator}}" />
    <bpmn:sequenceFlow id="f3" sourceRef="Wait_1" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


def process(connector: str, **params) -> bytes:
    xml_params = "".join(
        f'<camunda:inputParameter name="{k}">{v}</camunda:inputParameter>' for k, v in params.items()
    )
    return PROCESS.format(connector=connector, params=xml_params).encode()


def run(connector, business_object=None, **params):
    definition_deploy(files={"svc.bpmn": process(connector, **params)})
    return engine.start_process(
        "svc",
        started_by=UserFactory(username="clerk"),
        business_object=business_object,
        variables={"order_total": 1200},
    )


def test_http_request_posts_process_data_and_keeps_the_answer(fake_server, settings):
    settings.CONNECTOR_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    fake_server.default = (201, {"erp_id": "SO-9"}, 0)
    instance = run("http_request", url=fake_server.url + "/orders", method="POST", body="order_total")
    assert json.loads(fake_server.requests[0]["body"]) == 1200
    instance.refresh_from_db()
    assert instance.variables["answer"] == {"status": 201, "body": {"erp_id": "SO-9"}}


def test_http_request_to_a_host_off_the_allow_list_stops_at_an_incident(settings):
    settings.CONNECTOR_HTTP_ALLOWED_HOSTS = ["erp.example.com"]
    instance = run("http_request", url="http://169.254.169.254/latest/meta-data")
    incident = Incident.objects.get(instance=instance)
    assert incident.element_id == "Call_1"
    assert "169.254.169.254 is not in CONNECTOR_HTTP_ALLOWED_HOSTS" in incident.message
    assert ProcessInstance.objects.get(pk=instance.pk).status == "error"


def test_unknown_connectors_and_missing_parameters_are_located_deploy_errors():
    with pytest.raises(DefinitionRejected) as error:
        definition_deploy(files={"svc.bpmn": process("telepathy")})
    finding = error.value.report.errors[0]
    assert finding.element_id == "Call_1" and finding.line
    assert "connector 'telepathy', which does not exist" in finding.message
    with pytest.raises(DefinitionRejected) as error:
        definition_deploy(files={"svc.bpmn": process("http_request", method="GET")})
    assert "without the parameter(s) url" in error.value.report.errors[0].message


def test_send_notification_tells_users_and_groups():
    finance = GroupFactory(name="finance")
    ann = UserFactory(username="ann")
    ann.groups.add(finance)
    UserFactory(username="bob")
    instance = run(
        "send_notification",
        template="task_due_soon",
        to="finance, bob",
        task="Pay invoice",
        process="billing",
        subject="ACME",
        due="Friday",
    )
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["ann", "bob"]
    instance.refresh_from_db()
    assert instance.variables["answer"] == {"notified": ["ann", "bob"]}


def test_update_record_sets_only_allowed_fields_and_audits_them():
    clerk = UserFactory()
    note = Note.objects.create(title="draft", owner=clerk)
    run("update_record", business_object=note, title="approved")
    note.refresh_from_db()
    assert note.title == "approved"
    from audit.models import AuditEvent

    assert AuditEvent.objects.get(action="change").changes == {"title": ["draft", "approved"]}


def test_update_record_refuses_fields_the_model_does_not_allow():
    owner, other = UserFactory(), UserFactory()
    note = Note.objects.create(title="draft", owner=owner)
    instance = run("update_record", business_object=note, owner_id=str(other.pk))
    assert "does not allow processes to set owner_id" in Incident.objects.get(instance=instance).message
    note.refresh_from_db()
    assert (note.owner_id, note.title) == (owner.pk, "draft")


def test_erp_export_posts_the_business_object_and_fields(fake_server, settings):
    settings.ERP_EXPORT_URL = fake_server.url + "/erp"
    settings.ERP_EXPORT_KEY = "erp-key"
    note = Note.objects.create(title="Order 42", owner=UserFactory())
    run("erp_export", business_object=note, fields="order_total")
    request = fake_server.requests[0]
    assert request["headers"]["Authorization"] == "Bearer erp-key"
    assert json.loads(request["body"]) == {
        "business_object": {"type": "testapp.note", "id": str(note.pk), "label": "Order 42"},
        "data": {"order_total": 1200},
    }
