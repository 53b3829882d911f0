"""The benchmarks fill their tables with hand-written INSERTs (millions of rows in seconds). When a
model gains a NOT NULL column, such an INSERT fails only when someone runs that benchmark, and
three of them broke that way unnoticed (a message's event, the custom-field columns of complaints,
service requests and orders). Each INSERT must name every column that has neither a value of its
own in the database nor NULL allowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import NOT_PROVIDED

BENCH = Path(__file__).resolve().parents[2] / "bench"
INSERT = re.compile(r"INSERT INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE)


def _inserts() -> list[tuple[str, str, set[str]]]:
    found = []
    for path in sorted(BENCH.glob("*.py")):
        for match in INSERT.finditer(path.read_text()):
            columns = {c.strip().strip('"') for c in match.group(2).split(",") if c.strip()}
            found.append((path.name, match.group(1), columns))
    return found


def _required_columns(table: str) -> set[str] | None:
    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return None
    return {
        field.column
        for field in model._meta.concrete_fields
        if not field.null and field.db_default is NOT_PROVIDED and not field.primary_key
    }


def test_the_benchmarks_write_raw_inserts():
    assert len(_inserts()) >= 15  # (the check below reads them all)


def _name(value) -> str:
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize(("bench", "table", "columns"), _inserts(), ids=_name)
def test_every_bench_insert_names_each_required_column(bench, table, columns):
    required = _required_columns(table)
    assert required is not None, f"bench/{bench}: no model has the table {table}"
    missing = sorted(required - columns)
    assert not missing, f"bench/{bench}: INSERT INTO {table} leaves out NOT NULL column(s) {missing}"
