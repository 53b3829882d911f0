"""The report pages and their Excel export: permission, filters with located errors, same numbers."""

import io

import pytest
from openpyxl import load_workbook

from reports.catalogue import REPORTS


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def _workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


@pytest.mark.parametrize("slug", list(REPORTS))
def test_every_report_page_renders_for_the_administrator(client, company, everything, slug):
    response = _get(client, company.admin, f"/reports/{slug}/")
    assert response.status_code == 200
    assert b'<table class="table"' in response.content


def test_index_lists_only_the_reports_a_user_may_see(client, company):
    assert b"/reports/funnel/" in _get(client, company.zhang, "/reports/").content
    page = _get(client, company.nobody, "/reports/")
    assert page.status_code == 200
    assert b"/reports/funnel/" not in page.content
    assert _get(client, company.nobody, "/reports/funnel/").status_code == 403
    assert _get(client, company.nobody, "/reports/funnel/export.xlsx").status_code == 403


def test_unknown_report_is_a_404(client, company):
    assert _get(client, company.admin, "/reports/nothing/").status_code == 404


def test_the_funnel_page_of_a_salesperson_never_shows_another_salespersons_amounts(
    client, company, opportunities
):
    # liu's 2,000.00 and yang's 5,000.00 are not zhang's to see
    page = _get(client, company.zhang, "/reports/funnel/").content.decode()
    assert "2,000.00" not in page and "5,000.00" not in page
    assert "1,000.00" in page  # zhang's own total
    # asking for liu's numbers is refused with an error on the field, not answered
    response = _get(client, company.zhang, "/reports/funnel/", salesperson=company.liu.pk)
    assert response.status_code == 400
    assert 'id="id_salesperson-error"' in response.content.decode()
    export = _get(client, company.zhang, "/reports/funnel/export.xlsx", salesperson=company.liu.pk)
    assert export.status_code == 400


def test_a_period_ending_before_it_starts_is_a_located_error(client, company, opportunities):
    response = _get(client, company.admin, "/reports/funnel/", date_from="2026-05-01", date_to="2026-04-01")
    assert response.status_code == 400
    assert 'id="id_date_to-error"' in response.content.decode()
    response = _get(client, company.admin, "/reports/funnel/", date_from="not a date")
    assert response.status_code == 400
    assert 'id="id_date_from-error"' in response.content.decode()


def test_funnel_export_has_the_pages_numbers(client, company, opportunities):
    response = _get(client, company.admin, "/reports/funnel/export.xlsx")
    assert response.status_code == 200
    workbook = _workbook(response)
    sheet = workbook[workbook.sheetnames[1]]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Stage", "Opportunities", "Amount")
    # potential 2 / 1100, ..., contract 2 / 2400
    by_stage = {row[0]: row for row in rows[1:]}
    assert by_stage["Potential"][1:3] == (2, 1100)
    assert by_stage["Contract"][1:3] == (2, 2400)
    assert by_stage["Lead"][7] == round(5 / 7, 4)
    summary = {row[0]: row[1] for row in workbook[workbook.sheetnames[0]].iter_rows(values_only=True) if row}
    assert summary["Opportunities"] == 7
    assert summary["Won amount"] == 2300


def test_sales_export_with_filters_matches_the_filtered_report(client, company, orders):
    response = _get(
        client,
        company.admin,
        "/reports/sales/export.xlsx",
        date_from="2026-02-01",
        salesperson=company.zhang.pk,
    )
    workbook = _workbook(response)
    months = list(workbook[workbook.sheetnames[1]].iter_rows(values_only=True))
    assert months == [("Month", "Orders", "Amount"), ("2026-02", 1, 300)]
    products = list(workbook[workbook.sheetnames[3]].iter_rows(values_only=True))
    assert products[1:] == [("P1", "Pump", 2, 200), ("P2", "Valve", 1, 100)]


def test_a_salespersons_export_holds_only_their_numbers(client, company, contracts):
    workbook = _workbook(_get(client, company.zhang, "/reports/receivables/export.xlsx"))
    contracts_sheet = list(workbook[workbook.sheetnames[2]].iter_rows(values_only=True))
    assert sorted(row[0] for row in contracts_sheet[1:]) == ["K1", "K2"]


def test_pages_speak_chinese(client, company, opportunities):
    client.force_login(company.admin)
    page = client.get("/reports/funnel/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "销售漏斗" in page


def test_customer_text_is_exported_as_text_never_a_formula(client, company, contracts):
    # given a customer whose name starts with "=" and holds a control character
    customer = contracts[0].customer
    customer.name = '=HYPERLINK("http://evil.example","x")\x1b'
    customer.save()
    # when the receivables are exported
    workbook = _workbook(_get(client, company.admin, "/reports/receivables/export.xlsx"))
    # then the name is plain text, cleaned
    cell = next(row[1] for row in workbook[workbook.sheetnames[2]].iter_rows() if row[0].value == "K1")
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://evil.example","x")'
