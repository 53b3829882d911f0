import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from core.errors import NotPermitted, ValidationFailed
from crm.models import ChoiceList, Contact, Customer, CustomFieldDefinition, ImportJob, Product
from crm.services.imports import (
    import_error_report,
    import_job_create,
    import_preview,
    import_run,
    list_export,
)

from .factories import ChoiceOptionFactory, CustomerFactory, CustomerLevelFactory

HEADERS = ["客户名称", "电话", "邮箱", "行业", "级别", "年营业额", "客户经理", "厂房面积"]


def xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def reference(org):
    CustomerLevelFactory(code="A", name="A级")
    ChoiceOptionFactory(choice_list=ChoiceList.INDUSTRY, code="mfg", label="制造业")
    CustomFieldDefinition.objects.create(entity="customer", key="plant_area", label="厂房面积", kind="number")


def run(org, data, *, filename="customers.xlsx", entity="customer", **kwargs) -> ImportJob:
    job = import_job_create(actor=org.zhang, entity=entity, data=data, filename=filename, run=False, **kwargs)
    return import_run(job_id=job.pk)


def test_preview_suggests_the_mapping_from_chinese_headers(org, reference):
    preview = import_preview(
        actor=org.zhang, entity="customer", data=xlsx([["甲公司", "010-1234567"]]), filename="a.xlsx"
    )
    assert preview["suggested_mapping"] == {
        "客户名称": "name",
        "电话": "phone",
        "邮箱": "email",
        "行业": "industry",
        "级别": "level",
        "年营业额": "annual_revenue",
        "客户经理": "owner",
        "厂房面积": "custom.plant_area",
    }
    assert preview["rows"][0][:2] == ["甲公司", "010-1234567"]


def test_import_creates_customers_with_lists_owner_and_custom_fields(org, reference):
    # given a sheet of two customers
    data = xlsx(
        [
            [
                "上海明远机械有限公司",
                "021-65432100",
                "info@mingyuan.cn",
                "制造业",
                "A",
                1200000,
                "t.liu",
                3000,
            ],
            ["杭州青禾食品有限公司", 13912345678, None, "mfg", None, "2,500", None, None],
        ]
    )
    # when it is imported
    job = run(org, data)
    # then both cards exist, numbered, with resolved references and progress at 100%
    assert (job.status, job.created_count, job.progress, job.errors) == ("done", 2, 100, [])
    first = Customer.objects.get(name="上海明远机械有限公司")
    assert first.owner == org.liu and first.level.code == "A" and first.industry.label == "制造业"
    assert first.custom == {"plant_area": 3000} and first.code.startswith("C")
    second = Customer.objects.get(name="杭州青禾食品有限公司")
    assert second.owner == org.zhang and second.phone == "13912345678" and second.annual_revenue == 2500


def test_bad_cells_are_located_and_the_batch_writes_nothing(org, reference):
    data = xlsx(
        [
            ["好公司", "021-65432100", None, None, None, None, None, None],
            ["", "not a phone", "x@", "农业", "Z", "lots", "nobody", "big"],
        ]
    )
    job = run(org, data)
    assert job.status == "failed" and job.failed_batches == 1
    assert not Customer.objects.exists()
    located = {(e["row"], e["column"]) for e in job.errors}
    assert located == {(3, h) for h in HEADERS}
    report = load_workbook(io.BytesIO(import_error_report(job=job))).active
    assert [c.value for c in next(report.iter_rows(max_row=1))] == ["row", "column", "problem"]
    assert report.max_row == 1 + len(job.errors)


@pytest.mark.parametrize(
    ("policy", "created", "updated", "skipped"),
    [("skip", 2, 0, 2), ("update", 2, 1, 1), ("create", 4, 0, 0)],
)
def test_duplicates_are_handled_per_row(org, reference, policy, created, updated, skipped):
    # given an existing card without a phone
    existing = CustomerFactory(owner=org.zhang, name="北京远航科技有限公司", phone="")
    data = xlsx(
        [
            [
                "北京远航科技股份有限公司",
                "010-88886666",
                None,
                None,
                None,
                None,
                None,
                None,
            ],  # the existing one
            ["ＡＢＣ Trading Co., Ltd.", None, None, None, None, None, None, None],  # noqa: RUF001
            ["abc trading inc", None, None, None, None, None, None, None],  # the row above again
            ["深圳新锐电子有限公司", "0755-1234567", None, None, None, None, None, None],
        ]
    )
    # when imported with the policy
    job = run(org, data, on_duplicate=policy)
    # then the counts follow it, and "update" fills the existing card
    assert (job.created_count, job.updated_count, job.skipped_count) == (created, updated, skipped)
    assert Customer.objects.count() == 1 + created
    existing.refresh_from_db()
    assert existing.phone == ("010-88886666" if policy == "update" else "")


def test_wrong_columns_are_refused_before_anything_is_stored(org, reference):
    data = xlsx([["x"]], headers=["公司"])
    with pytest.raises(ValidationFailed) as error:
        import_job_create(actor=org.zhang, entity="customer", data=data, filename="a.xlsx", run=False)
    assert "name" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        import_job_create(
            actor=org.zhang,
            entity="customer",
            data=data,
            filename="a.xlsx",
            mapping={"公司": "password", "无此列": "name"},
            run=False,
        )
    assert set(error.value.fields) == {"公司", "无此列"}
    assert not ImportJob.objects.exists()


def test_encodings_gb18030_csv_works_and_utf16_or_garbage_is_refused(org, reference):
    csv_text = "客户名称,电话\n广州白云贸易有限公司,020-87654321\n"
    job = run(org, csv_text.encode("gb18030"), filename="customers.csv")
    assert job.created_count == 1
    with pytest.raises(ValidationFailed) as error:
        import_job_create(
            actor=org.zhang, entity="customer", data=csv_text.encode("utf-16"), filename="c.csv", run=False
        )
    assert "file" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        import_job_create(
            actor=org.zhang, entity="customer", data=b"PK\x03\x04garbage", filename="c.xlsx", run=False
        )
    assert "file" in error.value.fields
    with pytest.raises(ValidationFailed):
        import_job_create(
            actor=org.zhang, entity="customer", data=b"plain text", filename="c.xlsx", run=False
        )


def test_the_background_task_runs_after_commit(org, reference, django_capture_on_commit_callbacks):
    data = xlsx([["宁波海通物流有限公司", None, None, None, None, None, None, None]])
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(actor=org.zhang, entity="customer", data=data, filename="a.xlsx")
    job.refresh_from_db()
    assert (job.status, job.created_count, job.processed_rows, job.total_rows) == ("done", 1, 1, 1)


def test_contacts_import_needs_customers_the_user_may_change(org):
    mine = CustomerFactory(owner=org.zhang, code="C900001")
    CustomerFactory(owner=org.yang, code="C900002")
    data = xlsx([["C900001", "陈红", "采购部", "1980-05-04"]], headers=["客户编号", "姓名", "部门", "生日"])
    job = run(org, data, entity="contact")
    assert job.created_count == 1 and Contact.objects.get().customer == mine
    job = run(
        org,
        xlsx([["C900002", "李四", "", ""]], headers=["客户编号", "姓名", "部门", "生日"]),
        entity="contact",
    )
    assert job.errors[0]["column"] == "客户编号" and Contact.objects.count() == 1


def test_products_import_updates_by_code(org):
    Product.objects.create(code="P-1", name="旧名", price=1)
    data = xlsx(
        [["P-1", "净水器", "台", 1999], ["P-2", "滤芯", "个", "35.5"]],
        headers=["产品编号", "产品名称", "单位", "单价"],
    )
    job = import_job_create(
        actor=org.admin, entity="product", data=data, filename="p.xlsx", on_duplicate="update", run=False
    )
    job = import_run(job_id=job.pk)
    assert (job.created_count, job.updated_count) == (1, 1)
    assert Product.objects.get(code="P-1").name == "净水器"


def test_export_of_a_list_view_has_only_visible_rows(org):
    CustomerFactory(owner=org.zhang, name="张的客户")
    CustomerFactory(owner=org.yang, name="杨的客户")
    data = list_export(actor=org.zhang, entity="customer", params={"sort": "name"})
    sheet = load_workbook(io.BytesIO(data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["张的客户"]
    with pytest.raises(NotPermitted):
        list_export(actor=org.no_perms, entity="customer")


def test_contact_duplicates_at_the_same_customer_are_skipped_or_updated(org):
    mine = CustomerFactory(owner=org.zhang, code="C900011")
    headers = ["客户编号", "姓名", "手机", "职务"]
    run(org, xlsx([["C900011", "陈红", "13900001111", "采购"]], headers=headers), entity="contact")
    rows = [
        ["C900011", "陈红", "", "采购经理"],
        ["C900011", "另一个人", "139 0000 1111", ""],
        ["C900011", "周亮", "", ""],
    ]
    job = run(org, xlsx(rows, headers=headers), entity="contact", on_duplicate="update")
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 1, 1)
    assert mine.contacts.get(name="陈红").title == "采购经理"


def test_awkward_text_survives_the_bulk_write(org, reference):
    from crm.services.customers import customer_create

    # given cells with newlines, tabs, backslashes and a COPY null marker
    text = "第一行\n\tTab\\backslash \\N «quotes» 'single'"
    data = xlsx([["怪字符公司", text, "1.5", 12.5]], headers=["客户名称", "描述", "年营业额", "厂房面积"])
    # when imported
    run(org, data)
    # then every value arrives unchanged
    customer = Customer.objects.get(name="怪字符公司")
    assert customer.description == text and customer.custom == {"plant_area": 12.5}
    assert customer.annual_revenue == Decimal("1.5") and customer.created_at is not None
    # and the next card created the ordinary way gets a fresh id from the same sequence
    assert customer_create(actor=org.zhang, name="普通公司").pk > customer.pk
