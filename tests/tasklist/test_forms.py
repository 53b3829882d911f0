"""Task forms from JSON Schema: every field type gets its widget; POSTed strings become typed."""

import pytest
from django.http import QueryDict
from django.utils import translation

from tasklist.forms import build_task_form, form_data_from_post


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


SCHEMA = {
    "type": "object",
    "title": "Leave request",
    "properties": {
        "reason": {"type": "string", "title": "Reason", "maxLength": 500},
        "summary": {"type": "string", "title": "Summary"},
        "days": {"type": "integer", "title": "Days", "minimum": 1},
        "amount": {"type": "number", "title": "Amount"},
        "paid": {"type": "boolean", "title": "Paid leave"},
        "start": {"type": "string", "format": "date", "title": "Start"},
        "kind": {"type": "string", "title": "Kind", "enum": ["annual", "sick"]},
        "deputy": {
            "type": "string",
            "title": "Deputy",
            "oneOf": [{"const": f"u{i}", "title": f"User {i}"} for i in range(5)],
        },
        "requester": {"type": "string", "title": "Requester", "readOnly": True},
        "decision": {"type": "string", "oneOf": [{"const": "approve", "title": "OK"}, {"const": "reject"}]},
        "lines": {"type": "array"},
    },
    "required": ["days", "start"],
}


def test_every_field_type_gets_its_widget():
    form = build_task_form(SCHEMA, known={"requester": "alice"})
    widgets = {f.name: f.widget for f in form.fields}
    assert widgets == {
        "reason": "textarea",
        "summary": "text",
        "days": "integer",
        "amount": "number",
        "paid": "checkbox",
        "start": "date",
        "kind": "radio",
        "deputy": "select",
        "requester": "readonly",
    }
    assert form.title == "Leave request"
    assert {f.name for f in form.fields if f.required} == {"days", "start"}
    assert next(f for f in form.fields if f.name == "requester").display_value == "alice"
    assert form.decision.choices == [("approve", "OK"), ("reject", "Reject")]


def test_errors_land_on_their_fields_and_unknown_keys_on_the_form():
    form = build_task_form(
        SCHEMA, values={"days": "x"}, errors={"days": ["Enter a whole number."], "__all__": ["No."]}
    )
    days = next(f for f in form.fields if f.name == "days")
    assert days.errors == ["Enter a whole number."] and days.value_text == "x"
    assert form.errors == ["No."] and form.has_errors


def test_posted_strings_become_the_schemas_types():
    post = QueryDict(mutable=True)
    post.update({"days": "3", "amount": "12.5", "start": "2026-12-01", "kind": "sick", "summary": "  hi  "})
    post.update({"requester": "mallory", "reason": ""})
    data = form_data_from_post(SCHEMA, post)
    assert data == {
        "days": 3,
        "amount": 12.5,
        "paid": False,
        "start": "2026-12-01",
        "kind": "sick",
        "summary": "hi",
    }
    post.update({"days": "three", "paid": "true"})
    data = form_data_from_post(SCHEMA, post)
    assert data["days"] == "three" and data["paid"] is True


def test_an_empty_schema_gives_an_empty_form():
    form = build_task_form({})
    assert form.fields == [] and form.decision is None


def test_an_explicit_order_wins_over_the_stored_key_order():
    schema = {
        "type": "object",
        "properties": {
            "note": {"type": "string"},
            "quantity": {"type": "integer"},
            "channel": {"type": "string"},
        },
        "x-order": ["quantity", "channel", "note"],
    }
    assert [f.name for f in build_task_form(schema).fields] == ["quantity", "channel", "note"]
    ui = {"schema": schema, "ui_schema": {"ui:order": ["channel", "note", "quantity"]}}
    assert [f.name for f in build_task_form(ui).fields] == ["channel", "note", "quantity"]
