"""BPMN as other modelers write it: deployed when the engine can run it, rejected in words otherwise.

Each case is a construct a designer's file really contains (a collaboration with documentation
pools, no isExecutable attribute, event subprocesses, a shared signal definition) or a mistake a
modeler lets through (an end event with an outgoing flow, a flow to a deleted element).
"""

import pytest

from engine import services as engine
from engine.models import MessageSubscription, ProcessInstance, Timer
from processes.services import definition_deploy
from processes.validation import definition_validate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">\n'
)
TAIL = "</bpmn:definitions>\n"


def straight(process_id="review", executable='isExecutable="true"', body="", extra_flow=""):
    """start → a user task for the starter → end, plus whatever a case adds inside the process."""
    return f"""
  <bpmn:process id="{process_id}" name="Review" {executable}>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check" name="Check it" camunda:assignee="${{initiator}}">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end" />
    {extra_flow}
    {body}
  </bpmn:process>
"""


def upload(*parts: str) -> dict[str, bytes]:
    return {"model.bpmn": (HEAD + "".join(parts) + TAIL).encode()}


def messages(report) -> str:
    return " | ".join(f.message for f in report.findings)


# -- pools and executability -------------------------------------------------------------------


COLLABORATION = """
  <bpmn:collaboration id="Collab">
    <bpmn:participant id="p_customer" name="Customer" processRef="customer_side" />
    <bpmn:participant id="p_company" name="Company" processRef="review" />
  </bpmn:collaboration>
  <bpmn:process id="customer_side" name="Customer" isExecutable="false">
    <bpmn:task id="asks" name="Asks for a review" />
  </bpmn:process>
"""


def test_the_executable_pool_of_a_collaboration_with_documentation_pools_deploys():
    # given the default of a popular modeler: one executable pool beside a non-executable one
    files = upload(COLLABORATION, straight())
    # when it is validated and deployed
    report = definition_validate(files)
    # then it is accepted and the executable pool names the process
    assert report.ok, messages(report)
    assert report.key == "review"
    definition = definition_deploy(files=files).definition
    instance = engine.start_process(definition.key, started_by=UserFactory())
    assert instance.status == ProcessInstance.Status.RUNNING


def test_a_process_without_is_executable_deploys_with_a_warning():
    files = upload(straight(executable=""))
    report = definition_validate(files)
    assert report.ok, messages(report)
    assert any("isExecutable" in w.message for w in report.warnings)
    assert definition_deploy(files=files).definition.key == "review"


def test_a_file_whose_every_process_is_marked_not_executable_is_refused_in_words():
    report = definition_validate(upload(straight(executable='isExecutable="false"')))
    assert not report.ok
    error = report.errors[0]
    assert error.element_id == "review" and "Executable" in error.message


# -- mistakes a modeler lets through -----------------------------------------------------------


def test_an_end_event_with_an_outgoing_flow_is_located_and_nothing_is_deployed():
    files = upload(
        straight(
            body='<bpmn:task id="after" name="After the end"><bpmn:incoming>f3</bpmn:incoming></bpmn:task>',
            extra_flow='<bpmn:sequenceFlow id="f3" sourceRef="end" targetRef="after" />',
        )
    )
    report = definition_validate(files)
    assert not report.ok
    error = next(f for f in report.errors if f.element_id == "end")
    assert "end event" in error.message.lower() and "outgoing" in error.message.lower()


def test_a_flow_to_a_missing_element_is_named_on_the_flow_in_a_designers_words():
    report = definition_validate(
        upload(straight(extra_flow='<bpmn:sequenceFlow id="dangling" sourceRef="check" targetRef="gone" />'))
    )
    assert not report.ok
    error = next(f for f in report.errors if f.element_id == "dangling")
    assert "'gone'" in error.message
    assert "task spec" not in messages(report) and "SubWorkflow" not in messages(report)


def test_every_error_is_listed_not_only_the_first():
    report = definition_validate(
        upload(
            straight(
                body='<bpmn:task id="after" name="After"><bpmn:incoming>f3</bpmn:incoming></bpmn:task>',
                extra_flow='<bpmn:sequenceFlow id="f3" sourceRef="end" targetRef="after" />'
                '<bpmn:sequenceFlow id="dangling" sourceRef="check" targetRef="gone" />',
            )
        )
    )
    assert {"end", "dangling"} <= {f.element_id for f in report.errors}


def test_an_unconnected_task_is_a_warning_on_that_task():
    report = definition_validate(upload(straight(body='<bpmn:task id="lonely" name="Forgotten step" />')))
    assert report.ok, messages(report)
    warning = next(f for f in report.warnings if f.element_id == "lonely")
    assert "Forgotten step" in warning.message and "not connected" in warning.message


# -- event subprocesses are not process starts ---------------------------------------------------


SIGNAL_SUBPROCESS = """
    <bpmn:subProcess id="on_recall" triggeredByEvent="true">
      <bpmn:startEvent id="recall_start" isInterrupting="true">
        <bpmn:outgoing>s1</bpmn:outgoing>
        <bpmn:signalEventDefinition id="sig_def" signalRef="recall" />
      </bpmn:startEvent>
      <bpmn:endEvent id="recall_end"><bpmn:incoming>s1</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="recall_start" targetRef="recall_end" />
    </bpmn:subProcess>
"""
TIMER_SUBPROCESS = """
    <bpmn:subProcess id="reminder" triggeredByEvent="true">
      <bpmn:startEvent id="remind_start" isInterrupting="false">
        <bpmn:outgoing>t1</bpmn:outgoing>
        <bpmn:timerEventDefinition id="timer_def">
          <bpmn:timeDuration>P1D</bpmn:timeDuration>
        </bpmn:timerEventDefinition>
      </bpmn:startEvent>
      <bpmn:endEvent id="remind_end"><bpmn:incoming>t1</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="t1" sourceRef="remind_start" targetRef="remind_end" />
    </bpmn:subProcess>
"""


def test_an_event_subprocess_start_never_starts_new_instances():
    # given a process whose event subprocesses start on a signal and on a timer
    files = upload(
        straight(body=SIGNAL_SUBPROCESS + TIMER_SUBPROCESS), '<bpmn:signal id="recall" name="recall" />'
    )
    definition = definition_deploy(files=files).definition
    # then neither is registered as a way to start the process
    assert not MessageSubscription.objects.filter(definition=definition, instance__isnull=True).exists()
    assert not Timer.objects.filter(definition=definition, instance__isnull=True).exists()
    # and starting one instance starts exactly one, whatever signals are then thrown
    engine.start_process("review", started_by=UserFactory())
    engine.broadcast_signal("recall")
    assert ProcessInstance.objects.filter(key="review").count() == 1


# -- shared event definitions --------------------------------------------------------------------


def test_a_signal_referenced_through_event_definition_ref_deploys_and_is_caught():
    # given a wait on a signal written as a reference to a shared definition
    wait = """
    <bpmn:intermediateCatchEvent id="wait_recall" name="Recall">
      <bpmn:incoming>w1</bpmn:incoming><bpmn:outgoing>w2</bpmn:outgoing>
      <bpmn:eventDefinitionRef>shared_recall</bpmn:eventDefinitionRef>
    </bpmn:intermediateCatchEvent>
    <bpmn:startEvent id="start"><bpmn:outgoing>w1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>w2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="w1" sourceRef="start" targetRef="wait_recall" />
    <bpmn:sequenceFlow id="w2" sourceRef="wait_recall" targetRef="end" />
    """
    files = upload(
        '<bpmn:signal id="recall" name="recall" />',
        '<bpmn:signalEventDefinition id="shared_recall" signalRef="recall" />',
        f'<bpmn:process id="waits" isExecutable="true">{wait}</bpmn:process>',
    )
    report = definition_validate(files)
    assert report.ok, messages(report)
    definition_deploy(files=files)
    instance = engine.start_process("waits", started_by=UserFactory())
    assert instance.status == ProcessInstance.Status.RUNNING
    engine.broadcast_signal("recall")
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED


# -- nothing changed -----------------------------------------------------------------------------


def test_the_same_model_saved_again_by_a_modeler_is_not_a_new_version():
    original = upload(straight())
    first = definition_deploy(files=original)
    # a modeler re-serialises: other indentation, attributes in another order, a final newline
    body = original["model.bpmn"].decode()
    resaved = body.replace("\n    ", "\n        ").replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />',
        '<bpmn:sequenceFlow targetRef="check" id="f1" sourceRef="start"></bpmn:sequenceFlow>',
    )
    assert resaved != body
    again = definition_deploy(files={"model.bpmn": resaved.encode()})
    assert not again.created and again.definition.pk == first.definition.pk
    # while a real change is a new version
    changed = definition_deploy(files={"model.bpmn": body.replace("Check it", "Check it twice").encode()})
    assert changed.created and changed.definition.version == first.definition.version + 1


# -- words, not internals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "TypeError('NoneType' object is not iterable)",
        "<SpiffWorkflow.bpmn.specs.defaults.UserTask object at 0x7f3a2c>",
        "AttributeError(\"'NoneType' object has no attribute 'get'\")",
    ],
)
def test_a_librarys_exception_text_never_reaches_the_designer(raw):
    from processes.validation import _humanize

    message = _humanize(raw, "Approve")
    assert "'Approve'" in message
    assert "Error(" not in message and "0x" not in message and "SpiffWorkflow" not in message


def test_library_jargon_is_translated_into_modeling_words():
    from processes.validation import _humanize

    assert "SubWorkflow" not in _humanize("SubWorkflow 'x' failed to load", "")


def test_a_deciding_gateway_without_a_default_is_a_warning_on_the_gateway():
    decide = """
    <bpmn:exclusiveGateway id="gw" name="Large order?"><bpmn:incoming>g0</bpmn:incoming>
      <bpmn:outgoing>g1</bpmn:outgoing><bpmn:outgoing>g2</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:startEvent id="start"><bpmn:outgoing>g0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="big"><bpmn:incoming>g1</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="small"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="g0" sourceRef="start" targetRef="gw" />
    <bpmn:sequenceFlow id="g1" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression>amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="g2" sourceRef="gw" targetRef="small">
      <bpmn:conditionExpression>amount &lt; 50</bpmn:conditionExpression></bpmn:sequenceFlow>
    """
    report = definition_validate(
        upload(f'<bpmn:process id="sizes" isExecutable="true">{decide}</bpmn:process>')
    )
    assert report.ok, messages(report)
    warning = next(f for f in report.warnings if f.element_id == "gw")
    assert "Large order?" in warning.message and "default" in warning.message
    # with a default flow there is nothing to say
    with_default = decide.replace('name="Large order?"', 'name="Large order?" default="g2"')
    report = definition_validate(
        upload(f'<bpmn:process id="sizes" isExecutable="true">{with_default}</bpmn:process>')
    )
    assert not any(f.element_id == "gw" for f in report.warnings)
