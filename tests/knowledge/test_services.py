"""Writing articles: versions with who/when, located errors with nothing written, who may read
what (groups, drafts, the portal), links from cases feeding the counts, safe Markdown."""

import pytest

from audit.models import AuditEvent
from core.errors import NotPermitted, ValidationFailed
from knowledge.markdown import render
from knowledge.models import Article, ArticleVersion, CaseLink
from knowledge.services import article_create, article_update, case_link, case_link_helpful, case_unlink


def _publish(actor, title="Reset the router", body="Hold the button for 10 s.", **kwargs):
    kwargs.setdefault("status", Article.Status.PUBLISHED)
    return article_create(actor=actor, title=title, body=body, **kwargs)


def test_each_save_is_a_version_with_its_editor_and_the_old_text_stays(kb):
    # given an article
    article = _publish(kb.editor, tags="router, 路由器")
    # when it is edited
    article_update(
        actor=kb.editor,
        article=article,
        title="Reset the router",
        body="Hold it for 30 s.",
        tags="router",
        status=Article.Status.PUBLISHED,
        note="longer hold",
    )
    # then it is at version 2 and version 1 still reads as first written
    article.refresh_from_db()
    assert article.version == 2
    versions = {v.number: v for v in ArticleVersion.objects.filter(article=article)}
    assert versions[1].body == "Hold the button for 10 s." and versions[1].edited_by == kb.editor
    assert versions[2].note == "longer hold" and versions[2].tags == "router"
    # and the audit row names what changed, tags included
    event = AuditEvent.objects.filter(object_type="knowledge.article", action="update").latest("pk")
    assert event.changes["body"] == ["Hold the button for 10 s.", "Hold it for 30 s."]
    assert event.changes["tags"] == [["router", "路由器"], ["router"]]


def test_bad_input_is_located_and_nothing_is_written(kb):
    with pytest.raises(ValidationFailed) as caught:
        article_create(
            actor=kb.editor, title=" ", body="", tags=",".join(f"t{i}" for i in range(25)), status="gone"
        )
    assert set(caught.value.fields) == {"title", "body", "tags", "status"}
    assert not Article.objects.exists()


def test_readers_may_not_write(kb):
    with pytest.raises(NotPermitted):
        _publish(kb.reader)


def test_who_reads_what(kb):
    # given a published article for all staff, one for the engineers only, a draft, a public one
    everyone = _publish(kb.editor, title="For all")
    engineers = _publish(kb.editor, title="Engineers only", groups=[kb.engineers])
    draft = _publish(kb.editor, title="Draft", status=Article.Status.DRAFT)
    public = _publish(kb.editor, title="Public", public=True)

    def titles(user):
        return set(Article.objects.visible_to(user).values_list("title", flat=True))

    # then a salesperson reads the staff ones, an engineer also theirs, nobody else the draft
    assert titles(kb.reader) == {everyone.title, public.title}
    assert titles(kb.engineer) == {everyone.title, engineers.title, public.title}
    assert draft.title in titles(kb.editor)
    assert titles(kb.nobody) == set()
    # and customers get the public one only
    assert set(Article.objects.public().values_list("title", flat=True)) == {public.title}


def test_links_from_cases_count_and_helpful_marks_feed_the_ranking(kb):
    article = _publish(kb.editor)
    # when the article is linked to the complaint and marked helpful
    link = case_link(actor=kb.editor, article=article, case=kb.complaint)
    case_link_helpful(actor=kb.editor, link=link, helpful=True)
    # then the counts say so, and the link remembers the case's category
    article.refresh_from_db()
    assert (article.link_count, article.helpful_count) == (1, 1)
    assert CaseLink.objects.get().case_category_id == kb.category.pk
    # linking again changes nothing
    case_link(actor=kb.editor, article=article, case=kb.complaint)
    article.refresh_from_db()
    assert article.link_count == 1
    # unlinking takes both back
    case_unlink(actor=kb.editor, link=link)
    article.refresh_from_db()
    assert (article.link_count, article.helpful_count) == (0, 0)


def test_a_draft_cannot_be_linked(kb):
    draft = _publish(kb.editor, status=Article.Status.DRAFT)
    with pytest.raises(ValidationFailed):
        case_link(actor=kb.editor, article=draft, case=kb.complaint)


def test_markdown_is_rendered_and_what_a_writer_types_as_html_is_shown_as_text():
    html = render("**bold** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.com)")
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.com">ok</a>' in html


def test_only_someone_who_may_change_the_case_links_to_it(kb):
    article = _publish(kb.editor)
    with pytest.raises(NotPermitted):
        case_link(actor=kb.reader, article=article, case=kb.complaint)
    assert not CaseLink.objects.exists()
