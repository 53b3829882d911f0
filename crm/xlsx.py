"""A bounded, streaming reader for the first sheet of an .xlsx workbook (cell values only).

openpyxl builds a cell object per value and reads far slower than an import can write; an
import needs only the values of one sheet, so we stream the sheet XML with lxml. Numbers come
back as int/float (dates stay Excel serial numbers; the importer converts them for date fields),
strings as str, booleans as bool.

An upload is hostile until read: a few kilobytes can claim a cell at column ZZZZ or row
1,048,576, or unpack to gigabytes. So the sheet's declared dimensions are checked before its
rows, every cell's column, every text's length and the unpacked bytes while streaming, and any
problem is a `ValidationFailed` naming the row and cell; nothing is padded or kept beyond the
limits.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from lxml import etree

from core.errors import ValidationFailed

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
EXCEL_EPOCH = datetime.date(1899, 12, 30)
REFERENCE = re.compile(r"\$?([A-Za-z]{1,7})\$?(\d{1,9})$")


def excel_date(serial: float) -> datetime.date:
    return EXCEL_EPOCH + datetime.timedelta(days=int(serial))


@dataclass(frozen=True)
class SheetLimits:
    rows: int
    columns: int
    cell_chars: int
    unpacked_bytes: int

    @classmethod
    def from_settings(cls) -> SheetLimits:
        return cls(
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            unpacked_bytes=settings.IMPORT_MAX_UNPACKED_MB * 2**20,
        )


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how Excel names a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _split_reference(reference: str) -> tuple[int, int] | None:
    """'B7' → (column index 1, row 7); None when it is not a cell reference."""
    match = REFERENCE.match(reference.strip())
    if match is None:
        return None
    index = 0
    for char in match.group(1).upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1, int(match.group(2))


def refuse(message, *, row: int | None = None, cell: str = "") -> ValidationFailed:
    """A refusal of the file, located at a row and cell when known."""
    if cell:
        where = _g("Cell %(cell)s: ") % {"cell": cell}
    elif row:
        where = _g("Row %(row)d: ") % {"row": row}
    else:
        where = ""
    location = {key: value for key, value in (("row", row), ("cell", cell)) if value}
    return ValidationFailed(
        _("The file cannot be imported."), fields={"file": [where + str(message)]}, location=location
    )


def _too_long(limits: SheetLimits, length: int) -> str:
    return _g("The text has %(n)d characters; a cell may hold at most %(max)d.") % {
        "n": length,
        "max": limits.cell_chars,
    }


def check_row(values: list, limits: SheetLimits, row: int) -> list:
    """Column count and text length of an already split row (CSV), located."""
    if len(values) > limits.columns:
        raise refuse(_too_wide(limits, len(values)), row=row, cell=f"{column_letters(limits.columns)}{row}")
    for index, value in enumerate(values):
        if isinstance(value, str) and len(value) > limits.cell_chars:
            raise refuse(_too_long(limits, len(value)), row=row, cell=f"{column_letters(index)}{row}")
    return values


def _too_wide(limits: SheetLimits, columns: int) -> str:
    return _g(
        "The sheet reaches column %(column)s; at most %(max)d columns (up to %(last)s) can be imported."
    ) % {
        "column": column_letters(columns - 1),
        "max": limits.columns,
        "last": column_letters(limits.columns - 1),
    }


def _too_many_rows(limits: SheetLimits, rows: int) -> str:
    return _g(
        "The sheet reaches row %(row)d; at most %(max)d rows can be imported (a header and %(data)d rows)."
    ) % {
        "row": rows,
        "max": limits.rows + 1,
        "data": limits.rows,
    }


class _CappedStream:
    """A zip member that refuses to unpack beyond the limit (a zip bomb stops here, not in RAM)."""

    def __init__(self, handle, part: str, limits: SheetLimits):
        self.handle, self.part, self.limits, self.count = handle, part, limits, 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size if size and size > 0 else 2**16)
        self.count += len(data)
        if self.count > self.limits.unpacked_bytes:
            raise refuse(
                _g("The part %(part)s unpacks to more than %(mb)d MB; split the sheet into several files.")
                % {"part": self.part, "mb": self.limits.unpacked_bytes // 2**20}
            )
        return data


def _part(archive: zipfile.ZipFile, part: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(part)
    except KeyError:
        raise refuse(
            _g("The workbook has no part %(part)s; save it again in Excel.") % {"part": part}
        ) from None


def _iterparse(archive: zipfile.ZipFile, part: str, limits: SheetLimits, tags: Iterable[str]):
    info = _part(archive, part)
    if info.file_size > limits.unpacked_bytes:
        raise refuse(
            _g("The part %(part)s unpacks to more than %(mb)d MB; split the sheet into several files.")
            % {"part": part, "mb": limits.unpacked_bytes // 2**20}
        )
    try:
        with archive.open(info) as handle:
            yield from etree.iterparse(
                _CappedStream(handle, part, limits), tag=tuple(tags), resolve_entities=False, no_network=True
            )
    except etree.XMLSyntaxError as error:
        if "too long" in str(error) or "huge" in str(error):
            message = _g(
                "A text in %(part)s is longer than %(max)d characters, the most a cell may hold."
            ) % {
                "part": part,
                "max": limits.cell_chars,
            }
        else:
            message = _g(
                "The part %(part)s is damaged (line %(line)s); save the workbook again in Excel."
            ) % {
                "part": part,
                "line": error.lineno,
            }
        raise refuse(message) from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise refuse(_g("The file is damaged or not an .xlsx workbook.")) from error


def _text(element) -> str:
    # Rich text runs concatenated; phonetic hints (rPh) are not part of the value.
    return "".join(t.text or "" for t in element.iter(f"{MAIN}t") if t.getparent().tag != f"{MAIN}rPh")


def _read_xml(archive: zipfile.ZipFile, part: str, limits: SheetLimits):
    """A small part (workbook, relationships) parsed whole, within the limit."""
    info = _part(archive, part)
    try:
        with archive.open(info) as handle:
            stream, chunks = _CappedStream(handle, part, limits), []
            while chunk := stream.read():
                chunks.append(chunk)
        return etree.fromstring(b"".join(chunks), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise refuse(
            _g("The part %(part)s is damaged (line %(line)s); save the workbook again in Excel.")
            % {"part": part, "line": error.lineno}
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise refuse(_g("The file is damaged or not an .xlsx workbook.")) from error


def _workbook_path(archive: zipfile.ZipFile, limits: SheetLimits) -> str:
    if "_rels/.rels" in archive.namelist():
        rels = _read_xml(archive, "_rels/.rels", limits)
        for rel in rels.iter(f"{PKG_REL}Relationship"):
            if rel.get("Type") == OFFICE_DOCUMENT and rel.get("Target"):
                return rel.get("Target").lstrip("/")
    return "xl/workbook.xml"


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _first_sheet_path(archive: zipfile.ZipFile, limits: SheetLimits) -> str:
    workbook_path = _workbook_path(archive, limits)
    workbook = _read_xml(archive, workbook_path, limits)
    sheet = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    if sheet is None:
        raise refuse(_g("The workbook has no sheet."))
    rel_id = sheet.get(f"{REL}id")
    rels = _read_xml(archive, _rels_path(workbook_path), limits)
    for rel in rels.iter(f"{PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join(posixpath.dirname(workbook_path), target))
    raise refuse(_g("The workbook's first sheet cannot be found; save it again in Excel."))


class _LongText:
    """A shared string over the cell limit: refused, located, where a cell uses it."""

    def __init__(self, length: int):
        self.length = length


def _shared_strings(archive: zipfile.ZipFile, workbook_folder: str, limits: SheetLimits) -> list:
    shared: list = []
    path = posixpath.join(workbook_folder, "sharedStrings.xml")
    if path not in archive.namelist():
        return shared
    for _event, element in _iterparse(archive, path, limits, (f"{MAIN}si",)):
        text = _text(element)
        shared.append(_LongText(len(text)) if len(text) > limits.cell_chars else text)
        element.clear()
    return shared


def _check_dimension(element, limits: SheetLimits) -> None:
    """The sheet's declared used range (<dimension ref="A1:ZZZZ1048576">), before any row is read."""
    last = (element.get("ref") or "").split(":")[-1]
    corner = _split_reference(last)
    if corner is None:
        return
    column, row = corner
    if column >= limits.columns:
        raise refuse(_too_wide(limits, column + 1), cell=last.upper())
    if row > limits.rows + 1:
        raise refuse(_too_many_rows(limits, row), row=row)


def _cell_value(cell, kind: str | None, shared: list, limits: SheetLimits, where: str):
    if kind == "inlineStr":
        inline = cell.find(f"{MAIN}is")
        value = _text(inline) if inline is not None else ""
    else:
        raw = cell.findtext(f"{MAIN}v")
        if not raw:
            if cell.find(f"{MAIN}f") is not None:
                raise refuse(
                    _g(
                        "The cell holds a formula whose result was never calculated; open the file in "
                        "Excel, let it calculate and save it again (or paste the values)."
                    ),
                    cell=where,
                )
            return None
        if kind == "s":
            try:
                value = shared[int(raw)]
            except (ValueError, IndexError):
                raise refuse(
                    _g("The cell refers to a text the workbook does not have."), cell=where
                ) from None
            if isinstance(value, _LongText):
                raise refuse(_too_long(limits, value.length), cell=where)
        elif kind in ("str", "e", "d"):
            value = raw
        elif kind == "b":
            return raw == "1"
        else:
            try:
                number = float(raw)
            except ValueError:
                raise refuse(
                    _g("The cell's number “%(raw)s” cannot be read.") % {"raw": raw[:40]}, cell=where
                ) from None
            return (
                int(number) if number.is_integer() and "." not in raw and "E" not in raw.upper() else number
            )
    if len(value) > limits.cell_chars:
        raise refuse(_too_long(limits, len(value)), cell=where)
    return value


def read_rows(archive: zipfile.ZipFile, limits: SheetLimits | None = None) -> Iterator[list]:
    """The first sheet's rows as lists of values, within `limits`; a located refusal otherwise."""
    limits = limits or SheetLimits.from_settings()
    path = _first_sheet_path(archive, limits)
    shared = _shared_strings(archive, posixpath.dirname(_workbook_path(archive, limits)), limits)
    count = 0
    for _event, element in _iterparse(archive, path, limits, (f"{MAIN}dimension", f"{MAIN}row")):
        if element.tag == f"{MAIN}dimension":
            _check_dimension(element, limits)
            continue
        count += 1
        declared = element.get("r") or ""
        row_number = int(declared) if declared.isdigit() and len(declared) <= 9 else count
        count = max(count, row_number)
        if count > limits.rows + 1:
            raise refuse(_too_many_rows(limits, count), row=count)
        values: list = []
        for cell in element.iterchildren(f"{MAIN}c"):
            reference = cell.get("r") or ""
            split = _split_reference(reference) if reference else None
            position = split[0] if split else len(values)
            where = reference.upper() if split else f"{column_letters(position)}{row_number}"
            if position >= limits.columns:
                raise refuse(_too_wide(limits, position + 1), row=row_number, cell=where)
            if position > len(values):
                values.extend([None] * (position - len(values)))
            value = _cell_value(cell, cell.get("t"), shared, limits, where)
            if position < len(values):
                values[position] = value
            else:
                values.append(value)
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
        yield values
