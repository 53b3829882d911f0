"""User text in Excel exports: control characters don't break the file, "=..." is never a formula."""

import io

from openpyxl import Workbook, load_workbook

from core.xlsx import safe_row


def _round_trip(values, *, write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("Data") if write_only else workbook.active
    sheet.append(safe_row(sheet, values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    read = load_workbook(io.BytesIO(buffer.getvalue()))
    return [cell for cell in next(read.worksheets[0].iter_rows())]


def test_hostile_text_is_kept_as_plain_text_in_both_workbook_modes():
    values = ["Bad\x1bName", '=HYPERLINK("http://evil.example","click")', "=1+1", 42, None, "普通公司"]
    for write_only in (True, False):
        cells = _round_trip(values, write_only=write_only)
        assert [c.value for c in cells] == [
            "BadName",
            '=HYPERLINK("http://evil.example","click")',
            "=1+1",
            42,
            None,
            "普通公司",
        ]
        assert cells[1].data_type == "s" and cells[2].data_type == "s"  # text, not formulas
