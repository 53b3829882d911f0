"""Files on a task: attach, list, download; wrong kinds and strangers are refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasklist.models import TaskAttachment

from .conftest import approve, start_discount

pytestmark = pytest.mark.django_db


def test_a_file_attached_to_a_task_stays_with_the_process(client, team):
    review = start_discount(team.alice)
    client.force_login(team.alice)
    response = client.post(
        reverse("tasklist:attachment_upload", args=[review.pk]),
        {"file": SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", content_type="application/pdf")},
        follow=True,
    )
    assert "Attached “quote.pdf”." in response.content.decode()
    attachment = TaskAttachment.objects.get()
    # the next step (the order) sees the file too, and the boss downloads it
    order = approve(review, team.boss)
    client.force_login(team.bob)
    page = client.get(reverse("tasklist:task", args=[order.pk])).content.decode()
    assert "quote.pdf" in page
    download = client.get(reverse("tasklist:attachment_download", args=[order.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 quote"
    assert 'filename="quote.pdf"' in download["Content-Disposition"]


def test_wrong_kinds_and_strangers_are_refused(client, team):
    review = start_discount(team.alice)
    client.force_login(team.alice)
    response = client.post(
        reverse("tasklist:attachment_upload", args=[review.pk]),
        {"file": SimpleUploadedFile("run.exe", b"MZ")},
        follow=True,
    )
    assert "Attach a PDF, an image, a text, Word or Excel file." in response.content.decode()
    assert not TaskAttachment.objects.exists()
    client.post(
        reverse("tasklist:attachment_upload", args=[review.pk]), {"file": SimpleUploadedFile("a.txt", b"hi")}
    )
    attachment = TaskAttachment.objects.get()
    client.force_login(team.carol)
    assert (
        client.get(reverse("tasklist:attachment_download", args=[review.pk, attachment.pk])).status_code
        == 404
    )
    assert client.post(reverse("tasklist:attachment_upload", args=[review.pk]), {}).status_code == 404
