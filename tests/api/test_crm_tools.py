"""The CRM tool endpoints through the API: Excel import jobs and list exports, favourite lists,
campaign members/tasks/costs, expenses, the customer merge and the refused deletes. Each is
checked for the happy path with its audit row, another salesperson's record (404), a missing
permission (403) and junk input (400 with the field named)."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from crm.models import Contact, Customer, Expense, ExpenseCategory, FavouriteList, ImportJob
from crm.services.imports import import_run
from org.models import User
from tests.api.endpoints import import_upload
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def liu(demo):
    """Another salesperson of zhang's team: his records are not zhang's to see."""
    return User.objects.get(username="liu.yang")


def _audited(action: str, obj, **extra) -> int:
    return AuditEvent.objects.filter(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), **extra
    ).count()


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


# -- import jobs -----------------------------------------------------------------------------------


def test_import_a_sheet_poll_the_job_and_download_its_error_report(
    demo, client_for, django_capture_on_commit_callbacks
):
    zhang = client_for(demo["salesperson"])
    sheet = "客户名称,电话,邮箱\n导入测试甲公司,010-66668888,a@example.com\n,010-1,not-an-email\n".encode()
    # given a preview of the sheet with its suggested mapping
    preview = zhang.post(
        "/api/v1/import-jobs/preview/",
        {"entity": "customer", "file": import_upload(content=sheet)},
        format="multipart",
    )
    assert preview.status_code == 200, preview.content
    assert preview.json()["suggested_mapping"] == {"客户名称": "name", "电话": "phone", "邮箱": "email"}
    # when the sheet is uploaded as a job (it runs after commit, in the background)
    with django_capture_on_commit_callbacks() as queued:
        created = zhang.post(
            "/api/v1/import-jobs/",
            {"entity": "customer", "file": import_upload(content=sheet)},
            format="multipart",
        )
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]
    assert created.json()["status"] == "pending" and len(queued) == 1
    import_run(job_id=job_id)  # what the queued task does
    # then polling shows the outcome: the batch with a bad row wrote nothing, and the report
    # locates the problems (sheet row 3)
    polled = zhang.get(f"/api/v1/import-jobs/{job_id}/").json()
    assert polled["status"] == "failed" and polled["created_count"] == 0 and polled["error_count"] == 3
    assert not Customer.objects.filter(name="导入测试甲公司").exists()
    report = _sheet(zhang.get(f"/api/v1/import-jobs/{job_id}/errors/"))
    assert report[0] == ("row", "column", "problem") and {row[:2] for row in report[1:]} == {
        (3, "客户名称"),
        (3, "电话"),
        (3, "邮箱"),
    }
    # and the corrected sheet goes in
    fixed = sheet.decode().splitlines()[:2]
    with django_capture_on_commit_callbacks():
        again = zhang.post(
            "/api/v1/import-jobs/",
            {"entity": "customer", "file": import_upload(content="\n".join(fixed).encode())},
            format="multipart",
        )
    import_run(job_id=again.json()["id"])
    assert zhang.get(f"/api/v1/import-jobs/{again.json()['id']}/").json()["created_count"] == 1
    assert Customer.objects.get(name="导入测试甲公司").owner == demo["salesperson"]
    assert _audited("import", ImportJob.objects.get(pk=job_id)) >= 1


def test_import_refuses_junk_with_located_errors_and_creates_no_job(demo, client_for):
    zhang = client_for(demo["salesperson"])
    cases = [
        ({"entity": "planet", "file": import_upload()}, "entity"),
        ({"entity": "customer"}, "file"),
        ({"entity": "customer", "file": import_upload("x.xlsx", b"this is no workbook")}, "file"),
        ({"entity": "customer", "file": import_upload(), "mapping": "[1, 2]"}, "mapping"),
        ({"entity": "customer", "file": import_upload(), "mapping": json.dumps({"电话": "phone"})}, "name"),
        ({"entity": "customer", "file": import_upload(), "on_duplicate": "explode"}, "on_duplicate"),
    ]
    for body, field in cases:
        response = zhang.post("/api/v1/import-jobs/", body, format="multipart")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["fields"], (field, response.json())
    # a JSON body cannot carry the sheet: 415, in the one error shape
    as_json = zhang.post("/api/v1/import-jobs/", {"entity": "customer"}, format="json")
    assert as_json.status_code == 415 and as_json.json()["code"] == "unsupported_media_type"
    assert not ImportJob.objects.exists()


def test_import_jobs_are_private_and_need_the_add_right(demo, client_for, liu):
    job = ImportJob.objects.create(entity="customer", created_by=liu, file="crm/imports/x.csv")
    zhang = client_for(demo["salesperson"])
    assert zhang.get(f"/api/v1/import-jobs/{job.pk}/").status_code == 404
    assert zhang.get(f"/api/v1/import-jobs/{job.pk}/errors/").status_code == 404
    # a dispatcher may not import customers
    refused = client_for(demo["dispatcher"]).post(
        "/api/v1/import-jobs/", {"entity": "customer", "file": import_upload()}, format="multipart"
    )
    assert refused.status_code == 403 and not ImportJob.objects.filter(created_by=demo["dispatcher"]).exists()


# -- list export -----------------------------------------------------------------------------------


def test_export_of_a_filtered_list_holds_only_what_the_caller_may_export(demo, client_for, liu):
    CustomerFactory(owner=demo["salesperson"], name="导出甲公司")
    CustomerFactory(owner=liu, name="导出乙公司")
    zhang = client_for(demo["salesperson"])
    rows = _sheet(zhang.get("/api/v1/exports/customer/", {"params": json.dumps({"search": "导出"})}))
    names = {cell for row in rows[1:] for cell in row if isinstance(cell, str)}
    assert "导出甲公司" in names and "导出乙公司" not in names
    assert AuditEvent.objects.filter(action="export", actor=demo["salesperson"]).count() == 1


def test_export_junk_and_missing_right(demo, client_for):
    zhang = client_for(demo["salesperson"])
    assert zhang.get("/api/v1/exports/customer/", {"params": "{not json"}).json()["fields"].keys() == {
        "params"
    }
    assert "entity" in zhang.get("/api/v1/exports/planet/").json()["fields"]
    bad_filter = zhang.get("/api/v1/exports/customer/", {"params": json.dumps({"filters": {"level": "x"}})})
    assert bad_filter.status_code == 400 and bad_filter.json()["fields"]
    # salespeople may export customers and contacts only; dispatchers nothing
    assert zhang.get("/api/v1/exports/order/").status_code == 403
    assert client_for(demo["dispatcher"]).get("/api/v1/exports/customer/").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


# -- favourite lists -------------------------------------------------------------------------------


def test_favourite_list_add_items_remove_with_audit(demo, client_for, liu):
    zhang = client_for(demo["salesperson"])
    created = zhang.post("/api/v1/favourite-lists/", {"name": "重点客户"})
    assert created.status_code == 201, created.content
    favourites = FavouriteList.objects.get(pk=created.json()["id"])
    mine, theirs = CustomerFactory(owner=demo["salesperson"]), CustomerFactory(owner=liu)
    # another salesperson's customer cannot be added: the field says which one
    refused = zhang.post(f"/api/v1/favourite-lists/{favourites.pk}/add/", {"customers": [mine.pk, theirs.pk]})
    assert refused.status_code == 400 and "customers.1" in refused.json()["fields"]
    assert not favourites.items.exists()
    added = zhang.post(f"/api/v1/favourite-lists/{favourites.pk}/add/", {"customers": [mine.pk]})
    assert added.status_code == 200 and added.json() == {"count": 1}
    items = zhang.get(f"/api/v1/favourite-lists/{favourites.pk}/items/").json()["results"]
    assert [item["customer"] for item in items] == [mine.pk]
    assert (
        zhang.post(f"/api/v1/favourite-lists/{favourites.pk}/remove/", {"customers": [mine.pk]}).status_code
        == 204
    )
    assert not favourites.items.exists()
    assert _audited("create", favourites) == 1 and _audited("change", favourites) == 2
    # junk: nothing named
    empty = zhang.post(f"/api/v1/favourite-lists/{favourites.pk}/add/", {})
    assert empty.status_code == 400 and "customers" in empty.json()["fields"]


def test_favourite_lists_are_personal_and_not_deleted(demo, client_for, liu):
    theirs = FavouriteList.objects.create(name="Liu's", owner=liu)
    zhang = client_for(demo["salesperson"])
    assert zhang.get(f"/api/v1/favourite-lists/{theirs.pk}/").status_code == 404
    assert zhang.post(f"/api/v1/favourite-lists/{theirs.pk}/add/", {"customers": [1]}).status_code == 404
    assert client_for(demo["dispatcher"]).get("/api/v1/favourite-lists/").status_code == 403
    refused = client_for(demo["admin"]).delete(f"/api/v1/favourite-lists/{theirs.pk}/")
    assert refused.status_code == 405 and refused.json()["code"] == "method_not_allowed"
    assert FavouriteList.objects.filter(pk=theirs.pk).exists()


# -- campaigns -------------------------------------------------------------------------------------


def test_campaign_members_tasks_costs_and_roi(demo, client_for, liu):
    zhang = client_for(demo["salesperson"])
    campaign = zhang.post("/api/v1/campaigns/", {"name": "春季展会"}).json()
    base = f"/api/v1/campaigns/{campaign['id']}"
    mine, contact_owner = CustomerFactory(owner=demo["salesperson"]), demo["salesperson"]
    contact = Contact.objects.create(customer=CustomerFactory(owner=contact_owner), name="王经理")
    members = zhang.post(f"{base}/members/", {"customers": [mine.pk], "contacts": [contact.pk]})
    assert members.status_code == 201 and members.json() == {"count": 2}
    assert zhang.get(f"{base}/members/").json()["count"] == 2
    task = zhang.post(
        f"{base}/tasks/", {"title": "寄邀请函", "assignee": demo["salesperson"].pk, "due_on": "2026-12-01"}
    )
    assert task.status_code == 201 and task.json()["title"] == "寄邀请函"
    cost = zhang.post(f"{base}/costs/", {"item": "展位", "amount": "5000.00"})
    assert cost.status_code == 201
    assert zhang.get(f"{base}/roi/").json()["cost"] == "5000.00"
    assert AuditEvent.objects.filter(object_type="crm.campaigntask", action="create").count() == 1
    assert AuditEvent.objects.filter(object_type="crm.campaigncost", action="create").count() == 1
    assert AuditEvent.objects.filter(object_type="crm.campaign", action="change").count() == 1
    # junk is located, and changes nothing
    bad = zhang.post(f"{base}/tasks/", {"title": "", "due_on": "someday"})
    assert bad.status_code == 400 and {"title", "assignee", "due_on"} <= set(bad.json()["fields"])
    bad_cost = zhang.post(f"{base}/costs/", {"item": "x", "amount": "-1"})
    assert bad_cost.status_code == 400 and "amount" in bad_cost.json()["fields"]
    assert zhang.get(f"{base}/costs/").json()["count"] == 1
    # another salesperson's campaign is invisible; a dispatcher has no campaign rights
    assert client_for(liu).get(f"{base}/members/").status_code == 404
    assert client_for(liu).post(f"{base}/costs/", {"item": "x", "amount": "1"}).status_code == 404
    assert client_for(demo["dispatcher"]).get(f"{base}/tasks/").status_code == 403


# -- expenses --------------------------------------------------------------------------------------


def test_expenses_create_totals_and_privacy(demo, client_for, liu):
    manager = client_for(demo["sales_manager"])
    travel = manager.post("/api/v1/expense-categories/", {"name": "差旅"}).json()
    hotel = manager.post("/api/v1/expense-categories/", {"name": "住宿", "parent": travel["id"]}).json()
    zhang = client_for(demo["salesperson"])
    created = zhang.post(
        "/api/v1/expenses/", {"category": hotel["id"], "amount": "320.00", "spent_on": "2026-11-02"}
    )
    assert created.status_code == 201, created.content
    expense = Expense.objects.get(pk=created.json()["id"])
    assert expense.owner == demo["salesperson"] and _audited("create", expense) == 1
    totals = {row["name"]: row["total"] for row in zhang.get("/api/v1/expense-categories/totals/").json()}
    assert totals == {"差旅": "320.00", "住宿": "320.00"}
    bad = zhang.post("/api/v1/expenses/", {"category": 999999, "amount": "abc", "spent_on": "yesterday"})
    assert bad.status_code == 400 and {"category", "amount", "spent_on"} <= set(bad.json()["fields"])
    assert client_for(liu).get(f"/api/v1/expenses/{expense.pk}/").status_code == 404
    assert client_for(demo["dispatcher"]).post("/api/v1/expenses/", {}).status_code == 403
    # a category cannot go under its own child
    loop = manager.post(f"/api/v1/expense-categories/{travel['id']}/move/", {"parent": hotel["id"]})
    assert loop.status_code == 400 and "parent" in loop.json()["fields"]
    assert ExpenseCategory.objects.get(pk=travel["id"]).parent is None


# -- customer merge --------------------------------------------------------------------------------


def test_merge_preview_then_merge_with_choices(demo, client_for):
    owner = demo["sales_manager"]
    keep = CustomerFactory(owner=owner, name="合并保留公司", phone="")
    remove = CustomerFactory(owner=owner, name="合并删除公司", phone="010-77778888")
    Contact.objects.create(customer=remove, name="李四")
    wang = client_for(owner)
    preview = wang.post("/api/v1/customers/merge-preview/", {"keep": keep.pk, "remove": remove.pk})
    assert preview.status_code == 200, preview.content
    rows = {row["field"]: row for row in preview.json()["fields"]}
    assert rows["phone"]["default"] == "remove" and rows["name"]["default"] == "keep"
    assert {"entity": "crm.contact", "label": "contacts", "count": 1} in preview.json()["moving"]
    merged = wang.post(
        "/api/v1/customers/merge/", {"keep": keep.pk, "remove": remove.pk, "choices": {"name": "remove"}}
    )
    assert merged.status_code == 200, merged.content
    assert merged.json()["name"] == "合并删除公司" and merged.json()["phone"] == "010-77778888"
    assert not Customer.objects.filter(pk=remove.pk).exists()
    assert Contact.objects.get(name="李四").customer_id == keep.pk
    assert _audited("change", keep) == 1
    assert (
        AuditEvent.objects.filter(
            action="delete", object_type="crm.customer", object_id=str(remove.pk)
        ).count()
        == 1
    )


def test_merge_refusals(demo, client_for, liu):
    mine = CustomerFactory(owner=demo["sales_manager"])
    other = CustomerFactory(owner=demo["sales_manager"])
    north = CustomerFactory(owner=User.objects.get(username="yang.lei"))  # outside wang's tree
    wang = client_for(demo["sales_manager"])
    hidden = wang.post("/api/v1/customers/merge/", {"keep": mine.pk, "remove": north.pk})
    assert hidden.status_code == 404 and "remove" in hidden.json()["fields"]
    # salespeople do not merge (it deletes a card)
    zhang_own = CustomerFactory(owner=demo["salesperson"])
    assert (
        client_for(demo["salesperson"])
        .post(
            "/api/v1/customers/merge/",
            {"keep": zhang_own.pk, "remove": CustomerFactory(owner=demo["salesperson"]).pk},
        )
        .status_code
        == 403
    )
    junk = wang.post(
        "/api/v1/customers/merge/", {"keep": "x", "remove": mine.pk, "choices": {"name": "both"}}
    )
    assert junk.status_code == 400 and {"keep", "choices.name"} <= set(junk.json()["fields"])
    unknown_field = wang.post(
        "/api/v1/customers/merge/", {"keep": mine.pk, "remove": other.pk, "choices": {"pk": "keep"}}
    )
    assert unknown_field.status_code == 400 and "pk" in unknown_field.json()["fields"]
    itself = wang.post("/api/v1/customers/merge/", {"keep": mine.pk, "remove": mine.pk})
    assert itself.status_code == 400 and "remove" in itself.json()["fields"]
    assert Customer.objects.filter(pk__in=[mine.pk, other.pk, north.pk]).count() == 3


# -- refused deletes -------------------------------------------------------------------------------


def test_deleting_what_the_crm_keeps_is_a_405_that_says_what_to_do(demo, client_for):
    customer = CustomerFactory(owner=demo["admin"])
    contact = Contact.objects.create(customer=customer, name="Keep me")
    response = client_for(demo["admin"]).delete(f"/api/v1/contacts/{contact.pk}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed" and "active" in response.json()["message"]
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_the_refusal_speaks_the_callers_language(demo, client_for):
    contact = Contact.objects.create(customer=CustomerFactory(owner=demo["admin"]), name="保留")
    response = client_for(demo["admin"]).delete(
        f"/api/v1/contacts/{contact.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 405 and "不能删除" in response.json()["message"]
