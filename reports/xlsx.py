"""Excel export of a report: a summary sheet (the filters and the headline figures) and one sheet
per table, written with openpyxl from the same tables the page shows."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.xlsx import safe_row

from .catalogue import Report, Table

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool) or value is None or isinstance(value, int | float | datetime.date):
        return value
    return str(value)


def sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title)[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name)
    return name


def write_table(sheet, table: Table) -> None:
    sheet.append([str(header) for _key, header in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.cells():
        sheet.append(safe_row(sheet, [_cell(value) for value in row]))
    for index, (_key, header) in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(str(header)) + 4))
    sheet.freeze_panes = "A2"


def report_workbook(*, report: Report, data, filters: list[tuple[str, str]]) -> bytes:
    """The .xlsx bytes of `data` (what `report.build` returned) under the described filters."""
    workbook = Workbook()
    summary = workbook.active
    used: set[str] = set()
    summary.title = sheet_title(_("Summary"), used)
    summary.append([str(report.title)])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in filters:
        summary.append(safe_row(summary, [str(label), str(value)]))
    summary.append([])
    for label, value, _key in report.summary(data):
        summary.append([str(label), _cell(value)])
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 24
    for table in report.tables(data):
        write_table(workbook.create_sheet(sheet_title(str(table.title), used)), table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
