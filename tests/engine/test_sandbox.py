"""The script sandbox: hostile scripts are refused with a clear error, normal scripts work, and the
sandbox runs real BPMN through SpiffWorkflow."""

import datetime
import time

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import (
    SandboxedEnvironment,
    SandboxedScriptEngine,
    SandboxLimits,
    ScriptDataError,
    ScriptRefused,
    ScriptTimeout,
    ScriptTooLarge,
    check_expression,
    check_script,
)

FAST = SandboxLimits(time_limit_ms=200)
# Allocation-heavy loops hit the allocation budget, or on a busy machine the clock first: both refuse.
ALLOCATION = (ScriptTooLarge, ScriptTimeout)


@pytest.fixture
def env():
    return SandboxedEnvironment({"manager_of": lambda username: f"manager-of-{username}"}, limits=FAST)


HOSTILE_SCRIPTS = {
    "import": ("import os", ScriptRefused),
    "from-import": ("from os import system", ScriptRefused),
    "__import__": ("__import__('os').system('true')", ScriptRefused),
    "open": ("data = open('/etc/passwd').read()", ScriptRefused),
    "subclasses": ("x = ().__class__.__mro__[1].__subclasses__()", ScriptRefused),
    "getattr-dunder": ("x = getattr(amount, '__globals__')", ScriptRefused),
    "getattr-dunder-on-function": ("f = lambda: 0\nx = getattr(f, '__globals__')", ScriptRefused),
    "code-object": ("x = (lambda: 0).__code__", ScriptRefused),
    "eval": ("x = eval('1')", ScriptRefused),
    "exec": ("exec('x = 1')", ScriptRefused),
    "compile": ("x = compile('1', 'f', 'eval')", ScriptRefused),
    "globals": ("x = globals()", ScriptRefused),
    "vars": ("x = vars()", ScriptRefused),
    "format-attack": ("x = '{0.__class__}'.format(amount)", ScriptRefused),
    "format-map-attack": ("x = '{a.__class__}'.format_map({'a': 1})", ScriptRefused),
    "class-definition": ("class A:\n    pass", ScriptRefused),
    "unbound-join": ("x = str.join('', ['a'])", ScriptRefused),
    "huge-string": ("x = 'x' * 10**10", ScriptTooLarge),
    "huge-list": ("x = [0] * 10**9", ScriptTooLarge),
    "huge-power": ("x = 10**10**10", ScriptTooLarge),
    "huge-pow-builtin": ("x = pow(10, 10**10)", ScriptTooLarge),
    "huge-shift": ("x = 1 << 10**10", ScriptTooLarge),
    "huge-int-from-decimal": ("x = int(Decimal('1e999999999'))", ScriptTooLarge),
    "wide-zip": ("r = list(range(10**5))\nx = list(zip(*[r] * 1000))", ScriptTooLarge),
    "zip-amplification": ("r = list(range(10**6))\nx = list(zip(*[r] * 60))", ScriptTooLarge),
    "huge-range": ("x = list(range(10**10))", ScriptTooLarge),
    "huge-padding": ("x = 'a'.ljust(10**10)", ScriptTooLarge),
    "huge-f-string-width": ("x = f'{amount:>1000000000}'", ScriptRefused),
    "huge-percent-width": ("x = '%*d' % (10**9, 1)", ScriptTooLarge),
    "doubling-string": ("s = 'x'\nwhile True:\n    s = s + s", ALLOCATION),
    "doubling-list": ("l = [1]\nwhile True:\n    l.extend(l)", ALLOCATION),
    "doubling-inplace": ("l = [1]\nwhile True:\n    l += l", ALLOCATION),
    "allocation-in-loop": ("x = [[0] * 10**6 for i in range(1000)]", ALLOCATION),
    "sum-of-lists": ("x = sum([[1] * 1000] * 1000, [])", ScriptRefused),
    "endless-loop": ("while True:\n    pass", ScriptTimeout),
    "endless-loop-one-line": ("while True: pass", ScriptTimeout),
    "endless-loop-swallowing": (
        "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass",
        ScriptTimeout,
    ),
    "endless-comprehension": ("x = [1 for a in range(10**6) for b in range(10**6)]", ScriptTimeout),
    "endless-generator": ("def g():\n    while True:\n        yield 1\nx = max(g())", ScriptTimeout),
}


@pytest.mark.parametrize(("source", "error"), HOSTILE_SCRIPTS.values(), ids=HOSTILE_SCRIPTS.keys())
def test_hostile_script_is_refused(env, source, error):
    # given task data and a hostile script
    data = {"amount": 5}

    # when it runs in the sandbox
    started = time.monotonic()
    with pytest.raises(error) as refused:
        env.execute(source, data)

    # then it is refused with a message, quickly, and the task data is untouched
    assert str(refused.value)
    assert time.monotonic() - started < 5
    assert data == {"amount": 5}


def test_memory_backstop_stops_allocations_no_guard_sees():
    # given a script copying a big string into lists in a loop (list() itself is not guarded)
    env = SandboxedEnvironment(limits=SandboxLimits(time_limit_ms=20_000, max_memory_bytes=64 * 1024 * 1024))
    script = "s = 'a' * 10**6\nx = []\nfor i in range(1000):\n    x.append(list(s))"

    # when it runs, then the growth of resident memory stops it long before the 8 GB it asks for
    with pytest.raises(ScriptTooLarge, match="MB of memory"):
        env.execute(script, {})


def test_hostile_expression_is_refused(env):
    # given conditions trying to escape
    for expression, error in [
        ("().__class__.__bases__[0]", ScriptRefused),
        ("__import__('os')", ScriptRefused),
        ("'x' * 10**10", ScriptTooLarge),
        ("[1 for a in range(10**6) for b in range(10**6)]", ScriptTimeout),
        ("getattr(amount, '__class__')", ScriptRefused),
    ]:
        # when evaluated, then refused
        with pytest.raises(error):
            env.evaluate(expression, {"amount": 1})


def test_normal_script_computes_with_whitelisted_helpers(env):
    # given a script using dates, Decimal, math, comprehensions, unpacking and a helper
    data = {
        "amount": "1200.50",
        "requester": "ann",
        "items": [{"qty": 2, "price": 10}, {"qty": 1, "price": 5}],
    }
    script = "\n".join(
        [
            "total = sum(i['qty'] * i['price'] for i in items)",
            "vat = Decimal(amount) * Decimal('0.2')",
            "due = datetime(2026, 1, 31) + timedelta(days=30)",
            "start = date(2026, 2, 1)",
            "approver = manager_of(requester)",
            "root = math.sqrt(16)",
            "first, second = sorted([3, 1])",
            "labels = {k: v for k, v in zip(['a', 'b'], range(2))}",
            "pairs = [(n, n * n) for n in range(3)]",
            "count = 0",
            "for item in items:",
            "    count += item['qty']",
            "items.append({'qty': 0, 'price': 0})",
            "title = f'{requester} asks {total:.2f}'",
            "tags = {'x', 'y'}",
            "text = ', '.join(['a', 'b']).upper().rjust(6)",
            "kinds = [isinstance(total, int), isinstance(root, float), isinstance(items, list)]",
            "whole = int('42') + int(Decimal('2.5')) + int.from_bytes(b'\\x01', 'big')",
        ]
    )

    # when it runs
    SandboxedEnvironment({"manager_of": lambda username: f"manager-of-{username}"}).execute(script, data)

    # then its results are stored as plain data
    assert data["total"] == 25
    assert data["vat"] == pytest.approx(240.1)
    assert data["due"] == datetime.datetime(2026, 3, 2)
    assert data["start"] == "2026-02-01"  # dates are stored as ISO strings, like form dates
    assert data["approver"] == "manager-of-ann"
    assert data["root"] == 4.0
    assert (data["first"], data["second"]) == (1, 3)
    assert data["labels"] == {"a": 0, "b": 1}
    assert data["pairs"] == [[0, 0], [1, 1], [2, 4]]
    assert data["count"] == 3
    assert len(data["items"]) == 3
    assert data["title"] == "ann asks 25.00"
    assert data["tags"] == ["x", "y"]
    assert data["text"] == "  A, B"
    assert data["kinds"] == [True, True, True]
    assert data["whole"] == 45


def test_script_functions_are_not_stored_and_del_removes_data(env):
    # given a script defining a helper function and deleting a variable
    data = {"a": 1, "b": 2}

    # when it runs
    env.execute("def double(x):\n    return x * 2\nc = double(a)\ndel b", data)

    # then the function is not data and the deleted variable is gone
    assert data == {"a": 1, "c": 2}


def test_unstorable_result_is_refused(env):
    # given a script leaving a non-data object behind
    data = {}

    # when it runs, then it is refused naming the variable
    with pytest.raises(ScriptDataError, match="holder"):
        env.execute("holder = (x for x in [1])", data)
    assert data == {}


def test_helper_must_return_plain_data():
    # given a helper returning an object with methods
    class Employee:
        def delete(self):
            raise AssertionError("must never be callable from a script")

    env = SandboxedEnvironment({"employee": lambda: Employee()}, limits=FAST)

    # when a script calls it, then the result is refused
    with pytest.raises(ScriptDataError):
        env.execute("e = employee()\ne.delete()", {})


def test_helpers_cannot_be_replaced_by_task_data(env):
    # given task data shadowing a helper name
    # when a script runs, then it is refused with the clash named
    with pytest.raises(ScriptRefused, match="manager_of"):
        env.execute("x = 1", {"manager_of": "bob"})


def test_expressions_evaluate_against_task_data(env):
    # given data
    data = {"amount": 1500, "kind": "travel", "when": datetime.datetime(2026, 1, 1)}

    # when conditions are evaluated, then they see data, helpers and date maths
    assert env.evaluate("amount > 1000 and kind == 'travel'", data) is True
    assert env.evaluate("when + timedelta(days=1) > datetime(2026, 1, 1)", data) is True
    assert env.evaluate("manager_of('ann')", data) == "manager-of-ann"
    assert env.evaluate("Decimal('0.1') + Decimal('0.2') == Decimal('0.3')", data) is True


def test_check_script_locates_errors_without_running():
    # given scripts with syntax and restriction errors
    # when checked
    errors = check_script("x = 1\nimport os\ny = x.__class__\nwhile True: pass")
    syntax = check_script("x = (1,\ny = 2")

    # then every error has its line, and nothing ran (no timeout)
    assert errors[0].startswith("Line 2:") and "import" in errors[0]
    assert errors[1].startswith("Line 3:") and "__class__" in errors[1]
    assert len(errors) == 2
    assert syntax and syntax[0].startswith("Line 1:")
    assert check_script("x = 1\ny = x + 1") == []


def test_check_expression_locates_errors():
    assert check_expression("amount > 10") == []
    assert check_expression("amount >")[0].startswith("Line 1:")
    assert "_" in check_expression("amount.__class__")[0]
    assert check_expression("   ") == ["Line 1: the expression is empty."]
    assert check_expression("open('x')")


APPROVAL_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d1" targetNamespace="http://baton">
  <bpmn:process id="sandboxed" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:scriptTask id="compute" name="Compute">
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gateway"/>
    <bpmn:exclusiveGateway id="gateway" default="small"/>
    <bpmn:sequenceFlow id="big" sourceRef="gateway" targetRef="end_big">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">total &gt; 1000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="gateway" targetRef="end_small"/>
    <bpmn:endEvent id="end_big"/>
    <bpmn:endEvent id="end_small"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _workflow(script: str, data: dict) -> BpmnWorkflow:
    parser = BpmnParser()
    parser.add_bpmn_str(APPROVAL_BPMN.replace(b"{script}", script.encode()))
    workflow = BpmnWorkflow(parser.get_spec("sandboxed"), script_engine=SandboxedScriptEngine(limits=FAST))
    workflow.get_tasks(spec_name="Start")[0].data.update(data)
    return workflow


def _completed(workflow: BpmnWorkflow) -> set[str]:
    return {t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)}


@pytest.mark.parametrize(("quantity", "path"), [(30, "end_big"), (3, "end_small")])
def test_bpmn_script_task_and_gateway_run_in_the_sandbox(quantity, path):
    # given a process whose script computes a total and whose gateway branches on it
    workflow = _workflow("total = quantity * Decimal('50.00')", {"quantity": quantity})

    # when it runs
    workflow.do_engine_steps()

    # then the gateway took the branch the sandboxed condition chose
    assert workflow.completed
    assert path in _completed(workflow)
    assert workflow.data["total"] == quantity * 50


def test_bpmn_hostile_script_fails_the_task_and_leaves_workflow_resumable():
    # given a process whose script tries to import os
    workflow = _workflow("import os\ntotal = 1", {"quantity": 1})

    # when it runs
    with pytest.raises(WorkflowTaskException) as failure:
        workflow.do_engine_steps()

    # then the task is in error with the sandbox's message, nothing else ran
    assert failure.value.error_type == "ScriptRefused"
    assert isinstance(failure.value.__cause__, ScriptRefused)
    assert "import statements are not allowed" in str(failure.value)
    errored = workflow.get_tasks(state=TaskState.ERROR)
    assert [t.task_spec.name for t in errored] == ["compute"]
    assert not workflow.completed


def test_bpmn_endless_script_times_out():
    # given a process whose script never ends
    workflow = _workflow("while True:\n    pass", {"quantity": 1})

    # when it runs, then the time limit stops it with a located error
    with pytest.raises(WorkflowTaskException) as failure:
        workflow.do_engine_steps()
    assert isinstance(failure.value.__cause__, ScriptTimeout)
    assert failure.value.line_number == 2
    assert not workflow.completed
