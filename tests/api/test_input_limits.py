"""Hostile bodies get a 400 that names the field, never a 500: numbers beyond what the database
stores, JSON nested thousands deep or with out-of-range numbers, bodies over the size limit; and a
rejected process upload is not sent back."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Order
from engine.models import DefinitionVersion
from tests.crm.factories import CustomerFactory, ProductFactory

from .conftest import bpmn_files

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def post_json(client, path: str, body: str):
    return client.generic("POST", path, body, content_type="application/json")


def test_an_order_line_whose_amount_exceeds_what_an_order_holds_is_a_located_400(demo, client_for):
    # given a product at 12,345.00 and the largest quantity a line stores
    customer = CustomerFactory(owner=demo["salesperson"])
    product = ProductFactory(price=12345)
    zhang = client_for(demo["salesperson"])
    # when an order of 99,999,999,999.999 pieces is posted
    response = zhang.post(
        "/api/v1/orders/",
        {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": "99999999999.999"}]},
    )
    # then it is refused naming the line's quantity, and nothing is stored
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["lines.1.quantity"]
    assert not Order.objects.exists()


def test_order_lines_that_add_up_beyond_an_order_total_are_refused(demo, client_for):
    customer = CustomerFactory(owner=demo["salesperson"])
    product = ProductFactory(price="999999999999.99")
    line = {"product": product.pk, "quantity": "99", "price": "999999999999.99"}
    response = client_for(demo["salesperson"]).post(
        "/api/v1/orders/", {"customer": customer.pk, "lines": [line] * 20}
    )
    assert response.status_code == 400 and "lines" in response.json()["fields"]
    assert not Order.objects.exists()


def test_json_nested_5000_deep_is_a_400_naming_the_field(demo, client_for):
    zhang = client_for(demo["salesperson"])
    # a bare array, and a deep value under a field
    bare = post_json(zhang, "/api/v1/orders/", DEEP)
    assert bare.status_code == 400 and bare.json()["code"] == "validation_failed"
    nested = post_json(zhang, "/api/v1/customers/", '{"name": "x", "custom": ' + DEEP + "}")
    assert nested.status_code == 400
    assert list(nested.json()["fields"]) == ["custom"] and "64" in nested.json()["fields"]["custom"][0]


def test_numbers_out_of_range_in_json_are_a_400(demo, client_for):
    zhang = client_for(demo["salesperson"])
    for number in ("1e999999", "9" * 4000, "NaN"):
        response = post_json(zhang, "/api/v1/customers/", '{"name": "x", "employee_count": ' + number + "}")
        assert response.status_code == 400, (number, response.content)
        assert response.json()["code"] in ("validation_failed", "parse_error")


def test_a_body_over_the_size_limit_is_refused(demo, client_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post_json(
        client_for(demo["salesperson"]), "/api/v1/customers/", json.dumps({"name": "x" * 20_000})
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_deep_json_in_a_multipart_field_or_a_query_parameter_is_a_400(demo, client_for):
    zhang = client_for(demo["salesperson"])
    sheet = SimpleUploadedFile("c.csv", "客户名称\n甲公司\n".encode(), content_type="text/csv")
    response = zhang.post(
        "/api/v1/import-jobs/", {"entity": "customer", "file": sheet, "mapping": DEEP}, format="multipart"
    )
    assert response.status_code == 400 and "mapping" in response.json()["fields"]
    response = zhang.get("/api/v1/exports/customer/", {"params": DEEP})
    assert response.status_code == 400 and "params" in response.json()["fields"]


def test_a_rejected_process_upload_is_not_echoed(demo, client_for):
    admin = client_for(demo["admin"])
    marker = "ECHO-" * 2_000
    name, body = next(iter(bpmn_files("api_review.bpmn").items()))
    # a file over the 5 MB limit, and one whose unsupported element has a 1 MB name
    huge = body.replace(b"</bpmn:definitions>", f"<!-- {marker * 600} --></bpmn:definitions>".encode())
    gateway = f'<bpmn:complexGateway id="cg" name="{marker * 100}" /></bpmn:process>'
    long_name = body.replace(b"</bpmn:process>", gateway.encode())
    for upload in (huge, long_name):
        response = admin.post(
            "/api/v1/process-definitions/deploy/",
            {"files": [SimpleUploadedFile(name, upload)]},
            format="multipart",
        )
        assert response.status_code == 400 and marker not in response.content.decode()
        assert len(response.content) < 50_000
    form = SimpleUploadedFile("deep.json", ('{"type": "object", "x": ' + DEEP + "}").encode())
    response = admin.post(
        "/api/v1/process-definitions/deploy/",
        {"files": [SimpleUploadedFile(name, body), form]},
        format="multipart",
    )
    assert response.status_code == 400 and "deep.json" in response.content.decode()
    assert DefinitionVersion.objects.filter(key="api_review").count() == 0
