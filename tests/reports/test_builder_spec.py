"""A report definition from the browser is checked against the registry: every problem is
located (the builder input it belongs to) and said in words; nothing outside the whitelist runs."""

import pytest

from core.errors import ValidationFailed
from reports.builder.spec import params_from_spec, parse_spec, spec_from_params

pytestmark = pytest.mark.django_db

GOOD = {
    "entity": "opportunity",
    "filters": [{"field": "status", "op": "eq", "value": "open"}],
    "group_by": [{"field": "stage"}],
    "measures": [{"fn": "sum", "field": "amount"}],
    "chart": "bar",
}


def errors_of(raw, user):
    with pytest.raises(ValidationFailed) as caught:
        parse_spec(raw, user=user)
    return caught.value.fields


def test_a_good_definition_parses(company):
    spec = parse_spec(GOOD, user=company.zhang)
    assert spec.entity == "opportunity" and spec.sort == "m0" and spec.descending


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"filters": [{"field": "owner__password", "op": "eq", "value": "x"}]}, "f0_field", "Filter 1"),
        ({"filters": [{"field": "amount", "op": "contains", "value": "1"}]}, "f0_op", "comparisons"),
        ({"filters": [{"field": "amount", "op": "gte", "value": "lots"}]}, "f0_value", "Enter a number"),
        ({"filters": [{"field": "created", "op": "eq", "value": "31/12/2026"}]}, "f0_value", "YYYY-MM-DD"),
        ({"filters": [{"field": "stage", "op": "eq", "value": "nonsense"}]}, "f0_value", "not one of"),
        ({"filters": [{"field": "owner", "op": "eq", "value": "999999"}]}, "f0_value", "person"),
        ({"filters": [{"field": "created", "op": "last_days", "value": "0"}]}, "f0_value", "days"),
        ({"group_by": [{"field": "amount"}]}, "g0_field", "Numbers are measured"),
        ({"group_by": [{"field": "created", "period": "decade"}]}, "g0_period", "Group-by 1"),
        ({"group_by": [{"field": "stage"}, {"field": "stage"}]}, "g1_field", "already"),
        ({"measures": [{"fn": "sum", "field": "stage"}]}, "m0_field", "Only numbers"),
        ({"measures": [{"fn": "median", "field": "amount"}]}, "m0_fn", "Measure 1"),
        ({"group_by": [{"field": "stage"}, {"field": "status"}], "chart": "pie"}, "chart", "pie chart"),
        ({"group_by": [], "chart": "bar"}, "chart", "needs a group-by"),
        ({"sort": "m7"}, "sort", "Sort by"),
        ({"limit": "5000"}, "limit", "1 to 500"),
    ],
)
def test_each_problem_is_located_and_said_in_words(company, change, where, words):
    errors = errors_of({**GOOD, **change}, company.zhang)
    assert where in errors
    assert any(words in message for message in errors[where])


def test_every_problem_at_once(company):
    raw = {
        **GOOD,
        "filters": [
            {"field": "amount", "op": "gte", "value": "x"},
            {"field": "nope", "op": "eq", "value": 1},
        ],
        "limit": "0",
    }
    assert set(errors_of(raw, company.zhang)) == {"f0_value", "f1_field", "limit"}


def test_an_entity_the_viewer_may_not_see_is_refused(company):
    # r.nobody has no permissions: opportunities are not offered
    assert "entity" in errors_of(GOOD, company.nobody)
    assert "entity" in errors_of({**GOOD, "entity": "auth.user"}, company.admin)
    assert "entity" in errors_of("not a dict", company.admin)


def test_the_form_round_trips_through_the_stored_json(company):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params_from_spec({**GOOD, "sort": "m0", "descending": True, "limit": 20}).items():
        query[key] = str(value)
    raw = spec_from_params(query)
    assert raw["filters"] == GOOD["filters"] and raw["measures"] == [{"fn": "sum", "field": "amount"}]
    assert raw["group_by"] == [{"field": "stage", "period": None}] and raw["descending"]
