"""The portal's Documents page: a company sees and downloads what staff shared with it, nothing
else; another company's document is a 404; downloads are attachments that browsers must not sniff."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.services.documents import document_upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture
def docs(world):
    admin = UserFactory(username="pt.admin", is_superuser=True, is_staff=True)

    def upload(customer, title, shared):
        return document_upload(
            actor=admin,
            customer=customer,
            upload=SimpleUploadedFile(f"{title}.pdf", PDF, "application/pdf"),
            title=title,
            kind="manual",
            shared_with_customer=shared,
        )

    return {
        "manual": upload(world.acme, "Pump manual", True),
        "internal": upload(world.acme, "Margin calculation", False),
        "globex": upload(world.globex, "Globex proposal", True),
    }


def test_the_company_lists_its_shared_documents_only(client, world, docs):
    client.force_login(world.andy.user)
    page = client.get(reverse("portal:documents")).content.decode()
    assert "Pump manual" in page
    assert "Margin calculation" not in page and "Globex proposal" not in page


def test_a_shared_document_downloads_as_an_attachment_with_nosniff(client, world, docs):
    client.force_login(world.andy.user)
    response = client.get(reverse("portal:document", args=[docs["manual"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("which", ["internal", "globex"])
def test_unshared_or_other_companies_documents_are_not_found(client, world, docs, which):
    client.force_login(world.alice.user)
    response = client.get(reverse("portal:document", args=[docs[which].pk]))
    assert response.status_code == 404
    assert docs[which].title not in response.content.decode()


def test_staff_cannot_use_the_portal_download(client, world, docs):
    client.force_login(world.manager)
    response = client.get(reverse("portal:document", args=[docs["manual"].pk]))
    assert response.status_code == 403
