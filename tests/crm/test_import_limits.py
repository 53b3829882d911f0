"""Hostile sheets in the import wizard: each is refused with a message naming the cell or row, the
preview stays small and fast, and nothing is stored. The .xlsx files are written by hand (the XML
parts zipped), as an attacker would, or by openpyxl where it produces the trap itself."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from core.errors import ValidationFailed
from crm.models import Customer, ImportJob
from crm.services.imports import import_job_create, import_preview, import_run

pytestmark = pytest.mark.django_db

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<workbook xmlns="{NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>客户名称</t></is></c></row>'


def raw_xlsx(rows_xml: str, *, dimension: str = "", shared: list[str] | None = None) -> bytes:
    """A minimal workbook whose first sheet holds exactly `rows_xml`."""
    sheet = f'<worksheet xmlns="{NS}">'
    if dimension:
        sheet += f'<dimension ref="{dimension}"/>'
    sheet += f"<sheetData>{rows_xml}</sheetData></worksheet>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            items = "".join(f"<si><t>{text}</t></si>" for text in shared)
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{NS}">{items}</sst>')
    return buffer.getvalue()


def refusal(org, data: bytes, filename: str = "hostile.xlsx") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as error:
        import_preview(actor=org.zhang, entity="customer", data=data, filename=filename)
    return error.value


def test_a_single_cell_at_column_zzzz_is_refused_naming_the_cell(org):
    # given a 1 KB workbook whose only cell is ZZZZ1 (column 475,254)
    data = raw_xlsx('<row r="1"><c r="ZZZZ1" t="inlineStr"><is><t>x</t></is></c></row>')
    assert len(data) < 2000
    # when it is previewed, then it is refused at that cell, before anything is padded
    error = refusal(org, data)
    assert error.location == {"row": 1, "cell": "ZZZZ1"}
    assert "ZZZZ1" in error.fields["file"][0] and "500" in error.fields["file"][0]


def test_a_reference_far_beyond_excel_is_refused_not_a_memory_error(org):
    error = refusal(org, raw_xlsx('<row r="1"><c r="ZZZZZZZ1"><v>1</v></c></row>'))
    assert error.location["cell"] == "ZZZZZZZ1"


def test_the_declared_dimension_is_checked_before_any_row(org):
    # given a sheet that declares A1:ZZZZ1048576 but holds a normal header
    error = refusal(org, raw_xlsx(HEADER_ROW, dimension="A1:ZZZZ1048576"))
    assert error.location == {"cell": "ZZZZ1048576"}
    # and a sheet declaring a million rows within the column limit
    error = refusal(org, raw_xlsx(HEADER_ROW, dimension="A1:C1048576"))
    assert error.location == {"row": 1048576} and "500001" in error.fields["file"][0]


def test_rows_beyond_the_limit_are_refused_at_the_row(org, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = HEADER_ROW + "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 7))
    assert refusal(org, raw_xlsx(rows)).location == {"row": 5}
    # a job reads every row before writing any, so it fails having written nothing
    job = import_job_create(
        actor=org.zhang, entity="customer", data=raw_xlsx(rows), filename="a.xlsx", run=False
    )
    job = import_run(job_id=job.pk)
    assert job.status == ImportJob.Status.FAILED and "Row 5" in job.errors[0]["message"]
    assert not Customer.objects.exists()


def test_a_text_longer_than_a_cell_may_hold_is_refused_at_its_cell(org):
    # given a shared string of 40,000 characters used by cell B2 (Excel's own cell limit is 32,767)
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>'
    )
    error = refusal(org, raw_xlsx(rows, shared=["客户名称", "x" * 40_000]))
    assert error.location == {"cell": "B2"} and "40000" in error.fields["file"][0]
    # an inline text in the sheet itself
    inline = f'<row r="2"><c r="C2" t="inlineStr"><is><t>{"y" * 40_000}</t></is></c></row>'
    assert refusal(org, raw_xlsx(HEADER_ROW + inline)).location == {"cell": "C2"}


def test_a_text_beyond_what_the_xml_parser_takes_is_a_refusal_not_a_500(org):
    # 11 MB in one text node (the 300 MB cell of the probe fails the same way, only later)
    error = refusal(org, raw_xlsx(HEADER_ROW, shared=["z" * (11 * 2**20)]))
    assert "sharedStrings.xml" in error.fields["file"][0]


def test_a_part_that_unpacks_beyond_the_limit_is_refused(org, settings):
    settings.IMPORT_MAX_UNPACKED_MB = 1
    rows = HEADER_ROW + "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 40_000))
    data = raw_xlsx(rows)
    assert len(data) < 2**20  # the zip is small; what it unpacks to is not
    error = refusal(org, data)
    assert "sheet1.xml" in error.fields["file"][0] and "1 MB" in error.fields["file"][0]


def test_a_formula_without_a_stored_value_is_refused_at_its_cell_and_nothing_is_written(org):
    # given a sheet as openpyxl writes it: formulas are stored without a calculated value
    book = Workbook()
    book.active.append(["客户名称", "电话"])
    book.active.append(["公式公司", "=1+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    # when it is previewed or run as a job
    error = refusal(org, buffer.getvalue())
    assert error.location == {"cell": "B2"} and "formula" in error.fields["file"][0]
    job = import_job_create(
        actor=org.zhang, entity="customer", data=buffer.getvalue(), filename="f.xlsx", run=False
    )
    job = import_run(job_id=job.pk)
    # then the job fails naming the cell and no customer is written
    assert job.status == ImportJob.Status.FAILED and "B2" in job.errors[0]["message"]
    assert not Customer.objects.exists()


def test_a_csv_too_wide_or_with_a_huge_field_is_refused_at_the_row(org):
    wide = ("客户名称" + "," * 600 + "\n").encode()
    error = refusal(org, wide, "wide.csv")
    assert error.location == {"row": 1, "cell": "SG1"}
    huge = ("客户名称\n" + "x" * 200_000 + "\n").encode()
    error = refusal(org, huge, "huge.csv")
    assert error.location == {"row": 2}


def test_the_wizard_answers_a_small_located_400_and_stores_nothing(client, org):
    client.force_login(org.zhang)
    hostile = raw_xlsx('<row r="1"><c r="ZZZZ1" t="inlineStr"><is><t>x</t></is></c></row>')
    response = client.post(
        reverse("crm:import"),
        {"entity": "customer", "file": SimpleUploadedFile("zzzz.xlsx", hostile)},
    )
    assert response.status_code == 400
    assert "ZZZZ1" in response.content.decode() and len(response.content) < 200_000
    assert not ImportJob.objects.exists() and "crm_import_upload" not in client.session


def test_numbers_beyond_their_columns_are_row_errors_and_the_batch_writes_nothing(org):
    book = Workbook()
    book.active.append(["客户名称", "年营业额", "员工数"])
    book.active.append(["正常公司", 1000, 10])
    book.active.append(["巨大公司", "1" + "0" * 20, "9" * 30])
    buffer = io.BytesIO()
    book.save(buffer)
    job = import_job_create(
        actor=org.zhang, entity="customer", data=buffer.getvalue(), filename="n.xlsx", run=False
    )
    job = import_run(job_id=job.pk)
    assert {(e["row"], e["field"]) for e in job.errors} == {(3, "annual_revenue"), (3, "employee_count")}
    assert not Customer.objects.exists()


def test_junk_numbers_in_the_sheet_xml_are_a_located_refusal_or_ignored_never_a_500(org):
    # a row number of 5,000 digits is ignored (the rows are counted instead)
    row = f'<row r="{"9" * 5000}"><c t="inlineStr"><is><t>x</t></is></c></row>'
    preview = import_preview(
        actor=org.zhang, entity="customer", data=raw_xlsx(HEADER_ROW + row), filename="a.xlsx"
    )
    assert preview["rows"] == [["x"]]
    # a shared-string index of 5,000 digits, a number that is no number
    for cell in (f'<c r="A2" t="s"><v>{"9" * 5000}</v></c>', '<c r="A2"><v>twelve</v></c>'):
        error = refusal(org, raw_xlsx(HEADER_ROW + f'<row r="2">{cell}</row>', shared=["客户名称"]))
        assert error.location == {"cell": "A2"}
