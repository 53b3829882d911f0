"""CSV exports (/api/v1/*/export/) open in a spreadsheet as inert text: a value that would start a
formula (= + - @, or a tab / carriage return) is neutralised, as the Excel exports do; numbers stay
numbers."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # a full-width equals sign, as Chinese input methods type it
]


def exported(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_customer_names_that_start_a_formula_come_out_as_text(demo, client_for):
    # given customers whose names a spreadsheet would run as formulas, and one with a plain name
    for name in HOSTILE:
        CustomerFactory(owner=demo["salesperson"], name=name, annual_revenue="-12.50")
    CustomerFactory(owner=demo["salesperson"], name="普通公司")
    # when the salesperson exports the customer list as CSV
    rows = exported(client_for(demo["salesperson"]).get("/api/v1/customers/export/"))
    # then every hostile name starts with an apostrophe and is otherwise unchanged
    names = {row["name"] for row in rows}
    assert names == {"'" + name for name in HOSTILE} | {"普通公司"}
    # and a negative amount is still a number
    assert {row["annual_revenue"] for row in rows if row["name"] != "普通公司"} == {"-12.50"}


def test_a_failed_login_user_name_is_neutralised_in_the_audit_export(demo, client, client_for):
    # given a failed sign-in whose user name is a formula
    client.post(reverse("login"), {"username": '=HYPERLINK("http://evil","x")', "password": "nope"})
    # when an administrator exports the audit log
    rows = exported(client_for(demo["admin"]).get("/api/v1/audit-events/export/"))
    failed = [row for row in rows if row["action"] == "login_failed"]
    # then the user name is text, not a formula
    assert [row["actor_label"] for row in failed] == ['\'=HYPERLINK("http://evil","x")']
