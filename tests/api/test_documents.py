"""Customer documents through the API: multipart upload checked by the file's bytes, download as
an attachment, the share-with-customer flag, delete; the card's rules decide who may do what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from crm.models import Document
from org.models import User
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _upload(name="offer.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_upload_download_share_and_delete_with_audit(demo, client_for):
    zhang = client_for(demo["salesperson"])
    customer = CustomerFactory(owner=demo["salesperson"])
    created = zhang.post(
        "/api/v1/documents/",
        {"customer": customer.pk, "file": _upload(), "title": "报价单", "kind": "quotation"},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["content_type"] == "application/pdf" and body["shared_with_customer"] is False
    download = zhang.get(f"/api/v1/documents/{body['id']}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"
    shared = zhang.patch(f"/api/v1/documents/{body['id']}/", {"shared_with_customer": True})
    assert shared.status_code == 200 and shared.json()["shared_with_customer"] is True
    assert zhang.get("/api/v1/documents/", {"customer": customer.pk}).json()["count"] == 1
    assert zhang.delete(f"/api/v1/documents/{body['id']}/").status_code == 204
    assert not Document.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="crm.document", object_id=str(body["id"]))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "view", "change", "delete"]


def test_a_file_that_lies_about_its_type_is_refused(demo, client_for):
    zhang = client_for(demo["salesperson"])
    customer = CustomerFactory(owner=demo["salesperson"])
    for upload, field in (
        (_upload("evil.pdf", b"MZ\x90\x00 not a pdf"), "file"),
        (_upload("run.exe", b"MZ\x90\x00"), "file"),
        (_upload("empty.txt", b"", "text/plain"), "file"),
    ):
        response = zhang.post(
            "/api/v1/documents/", {"customer": customer.pk, "file": upload}, format="multipart"
        )
        assert response.status_code == 400 and field in response.json()["fields"], response.content
    bad_kind = zhang.post(
        "/api/v1/documents/", {"customer": customer.pk, "file": _upload(), "kind": "poem"}, format="multipart"
    )
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["fields"]
    assert not Document.objects.exists()


def test_another_salespersons_documents_are_invisible_and_service_staff_only_read(demo, client_for):
    liu = User.objects.get(username="liu.yang")
    theirs = CustomerFactory(owner=liu)
    document = client_for(liu).post(
        "/api/v1/documents/", {"customer": theirs.pk, "file": _upload()}, format="multipart"
    )
    assert document.status_code == 201
    pk = document.json()["id"]
    zhang = client_for(demo["salesperson"])
    assert zhang.get(f"/api/v1/documents/{pk}/").status_code == 404
    assert zhang.get(f"/api/v1/documents/{pk}/download/").status_code == 404
    assert zhang.delete(f"/api/v1/documents/{pk}/").status_code == 404
    # uploading to someone else's customer: the customer field says it does not exist
    refused = zhang.post("/api/v1/documents/", {"customer": theirs.pk, "file": _upload()}, format="multipart")
    assert refused.status_code == 400 and "customer" in refused.json()["fields"]
    # a technician may see customers but not change them: no uploads
    tech_customer = CustomerFactory(owner=demo["technician"])
    upload = client_for(demo["technician"]).post(
        "/api/v1/documents/", {"customer": tech_customer.pk, "file": _upload()}, format="multipart"
    )
    assert upload.status_code == 403
    assert Document.objects.count() == 1
