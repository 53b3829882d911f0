"""A fast, streaming reader for the first sheet of an .xlsx workbook (cell values only).

openpyxl builds a cell object per value and reads far slower than an import can write; an
import needs only the values of one sheet, so we stream the sheet XML with lxml. Numbers come
back as int/float (dates stay Excel serial numbers; the importer converts them for date fields),
strings as str, booleans as bool. Anything unexpected raises ValueError; callers fall back to
openpyxl.
"""

from __future__ import annotations

import datetime
import posixpath
import zipfile
from collections.abc import Iterator

from lxml import etree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def excel_date(serial: float) -> datetime.date:
    return EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + (ord(char) - 64)
        else:
            break
    return index - 1


def _text(element) -> str:
    # Rich text runs concatenated; phonetic hints (rPh) are not part of the value.
    return "".join(t.text or "" for t in element.iter(f"{MAIN}t") if t.getparent().tag != f"{MAIN}rPh")


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    if sheet is None:
        raise ValueError("no sheet")
    rel_id = sheet.get(f"{REL}id")
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target")
            return (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
    raise ValueError("sheet relationship not found")


def read_rows(archive: zipfile.ZipFile) -> Iterator[list]:
    shared: list[str] = []
    if "xl/sharedStrings.xml" in archive.namelist():
        with archive.open("xl/sharedStrings.xml") as handle:
            for _event, element in etree.iterparse(handle, tag=f"{MAIN}si"):
                shared.append(_text(element))
                element.clear()
    path = _first_sheet_path(archive)
    with archive.open(path) as handle:
        for _event, row in etree.iterparse(handle, tag=f"{MAIN}row"):
            values: list = []
            for cell in row.iterchildren(f"{MAIN}c"):
                reference = cell.get("r")
                if reference:
                    position = _column_index(reference)
                    if position > len(values):
                        values.extend([None] * (position - len(values)))
                kind = cell.get("t")
                if kind == "inlineStr":
                    inline = cell.find(f"{MAIN}is")
                    values.append(_text(inline) if inline is not None else "")
                    continue
                raw = cell.findtext(f"{MAIN}v")
                if raw is None:
                    values.append(None)
                elif kind == "s":
                    values.append(shared[int(raw)])
                elif kind in ("str", "e"):
                    values.append(raw)
                elif kind == "b":
                    values.append(raw == "1")
                else:
                    number = float(raw)
                    values.append(
                        int(number)
                        if number.is_integer() and "." not in raw and "E" not in raw.upper()
                        else number
                    )
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            yield values
