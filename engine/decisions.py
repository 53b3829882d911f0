"""DMN decision tables outside a running process: what a deployment's tables ask and answer, and
a table's test rows (sample inputs, expected outputs) run through the same DMN evaluation a
business rule task uses (SpiffWorkflow's DMN engine with Baton's sandboxed script engine).

A test row gives one value per input column (a literal: 150000, "gold", true), not process
data: each input's expression is replaced by its sample value, so a row tests the table's rules
whatever the process data around it looks like.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from lxml import etree

from . import parsing, runtime

MAX_TEST_ROWS = 200


@dataclass
class DecisionTableInfo:
    decision_id: str
    name: str
    file: str
    inputs: list[dict] = field(default_factory=list)  # {"label", "expression"}
    outputs: list[dict] = field(default_factory=list)  # {"name", "label"}


@dataclass
class TestOutcome:
    inputs: list
    expected: dict
    actual: dict | None = None
    passed: bool = False
    error: str = ""


def _roots(files: dict[str, str]):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for name, text in files.items():
        if not name.lower().endswith(".dmn"):
            continue
        try:
            root = etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text, parser)
        except etree.XMLSyntaxError:
            continue
        if parsing._is_dmn(root):
            yield name, root


def decision_tables(files: dict[str, str]) -> list[DecisionTableInfo]:
    """Every decision table of the deployment's DMN files, with its input and output columns."""
    tables = []
    for name, root in _roots(files):
        for decision in root.iter():
            if not isinstance(decision.tag, str) or etree.QName(decision).localname != "decision":
                continue
            table = next(
                (
                    c
                    for c in decision
                    if isinstance(c.tag, str) and etree.QName(c).localname == "decisionTable"
                ),
                None,
            )
            if table is None:
                continue
            info = DecisionTableInfo(decision.get("id") or "", decision.get("name") or "", name)
            for column in table:
                if not isinstance(column.tag, str):
                    continue
                kind = etree.QName(column).localname
                if kind == "input":
                    text = column.find(".//{*}inputExpression/{*}text")
                    expression = (text.text or "").strip() if text is not None else ""
                    info.inputs.append({"label": column.get("label") or expression, "expression": expression})
                elif kind == "output":
                    info.outputs.append(
                        {
                            "name": column.get("name") or "",
                            "label": column.get("label") or column.get("name") or "",
                        }
                    )
            tables.append(info)
    return tables


class _Workflow:
    def __init__(self):
        self.script_engine = runtime.script_engine()


class _Task:
    """What SpiffWorkflow's DMN engine reads of a task: its data and its workflow's script engine."""

    def __init__(self, data: dict):
        self.data = data
        self.workflow = _Workflow()
        self.task_spec = SimpleNamespace(bpmn_id="", bpmn_name="", name="", position={}, description="")
        self.id = None

    def _get_internal_data(self, *_args, **_kwargs):
        return None


def _engine(files: dict[str, str], decision_id: str):
    parser = parsing.BatonCamundaParser()
    for name, root in _roots(files):
        parser.add_dmn_xml(root, filename=name)
    return parser.get_engine(decision_id, None)


def literal(text) -> Any:
    """A test cell as a value: JSON when it reads as JSON (150000, "gold", true, null), else the
    text itself; an empty cell is None."""
    if not isinstance(text, str):
        return text
    text = text.strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _reason(error: BaseException) -> str:
    """Why a row could not be evaluated: the evaluation's own error (SpiffWorkflow wraps it in a
    task error, which our stand-in task cannot fully describe), in one line."""
    while error.__context__ is not None and error.__context__ is not error:
        error = error.__context__
    message = getattr(error, "message", None) or str(error) or error.__class__.__name__
    return str(message).splitlines()[0][:300]


def decision_test(files: dict[str, str], decision_id: str, rows: list[dict]) -> list[TestOutcome]:
    """Run each test row ({"inputs": [cell per input column], "expected": {output name: cell}})
    and say whether the table answered what was expected (an expected cell left empty is not
    checked). A table that cannot be evaluated fails every row with the reason."""
    outcomes = [
        TestOutcome(inputs=list(r.get("inputs") or []), expected=dict(r.get("expected") or {}))
        for r in rows[:MAX_TEST_ROWS]
    ]
    try:
        engine = _engine(files, decision_id)
    except Exception as error:  # a broken table fails its tests with the reason, never a 500
        for outcome in outcomes:
            outcome.error = parsing._finding_from(error, decision_id)["message"]
        return outcomes
    table = engine.decision_table
    for number, column in enumerate(table.inputs):
        column.expression = f"dmn_sample_{number}"
    for outcome in outcomes:
        data = {f"dmn_sample_{n}": literal(v) for n, v in enumerate(outcome.inputs[: len(table.inputs)])}
        for n in range(len(outcome.inputs), len(table.inputs)):
            data[f"dmn_sample_{n}"] = None
        try:
            outcome.actual = runtime.json_safe(engine.result(_Task(data)))
        except Exception as error:  # the row's inputs do not fit the rules' expressions
            outcome.error = _reason(error)
            continue
        checked = {k: literal(v) for k, v in outcome.expected.items() if str(v).strip() != ""}
        outcome.passed = all(outcome.actual.get(k) == v for k, v in checked.items())
    return outcomes
