"""engine.runtime.json_safe: the fast copy of plain data agrees with the JSON round trip."""

import datetime
import decimal
import json

from hypothesis import given
from hypothesis import strategies as st

from engine.runtime import json_safe

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars | st.dates() | st.decimals(allow_nan=False),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text() | st.integers(), children, max_size=4)
    ),
    max_leaves=20,
)


def _round_trip(value):
    return json.loads(json.dumps(value, default=str))


@given(values)
def test_json_safe_reads_as_the_json_round_trip(value):
    got = json_safe(value)
    want = _round_trip(value)
    # NaN is not equal to itself: compare the JSON text
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


def test_json_safe_copies_so_the_caller_cannot_change_what_was_stored():
    data = {"lines": [{"qty": 1}], "when": datetime.date(2026, 12, 7), "amount": decimal.Decimal("1.50")}
    safe = json_safe(data)
    data["lines"][0]["qty"] = 2
    assert safe == {"lines": [{"qty": 1}], "when": "2026-12-07", "amount": "1.50"}
    plain = {"a": [1, (2, 3)], "b": {"c": None}}
    copy = json_safe(plain)
    assert copy == {"a": [1, [2, 3]], "b": {"c": None}}
    plain["b"]["c"] = 1
    assert copy["b"]["c"] is None
