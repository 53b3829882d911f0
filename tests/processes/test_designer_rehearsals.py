"""What the designer runs without running the process for real: a test run calls no connector
and leaves no row behind; a decision table's test rows pass or fail through the engine's DMN
evaluation and are saved with the table in a new draft."""

from pathlib import Path

import pytest

from engine import services
from engine.connectors import unregister_connector
from engine.models import DefinitionVersion, InstanceEvent, ProcessInstance, Timer
from processes import selectors
from processes.services import (
    DefinitionRejected,
    decision_save,
    decision_tests_run,
    definition_deploy,
    draft_test_run,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTIFY = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="notify" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="A day later">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="send" />
    <bpmn:serviceTask id="send" name="Send the letter" camunda:topic="test.send" />
    <bpmn:sequenceFlow id="f3" sourceRef="send" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""

DMN = (Path(__file__).parents[2] / "bpmn" / "order_approver.dmn").read_text()
SHIPPED = Path(__file__).parents[2] / "bpmn"
ORDER = {p.name: p.read_bytes() for p in SHIPPED.glob("order_approval.*")}


@pytest.fixture
def sent():
    calls = []
    services.register_connector("test.send", lambda params, data: calls.append(data))
    yield calls
    unregister_connector("test.send")


def test_a_test_run_waits_out_its_timer_and_rehearses_the_connector_without_calling_it(sent):
    # given a draft that waits a day, then sends a letter through a connector
    designer = UserFactory(username="lin.feng", perms=["processes.add_deploymentlog"])
    draft = definition_deploy(files={"notify.bpmn": NOTIFY}, actor=designer, activate=False).definition
    # when the designer test-runs it
    run = draft_test_run(actor=designer, key="notify", version=draft.version)
    # then the run reaches its end, the connector call is listed but never made
    assert run.finished and [e for e, _n, _k in run.path][-3:] == ["wait", "send", "e"]
    assert run.service_calls == [{"connector": "test.send", "params": {}}]
    assert sent == []
    # and no instance, timer or history row exists
    assert not ProcessInstance.objects.exists() and not Timer.objects.filter(instance__isnull=False).exists()
    assert not InstanceEvent.objects.exists()


def test_decision_test_rows_pass_or_fail_and_are_saved_with_the_table():
    designer = UserFactory(username="lin.feng", perms=["processes.add_deploymentlog"])
    v1 = definition_deploy(files={**ORDER, "order_approver.dmn": DMN.encode()}).definition
    rows = [
        {"inputs": ["150000", "5"], "expected": {"approvers": "manager_finance"}},
        {
            "inputs": ["1000", "25"],
            "expected": {"approvers": "manager"},
        },  # wrong: a 25% discount goes to finance
        {"inputs": ["a lot", "5"], "expected": {}},
    ]
    # when the rows run against the table
    results = decision_tests_run(files=v1.files, decision_id="order_approver", tests=rows)
    # then each row passes, fails with what the table answered, or says why it could not run
    assert [r.passed for r in results] == [True, False, False]
    assert results[1].actual == {"approvers": "manager_finance"}
    assert results[2].error and "Traceback" not in results[2].error

    # when the designer saves the table with its rows
    saved = decision_save(
        actor=designer,
        key="order_approval",
        version=v1.version,
        dmn_file="order_approver.dmn",
        xml=DMN,
        decision_id="order_approver",
        tests=rows,
    ).definition
    # then a draft holds them; the active version is untouched
    assert saved.version == 2 and not saved.active
    kept = selectors.decision_tests(saved, "order_approver.dmn", "order_approver")
    assert len(kept) == 3 and kept[0]["inputs"] == ["150000", "5"]
    assert DefinitionVersion.objects.get(key="order_approval", active=True).version == 1
    # and a broken table is refused with the finding, nothing saved
    with pytest.raises(DefinitionRejected):
        decision_save(
            actor=designer,
            key="order_approval",
            version=2,
            dmn_file="order_approver.dmn",
            xml=DMN.replace("<decisionTable", "<decisionTable><oops/"),
            decision_id="order_approver",
            tests=rows,
        )
    assert not DefinitionVersion.objects.filter(key="order_approval", version=3).exists()
