"""Article search in Chinese and English, and "articles that solved similar cases".

Choice: PostgreSQL full-text search over our own tokens, not trigrams. Chinese has no spaces, so
PostgreSQL's parser would index a whole sentence as one word; we cut the text ourselves the way
Lucene's CJK analyzer does: English words as words, Chinese runs as overlapping character pairs
(打印机卡纸 -> 打印 印机 机卡 卡纸). A query is cut the same way and all its pieces must match.
The tokens feed a weighted tsvector column (title and tags A, text C; migration 0002) with a GIN
index, so a search is one index lookup plus ranking (ts_rank) at any article count, and a
two-character word (卡纸, 发票), the commonest Chinese query, is an index hit. Trigrams cannot
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


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _boost(helpful: int) -> float:
    """Articles that solved cases come first among equally good text matches."""
    return 1.0 + 0.5 * math.log1p(helpful)


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float


def _sqlite_score(article: Article, terms: list[str]) -> float:
    title = article.search_title.split()
    body = article.search_body
    score = 0.0
    for term in terms:
        if any(word.startswith(term) for word in title):
            score += 3
        if term in body:
            score += 1
    return score


def search_articles(queryset: QuerySet, text: str, *, limit: int = 50) -> list[Hit]:
    """The articles of `queryset` (already scoped: visible_to, public()) that hold every piece of
    `text`, best first."""
    terms = _unique(tokens(text), MAX_QUERY_TOKENS)
    if not terms:
        return []
    if _postgres():
        query = _tsquery(terms, joiner="&", prefix_last=True)
        rows = (
            queryset.filter(RawSQL(_MATCH_SQL, [query], output_field=BooleanField()))  # noqa: S611
            .annotate(rank=RawSQL(_RANK_SQL, [query], output_field=FloatField()))  # noqa: S611
            .select_related("category")
            .order_by("-rank", "-helpful_count", "-pk")[: limit * 2]
        )
        hits = [Hit(a, a.rank * _boost(a.helpful_count)) for a in rows]
    else:
        condition = Q()
        for term in terms:
            condition &= Q(search_title__contains=term) | Q(search_body__contains=term)
        rows = queryset.filter(condition).select_related("category").order_by("-pk")[:SQLITE_CANDIDATES]
        hits = [Hit(a, _sqlite_score(a, terms) * _boost(a.helpful_count)) for a in rows]
    hits.sort(key=lambda h: (-h.score, -h.article.pk))
    return hits[:limit]


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
            query = _tsquery(terms, joiner="|", prefix_last=False)
            rows = (
                queryset.filter(RawSQL(_MATCH_SQL, [query], output_field=BooleanField()))  # noqa: S611
                .annotate(rank=RawSQL(_RANK_SQL, [query], output_field=FloatField()))  # noqa: S611
                .order_by("-rank")
                .values_list("pk", "rank")[:50]
            )
            # ts_rank of an OR query is small; scaled so one shared word is about one helpful case
            scores = {pk: rank * 10 for pk, rank in rows}
        else:
            condition = Q()
            for term in terms:
                condition |= Q(search_title__contains=term) | Q(search_body__contains=term)
            candidates = queryset.filter(condition).order_by("-pk")[:SQLITE_CANDIDATES]
            for article in candidates:
                scores[article.pk] = _sqlite_score(article, terms) / len(terms) * 3
    if case_category_id is not None:
        helped = (
            CaseLink.objects.filter(
                case_type_id=case_type_id, case_category_id=case_category_id, helpful=True
            )
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
    if not scores:
        return []
    articles = {a.pk: a for a in queryset.filter(pk__in=list(scores)).select_related("category")}
    hits = [Hit(a, scores[pk] * _boost(a.helpful_count)) for pk, a in articles.items()]
    hits.sort(key=lambda h: (-h.score, -h.article.pk))
    return hits[:limit]
