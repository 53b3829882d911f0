"""The portal's help centre: customers search and read the knowledge base's public articles."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.errors import NotFound
from knowledge import selectors
from knowledge.markdown import excerpt
from knowledge.markdown import render as render_markdown
from knowledge.models import Article, ArticleAttachment

from .views import portal_page


@portal_page
@require_GET
def help_centre(request, account):
    query = request.GET.get("q", "").strip()[:200]
    listing = selectors.article_list(Article.objects.public(), text=query, limit=30)
    return render(
        request,
        "portal/help.html",
        {
            "account": account,
            "nav": "help",
            "query": query,
            "searched": listing.searched,
            "articles": [(a, excerpt(a.body)) for a in listing.articles],
        },
    )


def _public(pk: int) -> Article:
    try:
        return selectors.public_article(pk)
    except NotFound:
        raise Http404 from None


@portal_page
@require_GET
def help_article(request, account, pk: int):
    article = _public(pk)
    return render(
        request,
        "portal/help_article.html",
        {
            "account": account,
            "nav": "help",
            "article": article,
            "html": render_markdown(article.body),
            "attachments": list(article.attachments.all()),
        },
    )


@portal_page
@require_GET
def help_attachment(request, account, pk: int):
    attachment = ArticleAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    _public(attachment.article_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.file_name,
        content_type=attachment.content_type,
    )
