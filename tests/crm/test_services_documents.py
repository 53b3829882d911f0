"""Documents on the customer card: upload with a sniffed type, share/unshare, delete, under the
customer's edit right; what staff see and what a customer company sees."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import NotFound, NotPermitted, ValidationFailed
from crm.models import Document
from crm.selectors.documents import (
    document_get,
    document_shared_get,
    documents_for_customer,
    documents_shared_with,
)
from crm.services import documents as service
from crm.services.customers import customer_share
from tests.crm.factories import CustomerFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 100


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _upload(actor, customer, name="proposal.pdf", data=PDF, **kwargs):
    return service.document_upload(
        actor=actor, customer=customer, upload=SimpleUploadedFile(name, data, "text/html"), **kwargs
    )


def test_an_owner_uploads_a_proposal_typed_by_its_bytes(org):
    customer = CustomerFactory(owner=org.zhang)
    opportunity = OpportunityFactory(customer=customer)
    # when zhang uploads a PDF the browser called text/html
    document = _upload(org.zhang, customer, kind="proposal", opportunity=opportunity)
    # then it is stored under documents/<year>/<month>/ with the type its bytes show
    assert document.file.name.startswith("documents/") and document.file.storage.exists(document.file.name)
    assert (document.title, document.content_type, document.size) == ("proposal", "application/pdf", len(PDF))
    assert (document.uploaded_by, document.shared_with_customer) == (org.zhang, False)
    # and an Office file is recognised by what its package holds
    report = _upload(org.zhang, customer, name="manual.docx", data=docx(), title="Manual", kind="manual")
    assert report.content_type.endswith("wordprocessingml.document")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "not accepted"),
        ("fake.pdf", b"<html><script>", "not really a pdf"),
        ("fake.docx", b"PK\x03\x04 not a zip", "not really a docx"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_forbidden_disguised_or_empty_files_are_refused(org, name, data, message):
    customer = CustomerFactory(owner=org.zhang)
    with pytest.raises(ValidationFailed) as error:
        _upload(org.zhang, customer, name=name, data=data)
    assert message in str(error.value.fields["file"])
    assert not Document.objects.exists()


def test_oversized_files_and_foreign_links_are_refused_with_located_errors(org, settings, monkeypatch):
    customer = CustomerFactory(owner=org.zhang)
    monkeypatch.setattr(service, "DOCUMENT_MAX_BYTES", 50)
    with pytest.raises(ValidationFailed) as error:
        _upload(
            org.zhang,
            customer,
            kind="poster",
            opportunity=OpportunityFactory(customer=CustomerFactory(owner=org.zhang)),
        )
    assert set(error.value.fields) == {"file", "kind", "opportunity", "title"}
    assert "larger than" in str(error.value.fields["file"])
    assert not Document.objects.exists()


def test_only_those_who_may_change_the_customer_upload_share_or_delete(org):
    customer = CustomerFactory(owner=org.zhang)
    document = _upload(org.zhang, customer)
    # yang (another team) and liu (same team, not the owner) may not touch it
    for outsider in (org.yang, org.liu):
        with pytest.raises(NotPermitted):
            _upload(outsider, customer)
        with pytest.raises(NotPermitted):
            service.document_share(actor=outsider, document=document, shared=True)
        with pytest.raises(NotPermitted):
            service.document_delete(actor=outsider, document=document)
    # a read share lets liu see it but not change it; an edit share lets him share it
    customer_share(actor=org.zhang, customer=customer, user=org.liu, level="read")
    assert list(documents_for_customer(user=org.liu, customer=customer)) == [document]
    with pytest.raises(NotPermitted):
        service.document_share(actor=org.liu, document=document, shared=True)
    customer_share(actor=org.zhang, customer=customer, user=org.liu, level="edit")
    assert service.document_share(actor=org.liu, document=document, shared=True).shared_with_customer
    # the manager sees the team's documents; the outsider sees nothing
    assert document_get(user=org.wang, pk=document.pk) == document
    with pytest.raises(NotFound):
        document_get(user=org.yang, pk=document.pk)
    with pytest.raises(NotFound):
        documents_for_customer(user=org.yang, customer=customer)


def test_a_company_sees_only_its_shared_documents(org, django_capture_on_commit_callbacks):
    customer = CustomerFactory(owner=org.zhang)
    other = CustomerFactory(owner=org.zhang)
    shared = _upload(org.zhang, customer, title="Manual", shared_with_customer=True)
    _upload(org.zhang, customer, title="Internal price calc")
    foreign = _upload(org.zhang, other, title="Theirs", shared_with_customer=True)
    assert list(documents_shared_with(customer_id=customer.pk)) == [shared]
    with pytest.raises(NotFound):
        document_shared_get(customer_id=customer.pk, pk=foreign.pk)
    # withdrawing the share hides it again; deleting removes the file after commit
    service.document_share(actor=org.zhang, document=shared, shared=False)
    assert not documents_shared_with(customer_id=customer.pk).exists()
    storage, name = shared.file.storage, shared.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        service.document_delete(actor=org.zhang, document=shared)
    assert not Document.objects.filter(pk=shared.pk).exists() and not storage.exists(name)


def test_merging_customers_moves_their_documents(org):
    from crm.services.merge import customer_merge

    keep, remove = CustomerFactory(owner=org.zhang), CustomerFactory(owner=org.zhang)
    document = _upload(org.zhang, remove, title="Old proposal", shared_with_customer=True)
    customer_merge(actor=org.wang, keep=keep, remove=remove)
    document.refresh_from_db()
    assert document.customer == keep
    assert list(documents_shared_with(customer_id=keep.pk)) == [document]
