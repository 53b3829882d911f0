"""Reads of the knowledge base: the category tree, the article list and search, one article with
its versions, and the panel of a service case (linked articles, those that solved similar cases)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _g

from core.errors import NotFound

from . import search
from .models import Article, ArticleVersion, CaseLink, Category, Tag


def category_tree() -> list[tuple[Category, int]]:
    """Every category with its depth, parents before their children."""
    categories = list(Category.objects.all())
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    out: list[tuple[Category, int]] = []

    def walk(parent_id, depth):
        for category in children.get(parent_id, []):
            out.append((category, depth))
            if depth < 20:
                walk(category.pk, depth + 1)

    walk(None, 0)
    return out


def category_and_below(category: Category) -> list[int]:
    ids, frontier = {category.pk}, [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [pk for pk in frontier if pk not in ids]
        ids.update(frontier)
    return list(ids)


def _listed(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("category").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


@dataclass(frozen=True)
class ArticleList:
    articles: list
    searched: bool


def article_list(
    queryset: QuerySet,
    *,
    text: str = "",
    category: Category | None = None,
    tag: str = "",
    status: str = "",
    limit: int = 50,
) -> ArticleList:
    """`queryset` is already scoped (visible_to or public()); a text ranks by relevance, else the
    newest first."""
    if category is not None:
        queryset = queryset.filter(category_id__in=category_and_below(category))
    if tag:
        queryset = queryset.filter(tags__name=tag)
    if status in Article.Status.values:
        queryset = queryset.filter(status=status)
    text = (text or "").strip()[:200]
    if text:
        ids = [h.pk for h in search.search_articles(queryset, text, limit=limit)]
        by_pk = {a.pk: a for a in _listed(Article.objects.filter(pk__in=ids))}
        return ArticleList([by_pk[pk] for pk in ids if pk in by_pk], True)
    return ArticleList(list(_listed(queryset.order_by("-updated_at", "-pk"))[:limit]), False)


def article_for(user, pk: int) -> Article:
    article = Article.objects.visible_to(user).select_related("category", "author").filter(pk=pk).first()
    if article is None:
        raise NotFound(_g("Not found, or not yours to see."))
    return article


def public_article(pk: int) -> Article:
    article = Article.objects.public().select_related("category").filter(pk=pk).first()
    if article is None:
        raise NotFound(_g("Not found."))
    return article


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def version_diff(
    article: Article, number: int
) -> tuple[ArticleVersion, ArticleVersion | None, list[DiffLine]]:
    """Version `number` and the changes from the one before it, line by line."""
    version = (
        ArticleVersion.objects.select_related("edited_by").filter(article=article, number=number).first()
    )
    if version is None:
        raise NotFound(_g("No such version."))
    previous = ArticleVersion.objects.filter(article=article, number__lt=number).order_by("-number").first()
    old = (previous.body if previous else "").splitlines()
    lines: list[DiffLine] = []
    for line in difflib.ndiff(old, version.body.splitlines()):
        code, text = line[:2], line[2:]
        if code == "? ":
            continue
        lines.append(DiffLine({"+ ": "added", "- ": "removed"}.get(code, "same"), text))
    return version, previous, lines


@dataclass(frozen=True)
class LinkedArticle:
    link: CaseLink
    article: Article


@dataclass(frozen=True)
class CasePanel:
    linked: list[LinkedArticle]
    similar: list[Article]
    results: list[Article]
    query: str


def case_panel(user, case, *, text: str, query: str = "") -> CasePanel:
    """For a case the user may see: the articles linked to it, those that solved similar cases
    (same category, like text), and the articles matching `query` if one was typed."""
    content_type = ContentType.objects.get_for_model(type(case))
    readable = Article.objects.visible_to(user).filter(status=Article.Status.PUBLISHED)
    links = list(
        CaseLink.objects.filter(case_type=content_type, case_id=case.pk)
        .select_related("article")
        .order_by("-helpful", "pk")
    )
    readable_ids = set(
        readable.filter(pk__in=[link.article_id for link in links]).values_list("pk", flat=True)
    )
    linked = [LinkedArticle(link, link.article) for link in links if link.article_id in readable_ids]
    exclude = {link.article_id for link in links}
    similar_ids = [
        h.pk
        for h in search.similar_case_articles(
            readable,
            case_type_id=content_type.pk,
            case_category_id=getattr(case, "category_id", None),
            text=text,
            exclude=exclude,
        )
    ]
    result_ids = []
    if query.strip():
        result_ids = [h.pk for h in search.search_articles(readable, query, limit=10) if h.pk not in exclude]
    by_pk = {
        a.pk: a
        for a in Article.objects.filter(pk__in=similar_ids + result_ids).only("pk", "title", "helpful_count")
    }
    return CasePanel(
        linked,
        [by_pk[pk] for pk in similar_ids if pk in by_pk],
        [by_pk[pk] for pk in result_ids if pk in by_pk],
        query.strip(),
    )
