"""Writing user data into Excel safely (every .xlsx export goes through `safe_row`).

Two things go wrong with raw values: a control character (e.g. ESC pasted into a name) makes
openpyxl refuse the whole file, and a text starting with "=" is written as a formula, which
Excel then evaluates on the reader's machine (formula injection, e.g. =HYPERLINK(...) or DDE).
Text is therefore cleaned of the characters XML cannot hold and always stored as text.
"""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def safe_value(sheet, value):
    """`value` ready for `sheet.append`: text cleaned and never a formula; other values unchanged."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    return cell


def safe_row(sheet, values) -> list:
    return [safe_value(sheet, value) for value in values]
