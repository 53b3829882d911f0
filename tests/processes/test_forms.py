"""Task forms: where each form comes from, Camunda formData conversion, per-field validation."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processes.forms import (
    coerce_form_data,
    schema_from_camunda_fields,
    task_form,
    validate_form_data,
)

CAMUNDA_FIELDS = [
    {
        "id": "amount",
        "label": "Amount (CNY)",
        "type": "long",
        "required": True,
        "constraints": {"min": "1", "max": "50000"},
    },
    {
        "id": "purpose",
        "label": "Purpose",
        "type": "string",
        "required": True,
        "constraints": {"maxlength": "20"},
    },
    {"id": "spent_on", "label": "Date", "type": "date"},
    {
        "id": "category",
        "label": "Category",
        "type": "enum",
        "enum": [{"id": "travel", "name": "Travel"}, {"id": "meals", "name": "Meals"}],
    },
    {"id": "urgent", "label": "Urgent", "type": "boolean", "default": "false"},
    {"id": "ref", "label": "Reference", "type": "string", "readonly": True, "required": True},
]


def test_camunda_form_fields_become_a_json_schema_with_constraints():
    schema = schema_from_camunda_fields(CAMUNDA_FIELDS)
    props = schema["properties"]
    assert props["amount"] == {"type": "integer", "title": "Amount (CNY)", "minimum": 1, "maximum": 50000}
    assert props["purpose"]["maxLength"] == 20
    assert props["spent_on"] == {"type": "string", "format": "date", "title": "Date"}
    assert [o["const"] for o in props["category"]["oneOf"]] == ["travel", "meals"]
    assert props["urgent"]["default"] is False
    assert props["ref"]["readOnly"] is True
    # a read-only field is shown, never demanded from the user
    assert schema["required"] == ["amount", "purpose"]


def test_wrong_types_and_missing_fields_get_one_message_per_field():
    schema = schema_from_camunda_fields(CAMUNDA_FIELDS)
    errors = validate_form_data(
        schema, {"amount": "lots", "spent_on": "31/12/2026", "category": "gifts", "purpose": "x" * 21}
    )
    assert errors == {
        "amount": ["Enter a whole number."],
        "category": ["Choose one of the offered values."],
        "purpose": ["Enter at most 20 characters."],
        "spent_on": ["Enter a date as YYYY-MM-DD."],
    }
    assert validate_form_data(schema, {"purpose": "Taxi"}) == {"amount": ["This field is required."]}
    assert validate_form_data(schema, {"amount": 0, "purpose": "Taxi"}) == {
        "amount": ["Enter a value of at least 1."]
    }
    assert validate_form_data(schema, {"amount": 120, "purpose": "Taxi", "spent_on": "2026-11-23"}) == {}


def test_html_form_strings_are_coerced_to_the_schema_types():
    schema = schema_from_camunda_fields(CAMUNDA_FIELDS)
    data = coerce_form_data(schema, {"amount": "120", "purpose": "Taxi", "spent_on": "2026-11-23"})
    assert data == {"amount": 120, "purpose": "Taxi", "spent_on": "2026-11-23", "urgent": False}
    # what does not parse is kept, so validation can say what is wrong with it
    assert coerce_form_data(schema, {"amount": "12.5"})["amount"] == "12.5"
    assert validate_form_data(schema, coerce_form_data(schema, {"amount": "12.5", "purpose": "x"})) == {
        "amount": ["Enter a whole number."]
    }


def test_an_approval_task_gets_the_decision_form_with_comment_required_on_reject():
    form = task_form({"name": "Manager approves leave"}, {})
    assert form["source"] == "approval"
    schema = form["schema"]
    assert validate_form_data(schema, {"decision": "approve"}) == {}
    assert validate_form_data(schema, {"decision": "reject"}) == {"comment": ["This field is required."]}
    assert validate_form_data(schema, {"decision": "maybe"}) == {
        "decision": ["Choose one of the offered values."]
    }
    assert task_form({"name": "经理审批"}, {})["source"] == "approval"


def test_a_deployed_json_schema_file_wins_over_everything_else():
    files = {
        "forms/visit.json": '{"type": "object", "properties": {"km": {"type": "number"}}}',
        "forms/visit.ui.json": '{"km": {"ui:help": "Odometer"}}',
    }
    meta = {
        "name": "Record visit",
        "form_fields": CAMUNDA_FIELDS,
        "properties": {"formJsonSchemaFilename": "visit.json", "formUiSchemaFilename": "visit.ui.json"},
    }
    form = task_form(meta, files)
    assert form["source"] == "file"
    assert form["schema"]["properties"] == {"km": {"type": "number"}}
    assert form["ui_schema"] == {"km": {"ui:help": "Odometer"}}


def test_a_plain_task_gets_an_optional_comment():
    form = task_form({"name": "Call the customer"}, {})
    assert form["source"] == "default"
    assert validate_form_data(form["schema"], {}) == {}


def test_non_object_data_is_refused_with_a_message():
    assert validate_form_data({"type": "object"}, ["not", "a", "dict"]) == {
        "__all__": ["The form data must be an object of fields."]
    }


@pytest.mark.django_db
def test_a_task_form_comes_prefilled_from_the_process_data():
    from engine import services as engine
    from engine.models import HumanTask
    from processes.selectors import task_form_for
    from processes.services import definition_deploy
    from tests.factories import UserFactory

    body = (Path(__file__).parent / "data" / "approval.bpmn").read_bytes()
    definition_deploy(files={"approval.bpmn": body})
    clerk = UserFactory()
    instance = engine.start_process(
        "expense_approval", started_by=clerk, variables={"purpose": "Client dinner"}
    )
    form = task_form_for(HumanTask.objects.get(instance=instance, status="ready"))
    assert form["data"] == {"purpose": "Client dinner"}
    assert form["schema"]["properties"]["amount"]["title"] == "Amount (CNY)"


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=3000))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
def test_fuzzed_uploads_never_crash_the_validator(junk, position):
    from processes.validation import definition_validate

    body = (Path(__file__).parent / "data" / "approval.bpmn").read_bytes()
    mutated = body[:position] + junk + body[position + len(junk) :]
    report = definition_validate({"fuzz.bpmn": mutated})
    assert not any("internal error" in f.message for f in report.findings)
    assert report.ok or all(f.message for f in report.errors)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_task_form_date_outside_the_calendar_is_a_field_error(day):
    schema = schema_from_camunda_fields(CAMUNDA_FIELDS)
    schema["properties"]["pick_up_at"] = {"type": "string", "format": "date-time"}
    errors = validate_form_data(
        schema, {"amount": 120, "purpose": "Taxi", "spent_on": day, "pick_up_at": f"{day}T10:00"}
    )
    assert errors == {
        "spent_on": ["Enter a date from 1900-01-01 to 2100-12-31."],
        "pick_up_at": ["Enter a date from 1900-01-01 to 2100-12-31."],
    }
    assert validate_form_data(schema, {"amount": 1, "purpose": "x", "pick_up_at": "2027-03-02T10:00"}) == {}
