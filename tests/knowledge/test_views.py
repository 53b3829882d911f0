"""The knowledge-base pages: search, write with located errors, versions, attachments, the panel
on a complaint that links an article and marks it helpful, and the portal's help centre."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import Article, CaseLink
from knowledge.services import article_create


def _publish(actor, title, body="Text.", **kwargs):
    return article_create(actor=actor, title=title, body=body, status=Article.Status.PUBLISHED, **kwargs)


def test_search_page_finds_chinese_and_english(client, kb):
    _publish(kb.editor, "打印机卡纸处理", "关机后打开后盖。")
    _publish(kb.editor, "Invoice corrections", "A wrong title needs a reversal.")
    client.force_login(kb.reader)
    page = client.get(reverse("knowledge:article_list"), {"q": "卡纸"}).content.decode()
    assert "打印机卡纸处理" in page and "Invoice corrections" not in page
    page = client.get(reverse("knowledge:article_list"), {"q": "invoice"}).content.decode()
    assert "Invoice corrections" in page and "打印机卡纸处理" not in page


def test_the_list_uses_a_fixed_number_of_queries(client, kb, django_assert_max_num_queries):
    for i in range(12):
        _publish(kb.editor, f"Article {i}", tags=f"t{i}, shared")
    client.force_login(kb.reader)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("knowledge:article_list"))
    assert response.content.decode().count('class="kb-hit-title"') == 12


def test_without_the_permission_the_knowledge_base_is_refused(client, kb):
    client.force_login(kb.nobody)
    assert client.get(reverse("knowledge:article_list")).status_code == 403


def test_a_restricted_article_is_not_found_for_others(client, kb):
    article = _publish(kb.editor, "Engineers only", groups=[kb.engineers])
    client.force_login(kb.reader)
    assert client.get(reverse("knowledge:article_detail", args=[article.pk])).status_code == 404
    client.force_login(kb.engineer)
    assert client.get(reverse("knowledge:article_detail", args=[article.pk])).status_code == 200


def test_writing_with_errors_shows_them_by_the_field_and_saves_nothing(client, kb):
    client.force_login(kb.editor)
    response = client.post(reverse("knowledge:article_new"), {"title": "", "body": "", "status": "published"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="err-title"' in page and 'id="err-body"' in page
    assert not Article.objects.exists()


def test_an_edit_is_a_new_version_and_the_old_one_shows_its_changes(client, kb):
    article = _publish(kb.editor, "Router", "Line one\nHold 10 s")
    client.force_login(kb.editor)
    response = client.post(
        reverse("knowledge:article_edit", args=[article.pk]),
        {"title": "Router", "body": "Line one\nHold 30 s", "status": "published", "note": "longer"},
    )
    assert response.status_code == 302
    page = client.get(reverse("knowledge:article_version", args=[article.pk, 2])).content.decode()
    assert '<span class="kb-removed">\u2212 Hold 10 s</span>' in page
    assert '<span class="kb-added">+ Hold 30 s</span>' in page


def test_attachments_are_checked_stored_and_served_to_readers(client, kb, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = _publish(kb.editor, "Manual")
    client.force_login(kb.editor)
    fake = SimpleUploadedFile("manual.pdf", b"not a pdf", content_type="application/pdf")
    client.post(reverse("knowledge:attachment_add", args=[article.pk]), {"file": fake})
    assert not article.attachments.exists()
    real = SimpleUploadedFile("manual.pdf", b"%PDF-1.4 manual", content_type="application/pdf")
    client.post(reverse("knowledge:attachment_add", args=[article.pk]), {"file": real})
    attachment = article.attachments.get()
    client.force_login(kb.reader)
    response = client.get(reverse("knowledge:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 manual"


def test_the_complaint_panel_suggests_links_and_marks_an_article_helpful(client, kb):
    # given an article about the complaint's problem
    article = _publish(kb.editor, "打印机卡纸处理 Paper jam", "Open the rear cover.")
    client.force_login(kb.editor)
    # when the service rep opens the knowledge panel of the complaint
    panel_url = reverse("knowledge:case_panel", args=["complaint", kb.complaint.pk])
    page = client.get(panel_url).content.decode()
    # then the article is suggested as having solved similar cases
    assert "Articles that solved similar cases" in page and "打印机卡纸处理 Paper jam" in page
    # when they link it and mark it helpful
    response = client.post(
        reverse("knowledge:case_link", args=["complaint", kb.complaint.pk]), {"article": article.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:complaint_detail", args=[kb.complaint.pk])
    link = CaseLink.objects.get()
    client.post(reverse("knowledge:case_link_helpful", args=[link.pk]), {"helpful": "1"})
    # then the panel lists it as linked and helpful
    page = client.get(panel_url).content.decode()
    assert "Linked articles" in page and "Helped" in page
    article.refresh_from_db()
    assert article.helpful_count == 1


def test_the_complaint_page_loads_the_panel(client, kb):
    client.force_login(kb.editor)
    page = client.get(reverse("crm:complaint_detail", args=[kb.complaint.pk])).content.decode()
    assert reverse("knowledge:case_panel", args=["complaint", kb.complaint.pk]) in page


def test_a_reader_who_may_not_see_the_complaint_gets_404(client, kb):
    client.force_login(kb.reader)
    assert client.get(reverse("knowledge:case_panel", args=["complaint", kb.complaint.pk])).status_code == 404
    article = _publish(kb.editor, "X")
    response = client.post(
        reverse("knowledge:case_link", args=["complaint", kb.complaint.pk]), {"article": article.pk}
    )
    assert response.status_code == 404
    assert not CaseLink.objects.exists()


def test_the_portal_help_centre_shows_public_articles_only(client, kb):
    public = _publish(kb.editor, "更换滤芯 Replace the filter", "出水量下降时更换滤芯。", public=True)
    internal = _publish(kb.editor, "滤芯 internal pricing", "Staff only.")
    client.force_login(kb.portal_user)
    page = client.get(reverse("portal:help"), {"q": "滤芯"}).content.decode()
    assert "更换滤芯 Replace the filter" in page and "internal pricing" not in page
    assert client.get(reverse("portal:help_article", args=[public.pk])).status_code == 200
    assert client.get(reverse("portal:help_article", args=[internal.pk])).status_code == 404


def test_staff_pages_refuse_portal_users(client, kb):
    client.force_login(kb.portal_user)
    assert client.get(reverse("knowledge:article_list")).status_code in (302, 403)
