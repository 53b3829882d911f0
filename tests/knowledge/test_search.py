"""Search in Chinese and English: the tokens, all pieces must match, title before text, articles
that solved cases first; similar cases by text and by category. Runs the PostgreSQL (tsvector)
path on PostgreSQL and the LIKE path on SQLite: both must answer the same."""

import pytest

from knowledge import search
from knowledge.models import Article
from knowledge.services import article_create, case_link


def _article(actor, title, body, **kwargs):
    return article_create(actor=actor, title=title, body=body, status=Article.Status.PUBLISHED, **kwargs)


def test_tokens_cut_chinese_into_pairs_and_fold_english():
    # given a mixed text with full-width letters
    text = "打印机卡纸 Printer \uff30\uff24\uff26 锁"  # full-width PDF
    # when it is cut
    pieces = search.tokens(text)
    # then Chinese runs become overlapping pairs, a lone character stays, English is lower case
    assert pieces == ["打印", "印机", "机卡", "卡纸", "printer", "pdf", "锁"]


@pytest.fixture
def library(kb):
    editor = kb.editor
    return {
        "jam": _article(
            editor, "打印机卡纸处理 Paper jam", "关机后打开后盖，取出纸张。Open the rear cover.", tags="卡纸"
        ),
        "filter": _article(
            editor, "更换滤芯", "出水量下降时更换滤芯。Replace the filter cartridge when output drops."
        ),
        "invoice": _article(
            editor, "Invoice corrections", "A wrong invoice title needs a reversal. 发票抬头错误。"
        ),
        "mentions": _article(editor, "Printer models", "Our printers: P100, P200. 卡纸 is rare on the P200."),
    }


def _titles(hits):
    titles = dict(Article.objects.filter(pk__in=[h.pk for h in hits]).values_list("pk", "title"))
    return [titles[h.pk] for h in hits]


def test_a_two_character_chinese_word_is_found_inside_a_longer_text(kb, library):
    # when a service rep types the commonest kind of query, two characters
    hits = search.search_articles(Article.objects.all(), "卡纸")
    # then both articles holding it are found, the one with it in the title and tags first
    assert _titles(hits)[:2] == ["打印机卡纸处理 Paper jam", "Printer models"]


def test_every_piece_of_a_query_must_match(kb, library):
    assert _titles(search.search_articles(Article.objects.all(), "滤芯 filter")) == ["更换滤芯"]
    assert search.search_articles(Article.objects.all(), "滤芯 invoice") == []


def test_english_words_match_case_insensitively_and_by_their_start(kb, library):
    hits = search.search_articles(Article.objects.all(), "INVOI")
    assert _titles(hits) == ["Invoice corrections"]


def test_nothing_to_search_finds_nothing(kb, library):
    assert search.search_articles(Article.objects.all(), "  ，。!! ") == []


def test_an_article_that_solved_cases_ranks_first_among_equal_matches(kb, library):
    # given two articles with "printer" once each in the text only
    a = _article(kb.editor, "Toner A", "Printer toner A.")
    b = _article(kb.editor, "Toner B", "Printer toner B.")
    # when B was marked helpful on a complaint
    case_link(actor=kb.editor, article=b, case=kb.complaint, helpful=True)
    hits = search.search_articles(Article.objects.filter(pk__in=[a.pk, b.pk]), "printer toner")
    # then B comes first
    assert _titles(hits) == ["Toner B", "Toner A"]


def test_similar_cases_by_text_and_by_category(kb, library):
    from django.contrib.contenttypes.models import ContentType

    complaint_type = ContentType.objects.get_for_model(kb.complaint)
    # given the invoice article solved another complaint of the same category
    from crm.models import Complaint

    other = Complaint.objects.create(
        code="CP-K-2", customer=kb.customer, category=kb.category, subject="x", description=""
    )
    case_link(actor=kb.editor, article=library["invoice"], case=other, helpful=True)
    # when articles are suggested for a paper-jam complaint of that category
    hits = search.similar_case_articles(
        Article.objects.all(),
        case_type_id=complaint_type.pk,
        case_category_id=kb.category.pk,
        text="打印机卡纸 printer jams",
        exclude=set(),
    )
    titles = _titles(hits)
    # then the text matches come, the jam article first, and the category's helpful one too
    assert titles[0] == "打印机卡纸处理 Paper jam"
    assert "Invoice corrections" in titles
    assert "更换滤芯" not in titles
