"""Form widgets of the JSON-Schema form layer (core.jsonforms): line tables with errors located by
row and column, date-time, star rating, money and plates; what a person sees and what is sent."""

import pytest
from django.http import QueryDict
from django.test import override_settings
from django.utils import translation

from core.jsonforms import build_task_form, bulk_approvable, form_data_from_post
from core.plates import normalise_plate
from engine.forms import validate_form_data

WORK = {
    "type": "object",
    "properties": {
        "hours": {"type": "number", "title": "Hours"},
        "parts": {
            "type": "array",
            "title": "Parts used",
            "items": {
                "type": "object",
                "properties": {
                    "product": {"type": "string", "title": "Product", "minLength": 1},
                    "quantity": {"type": "number", "title": "Quantity", "exclusiveMinimum": 0},
                },
                "required": ["product", "quantity"],
            },
        },
        "visit": {"type": "string", "format": "date-time", "title": "Visit"},
        "rating": {"type": "integer", "title": "Rating", "minimum": 1, "maximum": 5, "x-widget": "rating"},
        "amount": {"type": "number", "title": "Amount", "x-widget": "money", "x-currency": "CNY"},
        "plate": {"type": "string", "title": "Plate", "x-widget": "plate"},
    },
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def post(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key.replace("__", ".")] = value
    return data


def test_an_array_of_objects_is_a_line_table_with_a_column_per_item_field():
    form = build_task_form(
        WORK, values={"parts": [{"product": "SEAL-01", "quantity": 2}, {"product": "O-RING"}]}
    )
    table = next(f for f in form.fields if f.name == "parts")
    assert table.widget == "table"
    assert [c.label for c in table.columns] == ["Product", "Quantity"]
    assert [[c.name for c in row.cells] for row in table.rows] == [
        ["parts.0.product", "parts.0.quantity"],
        ["parts.1.product", "parts.1.quantity"],
    ]
    assert table.rows[0].cells[1].value_text == "2"
    assert [c.name for c in table.blank_row] == ["parts.__row__.product", "parts.__row__.quantity"]


def test_an_empty_table_offers_one_row_to_fill_in():
    table = next(f for f in build_task_form(WORK).fields if f.name == "parts")
    assert len(table.rows) == 1 and all(c.value in (None, "") for c in table.rows[0].cells)


def test_rows_are_read_in_page_order_renumbered_and_empty_rows_dropped():
    data = form_data_from_post(
        WORK,
        post(
            parts__3__product="B", parts__3__quantity="1.5",
            parts__0__product="A", parts__0__quantity="2",
            parts__1__product="", parts__1__quantity="",
            hours="1",
        ),
    )  # fmt: skip
    assert data["parts"] == [{"product": "A", "quantity": 2}, {"product": "B", "quantity": 1.5}]


def test_no_rows_at_all_sends_no_parts():
    assert "parts" not in form_data_from_post(WORK, post(hours="1", parts__0__product=""))


def test_a_bad_cell_is_located_by_row_and_column_and_shown_in_that_cell():
    data = form_data_from_post(
        WORK,
        post(parts__0__product="A", parts__0__quantity="2", parts__1__product="B", parts__1__quantity="-1"),
    )
    data["parts"].append({"quantity": 1})  # a third row without its product
    errors = validate_form_data(WORK, data)
    assert errors == {
        "parts.1.quantity": ["Enter a value greater than 0."],
        "parts.2.product": ["This field is required."],
    }
    form = build_task_form(WORK, values=data, errors=errors)
    table = next(f for f in form.fields if f.name == "parts")
    assert table.rows[1].cells[1].errors and not table.rows[0].cells[1].errors
    assert table.rows[2].cells[0].errors == ["This field is required."]
    assert form.has_errors and form.errors == []


def test_the_table_renders_as_a_table_with_add_and_remove_and_row_errors_in_place(client):
    from django.template.loader import render_to_string

    errors = {"parts.1.quantity": ["Enter a value of at least 0."]}
    form = build_task_form(
        WORK,
        values={"parts": [{"product": "A", "quantity": 1}, {"product": "B", "quantity": -1}]},
        errors=errors,
    )
    table = next(f for f in form.fields if f.name == "parts")
    html = render_to_string("core/_jsonform_field.html", {"f": table})
    assert 'name="parts.1.quantity"' in html and 'id="field-parts-1-quantity"' in html
    assert 'aria-describedby="field-parts-1-quantity-errors"' in html
    assert "data-line-add" in html and "data-line-remove" in html and 'name="parts.__row__.product"' in html
    assert 'data-label="Quantity"' in html  # the phone layout labels each cell of a stacked row


def test_a_row_with_an_undeclared_column_is_refused_on_that_row():
    strict = {**WORK, "properties": {**WORK["properties"]}}
    strict["properties"]["parts"] = {
        **WORK["properties"]["parts"],
        "items": {**WORK["properties"]["parts"]["items"], "additionalProperties": False},
    }
    data = {"parts": [{"product": "A", "quantity": 1}, {"product": "B", "quantity": 1, "price": 0}]}
    errors = validate_form_data(strict, data)
    assert errors == {"parts.1": ["This row has fields the form does not have."]}
    table = next(f for f in build_task_form(strict, values=data, errors=errors).fields if f.name == "parts")
    assert (
        table.rows[1].errors == ["This row has fields the form does not have."] and not table.rows[0].errors
    )


@override_settings(TIME_ZONE="Asia/Shanghai")
def test_a_date_time_is_a_datetime_input_and_comes_back_with_its_time_zone():
    from django.utils import timezone

    with timezone.override("Asia/Shanghai"):
        data = form_data_from_post(WORK, post(visit="2030-01-05T09:30"))
        assert data["visit"] == "2030-01-05T09:30:00+08:00"
        assert validate_form_data(WORK, data) == {}
        visit = next(f for f in build_task_form(WORK, values=data).fields if f.name == "visit")
        assert visit.widget == "datetime" and visit.value_text == "2030-01-05T09:30"
        visit = next(
            f
            for f in build_task_form(WORK, values={"visit": "2030-01-05T01:30:00+00:00"}).fields
            if f.name == "visit"
        )
        assert visit.value_text == "2030-01-05T09:30"  # shown in the viewer's time


def test_a_rating_is_five_stars_and_sends_a_whole_number():
    from django.template.loader import render_to_string

    rating = next(f for f in build_task_form(WORK, values={"rating": 4}).fields if f.name == "rating")
    assert rating.widget == "rating"
    html = render_to_string("core/_jsonform_field.html", {"f": rating})
    assert html.count('type="radio"') == 5 and 'value="4" checked' in html and "4 stars" in html
    assert form_data_from_post(WORK, post(rating="4")) == {"rating": 4}
    assert validate_form_data(WORK, {"rating": 6}) == {"rating": ["Enter a value of at most 5."]}


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("13,000.50", 13000.5), ("¥ 13 000", 13000), ("0.05", 0.05), ("12.345", "12.345"), ("abc", "abc")],
)
def test_money_takes_separators_and_a_currency_sign_and_at_most_two_decimals(typed, sent):
    data = form_data_from_post(WORK, post(amount=typed))
    assert data["amount"] == sent
    if isinstance(sent, str):
        assert validate_form_data(WORK, data) == {"amount": ["Enter a number."]}


@pytest.mark.parametrize(("language", "shown"), [("en", "13,000.50"), ("zh-hans", "13,000.50")])
def test_money_shows_the_currency_two_decimals_and_the_locales_grouping(language, shown):
    with translation.override(language):
        amount = next(
            f for f in build_task_form(WORK, values={"amount": 13000.5}).fields if f.name == "amount"
        )
    assert amount.widget == "money" and amount.attrs["prefix"] == "¥" and amount.value_text == shown


@pytest.mark.parametrize("typed", ["沪A·12345", "沪a12345", "沪A 12345", "沪A-12345", " 沪A\uff0e12345 "])
def test_a_plate_is_stored_in_one_written_form_however_typed(typed):
    assert normalise_plate(typed) == "沪A·12345"
    assert form_data_from_post(WORK, post(plate=typed)) == {"plate": "沪A·12345"}


def test_a_form_may_declare_itself_not_bulk_approvable():
    decision = {
        "type": "object",
        "properties": {"decision": {"type": "string", "enum": ["approve", "reject"]}},
        "required": ["decision"],
    }
    assert bulk_approvable(decision)
    assert not bulk_approvable({**decision, "x-bulk": False})
