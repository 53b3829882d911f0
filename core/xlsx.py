"""Writing user data into spreadsheets safely: every .xlsx export goes through `safe_row`, every
CSV export through `csv_row`.

Two things go wrong with raw values: a control character (e.g. ESC pasted into a name) makes
openpyxl refuse the whole file, and a text starting with "=" is written as a formula, which
Excel then evaluates on the reader's machine (formula injection, e.g. =HYPERLINK(...) or DDE).
Text is therefore cleaned of the characters XML cannot hold and always stored as text. A CSV has
no cell types: the spreadsheet that opens it runs any text starting with = + - @ (or a tab or
carriage return before one) as a formula, so such text gets a leading apostrophe, which
spreadsheets show as "this is text" and hide.
"""

from __future__ import annotations

import re

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


# Full-width forms too: Chinese input methods type them and spreadsheets accept them as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def csv_value(value):
    """`value` ready for a CSV cell: text a spreadsheet would run as a formula is neutralised;
    a plain signed number ("-12.50", as the API writes decimals) stays a number."""
    if not isinstance(value, str) or not value.lstrip(" ").startswith(FORMULA_STARTS):
        return value
    if PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def csv_row(values) -> list:
    return [csv_value(value) for value in values]
