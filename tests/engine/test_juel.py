"""Conditions written in JUEL (`${...}`) by the modelers of Java engines (Camunda, Activiti,
Flowable) run in Baton: translated once at deployment, or refused there with a located finding —
never deployed to fail at the first instance."""

import re
from pathlib import Path

import pytest

from engine import services
from engine.errors import DefinitionInvalid
from engine.juel import JuelUnsupported, to_python
from engine.models import HumanTask

CAMUNDA = Path(__file__).parent / "conformance" / "data" / "camunda-platform"


@pytest.mark.parametrize(
    ("juel", "variables", "expected"),
    [
        ("${amount > 1000 && !urgent}", {"amount": 1500, "urgent": False}, True),
        ("${amount gt 1000 and not urgent}", {"amount": 1500, "urgent": True}, False),
        ("${empty note}", {"note": ""}, True),
        ("${empty note}", {"note": None}, True),
        ("${not empty note}", {"note": "call back"}, True),
        (
            "${customer.level == 'vip' || customer['credit'] ge 5}",
            {"customer": {"level": "a", "credit": 5}},
            True,
        ),
        ("${n mod 2 eq 0 ? 'even' : 'odd'}", {"n": 7}, "odd"),
        ('${execution.getVariable("amount") <= 10}', {"amount": 10}, True),
        ('${status == "done" || retries > 3}', {"status": "open", "retries": 4}, True),
        ("${(a + b) * 2 / 4 != 3 - -1}", {"a": 1, "b": 3}, True),
        ("#{approved == true && comment != null}", {"approved": True, "comment": "ok"}, True),
    ],
)
def test_a_juel_condition_means_the_same_in_python(juel, variables, expected):
    assert eval(to_python(juel), {"__builtins__": {}}, dict(variables)) == expected


@pytest.mark.parametrize(
    ("juel", "reason"),
    [
        ("${orderService.check(amount)}", "Java method “check()”"),
        ("${x instanceof Number}", "instanceof"),
        ("${input == 1}", "“input” is reserved"),
        ("${execution.getProcessInstanceId() != null}", "execution.getProcessInstanceId"),
        ("${amount > }", "unexpected"),
        ("${nrOfCompletedInstances / nrOfInstances >= 0.6}", "multi-instance"),
    ],
)
def test_what_only_a_java_engine_can_run_is_refused_with_the_reason(juel, reason):
    with pytest.raises(JuelUnsupported, match=re.escape(reason)):
        to_python(juel)


@pytest.mark.django_db
def test_juel_conditions_route_the_instance(deploy):
    deploy("juel_routing.bpmn")

    def first_task(**variables):
        instance = services.start_process("juel_routing", started_by=None, variables=variables)
        return HumanTask.objects.get(instance=instance, status="ready").element_id

    assert first_task(order={"amount": 5000}, urgent=False, reason="") == "director"
    assert first_task(order={"amount": 5000}, urgent=True, reason="the line is down") == "fast_lane"
    assert first_task(order={"amount": 5000}, urgent=True, reason="") == "manager"
    assert first_task(order={"amount": 200}, urgent=False, reason="") == "manager"


@pytest.mark.django_db
def test_a_camunda_model_with_a_reserved_variable_is_refused_on_each_flow():
    # given Camunda's own diverging-gateway test model, whose variable is named `input`
    name = "ExclusiveGatewayTest.testDivergingExclusiveGateway.bpmn20.xml"
    # when it is deployed, then it is refused before any instance runs, each condition located
    with pytest.raises(DefinitionInvalid) as refused:
        services.definition_deploy(files={name: (CAMUNDA / name).read_bytes()})
    located = {(f["file"], f["element_id"]) for f in refused.value.findings}
    assert located == {(name, "flow2"), (name, "flow3"), (name, "flow4")}
    assert all("rename the variable" in f["message"] for f in refused.value.findings)
    # and with the variable renamed it deploys and routes as Camunda's test expects
    renamed = (CAMUNDA / name).read_bytes().replace(b"${input ==", b"${choice ==")
    services.definition_deploy(files={name: renamed})
    instance = services.start_process("exclusiveGwDiverging", started_by=None, variables={"choice": 2})
    assert list(HumanTask.objects.filter(instance=instance).values_list("element_id", flat=True)) == [
        "theTask2"
    ]


@pytest.mark.django_db
def test_a_javascript_condition_or_script_is_a_located_finding():
    xml = (CAMUNDA / "ParallelGatewayTest.testForkFollowedByOnlyEndEvents.bpmn20.xml").read_text()
    xml = xml.replace(
        '<endEvent id="end2" />',
        '<endEvent id="end2" />\n<scriptTask id="js" name="Compute" scriptFormat="javascript">'
        "<script>var x = 1;</script></scriptTask>",
    )
    with pytest.raises(DefinitionInvalid) as refused:
        services.definition_deploy(files={"js.bpmn": xml})
    [finding] = [f for f in refused.value.findings if f["element_id"] == "js"]
    assert "javascript" in finding["message"] and "Python" in finding["message"]
