"""Article search in Chinese and English, and "articles that solved similar cases".

Choice: PostgreSQL full-text search over our own tokens, not trigrams. Chinese has no spaces, so
PostgreSQL's parser would index a whole sentence as one word; we cut the text ourselves the way
Lucene's CJK analyzer does: English words as words, Chinese runs as overlapping character pairs
(打印机卡纸 -> 打印 印机 机卡 卡纸). A query is cut the same way and all its pieces must match.
The tokens feed two generated tsvector columns with GIN indexes (migration 0002): the title and
tags, and everything weighted (title and tags A, text C). A search is an index lookup: title
matches rank first, then matches in the text; ranking (ts_rank) reads each candidate's vector, so
the candidates are bounded (the most helpful and newest first) and a word found in most articles
costs no more than a rare one. A two-character word (卡纸, 发票), the commonest Chinese query, is an
index hit. Trigrams cannot
index a two-character pattern at all (the CRM needed extra bigram indexes for that), rank long
texts poorly and index every body three characters at a time. docs/benchmarks.md has both
measured at 50,000 articles (bench/knowledge_search.py).

SQLite (the embedded demo) matches the same tokens with LIKE and ranks in Python.
The hand-built SQL on the article table stays in this module.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from .models import Article, CaseLink

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
# A query is cut into at most this many pieces; a longer paste is refined by its first words.
MAX_QUERY_TOKENS = 16
# "Similar cases" looks for this many of a case's pieces (its subject first).
MAX_CASE_TOKENS = 24
SQLITE_CANDIDATES = 2_000


def tokens(text: str) -> list[str]:
    """The search pieces of `text`: lower-case words, Chinese character pairs (a lone character
    stays itself). Full-width letters and digits are folded first (full-width PDF -> pdf)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    out: list[str] = []
    for piece in _PIECES.findall(text):
        if _IS_CJK.match(piece):
            if len(piece) == 1:
                out.append(piece)
            else:
                out.extend(piece[i : i + 2] for i in range(len(piece) - 1))
        else:
            out.append(piece[:60])
    return out


def document(*parts: str) -> str:
    return " ".join(t for part in parts for t in tokens(part))


def _unique(items: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
        if len(seen) >= limit:
            break
    return list(seen)


def _tsquery(terms: list[str], *, joiner: str, prefix_last: bool) -> str:
    """A to_tsquery() text from our own pieces (letters, digits, CJK only: nothing to escape but
    quotes, which the pieces never hold)."""
    parts = [f"'{t}'" for t in terms]
    if prefix_last and terms and not _IS_CJK.match(terms[-1]):
        parts[-1] += ":*"
    return f" {joiner} ".join(parts)


_MATCH_SQL = "knowledge_article.search_vector @@ to_tsquery('english'::regconfig, %s)"
_RANK_SQL = "ts_rank(knowledge_article.search_vector, to_tsquery('english'::regconfig, %s))"
_TITLE_MATCH_SQL = "knowledge_article.title_vector @@ to_tsquery('english'::regconfig, %s)"
_TITLE_RANK_SQL = "ts_rank(knowledge_article.title_vector, to_tsquery('english'::regconfig, %s))"
# Ranking reads each matching article's vector; a word in most articles would have every one
# read. So at most this many title matches, and this many matches in the text only, are ranked:
# those that solved the most cases, then the newest. A search that broad is refined by typing more.
TITLE_CANDIDATES = 500
TEXT_CANDIDATES = 200


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _boost(helpful: int) -> float:
    """Articles that solved cases come first among equally good text matches."""
    return 1.0 + 0.5 * math.log1p(helpful)


@dataclass(frozen=True)
class Hit:
    pk: int
    score: float


def _sqlite_score(title_tokens: str, body_tokens: str, terms: list[str]) -> float:
    title = title_tokens.split()
    score = 0.0
    for term in terms:
        if any(word.startswith(term) for word in title):
            score += 3
        if term in body_tokens:
            score += 1
    return score


def _ranked(queryset: QuerySet, match: str, rank: str, query: str, limit: int, exclude=()) -> list[tuple]:
    """(pk, rank, helpful) of at most `limit` matches: the most helpful and newest first, then
    ranked (two short queries: the candidates by index, then the rank of those only)."""
    from django.db.models import F

    candidates = list(
        queryset.filter(RawSQL(match, [query], output_field=BooleanField()))  # noqa: S611
        .exclude(pk__in=list(exclude))
        .order_by(F("helpful_count").desc(), F("pk").desc())
        .values_list("pk", flat=True)[:limit]
    )
    if not candidates:
        return []
    return list(
        Article.objects.filter(pk__in=candidates)
        .annotate(rank=RawSQL(rank, [query], output_field=FloatField()))  # noqa: S611
        .values_list("pk", "rank", "helpful_count")
    )


def _postgres_hits(queryset: QuerySet, query: str) -> list[Hit]:
    """Title and tag matches above matches in the text only; within each, by relevance times the
    cases the article solved."""
    titled = _ranked(queryset, _TITLE_MATCH_SQL, _TITLE_RANK_SQL, query, TITLE_CANDIDATES)
    text = _ranked(queryset, _MATCH_SQL, _RANK_SQL, query, TEXT_CANDIDATES, exclude=[pk for pk, *_ in titled])
    return [Hit(pk, 1_000 + rank * _boost(helpful)) for pk, rank, helpful in titled] + [
        Hit(pk, rank * _boost(helpful)) for pk, rank, helpful in text
    ]


def _sqlite_hits(queryset: QuerySet, terms: list[str], *, every: bool) -> list[Hit]:
    condition = Q() if every else Q(pk__in=[])
    for term in terms:
        one = Q(search_title__contains=term) | Q(search_body__contains=term)
        condition = condition & one if every else condition | one
    rows = (
        queryset.filter(condition)
        .order_by("-pk")
        .values_list("pk", "search_title", "search_body", "helpful_count")[:SQLITE_CANDIDATES]
    )
    return [Hit(pk, _sqlite_score(title, body, terms) * _boost(helpful)) for pk, title, body, helpful in rows]


def _best(hits: list[Hit], limit: int) -> list[Hit]:
    return sorted(hits, key=lambda h: (-h.score, -h.pk))[:limit]


def search_articles(queryset: QuerySet, text: str, *, limit: int = 50) -> list[Hit]:
    """The articles of `queryset` (already scoped: visible_to, public()) that hold every piece of
    `text`, best first."""
    terms = _unique(tokens(text), MAX_QUERY_TOKENS)
    if not terms:
        return []
    if _postgres():
        return _best(_postgres_hits(queryset, _tsquery(terms, joiner="&", prefix_last=True)), limit)
    return _best(_sqlite_hits(queryset, terms, every=True), limit)


def similar_case_articles(
    queryset: QuerySet,
    *,
    case_type_id: int,
    case_category_id: int | None,
    text: str,
    exclude: set[int],
    limit: int = 5,
) -> list[Hit]:
    """Articles for a case: text like the case's (any of its pieces, ranked) and articles marked
    helpful on other cases of the same category (and kind), the more such cases the higher."""
    terms = _unique(tokens(text), MAX_CASE_TOKENS)
    scores: dict[int, float] = {}
    if terms:
        if _postgres():
            hits = _postgres_hits(queryset, _tsquery(terms, joiner="|", prefix_last=False))
            # an OR query ranks low; scaled so sharing the words is worth about one helpful case
            # title words in common count like one helpful case more
            scores = {h.pk: (h.score - 1_000) * 10 + 1 if h.score >= 1_000 else h.score * 10 for h in hits}
        else:
            scores = {h.pk: h.score / len(terms) * 3 for h in _sqlite_hits(queryset, terms, every=False)}
    if case_category_id is not None:
        helped = (
            CaseLink.objects.filter(
                case_type_id=case_type_id, case_category_id=case_category_id, helpful=True
            )
            .filter(article__in=queryset)
            .values_list("article_id", flat=True)
            .order_by()
        )
        counts: dict[int, int] = {}
        for article_id in helped[:2_000]:
            counts[article_id] = counts.get(article_id, 0) + 1
        for article_id, count in counts.items():
            scores[article_id] = scores.get(article_id, 0.0) + count
    for pk in exclude:
        scores.pop(pk, None)
    return _best([Hit(pk, score) for pk, score in scores.items()], limit)
