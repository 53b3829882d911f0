"""Every upload is either deployable or rejected with findings a designer can act on."""

import time
from pathlib import Path

import pytest

from processes.validation import definition_validate

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
GOOD = (DATA / "approval.bpmn").read_bytes()


def only_error(report):
    assert not report.ok, report.as_dict()
    return report.errors[0]


def test_a_good_camunda_file_validates_with_its_key_and_tasks():
    report = definition_validate({"approval.bpmn": GOOD})
    assert report.ok, report.as_dict()
    assert report.key == "expense_approval" and report.name == "Expense approval"
    assert set(report.metadata["user_tasks"]) == {"Request", "Approve"}


def test_malformed_xml_is_located_by_line():
    broken = GOOD.replace(b"</bpmn:userTask>", b"</bpmn:usertask>", 1)
    error = only_error(definition_validate({"approval.bpmn": broken}))
    broken_line = broken[: broken.index(b"</bpmn:usertask>")].count(b"\n") + 1
    assert error.file == "approval.bpmn" and error.line == broken_line
    assert "not well-formed XML" in error.message


def test_a_truncated_file_is_rejected_not_crashed():
    error = only_error(definition_validate({"approval.bpmn": GOOD[: len(GOOD) // 2]}))
    assert "not well-formed XML" in error.message


def test_the_wrong_namespace_is_explained():
    wrong = GOOD.replace(b"http://www.omg.org/spec/BPMN/20100524/MODEL", b"http://example.com/bpmn")
    error = only_error(definition_validate({"approval.bpmn": wrong}))
    assert "a BPMN 2.0 file starts with" in error.message and error.file == "approval.bpmn"


def test_xml_entity_expansion_is_refused_quickly():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
            for i in range(1, 10)
        )
        + b']><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</definitions>'
    )
    started = time.perf_counter()
    error = only_error(definition_validate({"laughs.bpmn": laughs}))
    assert "DTDs" in error.message
    assert time.perf_counter() - started < 5  # generous: expansion would take minutes and GBs


def test_external_entities_are_never_read():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="&x;"/>'
    )
    report = definition_validate({"xxe.bpmn": xxe})
    assert not report.ok
    assert "root:" not in str(report.as_dict())


def test_a_50_megabyte_file_is_rejected_by_size_before_parsing():
    huge = GOOD + b"<!--" + b"x" * (50 * 1024 * 1024) + b"-->"
    error = only_error(definition_validate({"huge.bpmn": huge}))
    assert "at most 5 MB" in error.message and error.file == "huge.bpmn"


def test_unknown_file_kinds_and_empty_uploads_are_named():
    assert "Unknown kind of file" in only_error(definition_validate({"notes.txt": b"hi"})).message
    assert "No files" in only_error(definition_validate({})).message


def test_a_non_executable_process_is_rejected_with_the_fix():
    report = definition_validate({"a.bpmn": GOOD.replace(b'isExecutable="true"', b'isExecutable="false"')})
    error = only_error(report)
    assert error.element_id == "expense_approval"
    assert "not marked executable" in error.message


def test_an_unsupported_complex_gateway_is_named_with_its_line():
    complex_gw = GOOD.replace(
        b'<bpmn:endEvent id="EndEvent_1"',
        b'<bpmn:complexGateway id="Gateway_12" name="Odd join" />\n    <bpmn:endEvent id="EndEvent_1"',
    )
    error = only_error(definition_validate({"a.bpmn": complex_gw}))
    assert error.element_id == "Gateway_12"
    assert error.message.startswith("complexGateway 'Gateway_12' (line ")
    assert "is not supported" in error.message


def test_a_call_to_a_process_that_does_not_exist_is_an_error():
    calling = GOOD.replace(
        b'<bpmn:endEvent id="EndEvent_1"',
        b'<bpmn:callActivity id="Call_1" name="Check credit" calledElement="credit_check" />\n'
        b'    <bpmn:endEvent id="EndEvent_1"',
    )
    error = only_error(definition_validate({"a.bpmn": calling}))
    assert error.element_id == "Call_1" and "'credit_check'" in error.message


def test_a_task_without_any_owner_is_a_warning_not_an_error():
    ownerless = GOOD.replace(b' camunda:candidateGroups="sales_managers"', b"").replace(
        b"<bpmn:flowNodeRef>Approve</bpmn:flowNodeRef>", b""
    )
    report = definition_validate({"a.bpmn": ownerless})
    assert report.ok
    assert any(w.element_id == "Approve" and "has no owner" in w.message for w in report.warnings)


def test_a_missing_form_file_is_an_error_on_the_task():
    with_form = GOOD.replace(
        b'<bpmn:userTask id="Approve" name="Approve the expense" camunda:candidateGroups="sales_managers">',
        b'<bpmn:userTask id="Approve" name="Approve the expense" camunda:candidateGroups="sales_managers" '
        b'camunda:formKey="approve-form.json">',
    )
    error = only_error(definition_validate({"a.bpmn": with_form}))
    assert error.element_id == "Approve" and "approve-form.json" in error.message
    assert definition_validate({"a.bpmn": with_form, "approve-form.json": b'{"type": "object"}'}).ok


def test_broken_script_syntax_is_located_on_the_script_task():
    scripted = GOOD.replace(
        b'<bpmn:endEvent id="EndEvent_1"',
        b'<bpmn:scriptTask id="Script_1" name="Compute"><bpmn:script>total = (1 +</bpmn:script>'
        b'</bpmn:scriptTask>\n    <bpmn:endEvent id="EndEvent_1"',
    ).replace(
        b'<bpmn:sequenceFlow id="Flow_3" sourceRef="Approve" targetRef="EndEvent_1" />',
        b'<bpmn:sequenceFlow id="Flow_3" sourceRef="Approve" targetRef="Script_1" />'
        b'<bpmn:sequenceFlow id="Flow_4" sourceRef="Script_1" targetRef="EndEvent_1" />',
    )
    report = definition_validate({"a.bpmn": scripted})
    assert any(e.element_id == "Script_1" for e in report.errors), report.as_dict()


def test_element_ids_the_engine_reserves_are_refused_with_the_fix():
    clash = GOOD.replace(b'id="StartEvent_1"', b'id="Start"').replace(
        b'sourceRef="StartEvent_1"', b'sourceRef="Start"'
    )
    error = only_error(definition_validate({"a.bpmn": clash}))
    assert error.element_id == "Start" and "reserved by the engine" in error.message
