"""The Documents tab: upload through crm's service, download, share with the customer, delete;
only people who may change the customer may do the writes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.models import Document
from crm.services.customers import customer_share
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, customer, name="报价单.pdf", data=PDF, **extra):
    return client.post(
        reverse("crm:document_add", args=[customer.pk]),
        {"file": SimpleUploadedFile(name, data), "kind": "quotation", **extra},
    )


def test_the_owner_uploads_shares_downloads_and_deletes_a_document(client, org):
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    # when zhang uploads a quotation
    assert upload(client, customer)["Location"].endswith("?tab=documents")
    document = Document.objects.get()
    assert (document.title, document.kind, document.shared_with_customer) == ("报价单", "quotation", False)
    tab = client.get(reverse("crm:customer_detail", args=[customer.pk]), {"tab": "documents"})
    assert "报价单" in tab.content.decode()
    # then he can download it
    download = client.get(reverse("crm:document_download", args=[document.pk]))
    assert b"".join(download.streaming_content) == PDF
    # share it with the customer, and delete it
    client.post(reverse("crm:document_share", args=[document.pk]), {"shared": "1"})
    document.refresh_from_db()
    assert document.shared_with_customer is True
    client.post(reverse("crm:document_delete", args=[document.pk]))
    assert not Document.objects.exists()


def test_a_file_whose_bytes_do_not_match_its_name_is_refused_with_a_message(client, org):
    customer = CustomerFactory(owner=org.zhang)
    client.force_login(org.zhang)
    response = upload(client, customer, name="fake.pdf", data=b"MZ\x90\x00 not a pdf")
    assert response.status_code == 302
    assert not Document.objects.exists()


def test_a_read_share_may_download_but_not_change(client, org):
    customer = CustomerFactory(owner=org.liu)
    client.force_login(org.liu)
    upload(client, customer)
    document = Document.objects.get()
    customer_share(actor=org.liu, customer=customer, user=org.zhang)
    client.force_login(org.zhang)
    assert client.get(reverse("crm:document_download", args=[document.pk])).status_code == 200
    assert client.post(reverse("crm:document_delete", args=[document.pk])).status_code == 404
    upload(client, customer, name="mine.pdf")
    assert Document.objects.count() == 1
    client.force_login(org.yang)
    assert client.get(reverse("crm:document_download", args=[document.pk])).status_code == 404
