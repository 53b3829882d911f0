"""Connectors act for the user whose step reached them (engine.connectors.acting_user)."""

import pytest

from engine import services
from engine.connectors import acting_user, unregister_connector
from engine.models import HumanTask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="acting" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="first" />
    <bpmn:serviceTask id="first" name="On start" camunda:topic="test.who" />
    <bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="review" />
    <bpmn:userTask id="review" name="Review" camunda:candidateUsers="reviewer" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="second" />
    <bpmn:serviceTask id="second" name="After review" camunda:topic="test.who" />
    <bpmn:sequenceFlow id="f4" sourceRef="second" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def seen():
    calls = []
    services.register_connector("test.who", lambda params, data: calls.append(acting_user(data).username))
    yield calls
    unregister_connector("test.who")


def test_the_starter_then_the_task_completer_is_the_acting_user(seen):
    starter, reviewer = UserFactory(username="starter"), UserFactory(username="reviewer")
    services.definition_deploy(files={"acting.bpmn": PROCESS})
    instance = services.start_process("acting", started_by=starter)
    task = HumanTask.objects.get(instance=instance, status="ready")
    services.complete_task(task.pk, user=reviewer, data={})
    assert seen == ["starter", "reviewer"]
