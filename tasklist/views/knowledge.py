"""The knowledge base for staff: search and browse articles, read one with its attachments and
versions, write and edit (editors and authors), and the panel on complaints, service requests and
consultations that finds articles for the case and links them (marking the ones that helped)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _g
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ValidationFailed
from crm.models import Complaint, Consultation, ServiceRequest
from knowledge import selectors, services
from knowledge.markdown import excerpt
from knowledge.markdown import render as render_markdown
from knowledge.models import Article, ArticleAttachment, CaseLink, Category
from org.permissions import user_can
from org.selectors import group_labels

# URL kind -> (model, the case page's URL name, the text that describes the case)
CASES = {
    "complaint": (Complaint, "crm:complaint_detail", lambda c: f"{c.subject}\n{c.description}"),
    "service_request": (
        ServiceRequest,
        "crm:service_request_detail",
        lambda c: f"{c.subject}\n{c.description}",
    ),
    "consultation": (Consultation, "crm:consultation_detail", lambda c: c.question),
}


def readers(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not user_can(request.user, Article, "view"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _category(value) -> Category | None:
    return Category.objects.filter(pk=value).first() if str(value or "").isdigit() else None


@readers
@require_GET
def article_list(request):
    user = request.user
    query = request.GET.get("q", "").strip()[:200]
    category = _category(request.GET.get("category"))
    tag = request.GET.get("tag", "").strip()[:50]
    editor = user_can(user, Article, "change")
    status = request.GET.get("status", "") if editor else ""
    listing = selectors.article_list(
        Article.objects.visible_to(user), text=query, category=category, tag=tag, status=status
    )
    context = {
        "articles": [(a, excerpt(a.body)) for a in listing.articles],
        "searched": listing.searched,
        "query": query,
        "category": category,
        "tag": tag,
        "status": status,
        "tree": selectors.category_tree(),
        "may_add": user_can(user, Article, "add"),
        "may_manage": user_can(user, Category, "add"),
        "editor": editor,
        "statuses": Article.Status.choices,
    }
    template = (
        "tasklist/knowledge/_results.html"
        if request.htmx and request.htmx.target == "kb-results"
        else "tasklist/knowledge/list.html"
    )
    return render(request, template, context)


@readers
@require_GET
def article_detail(request, pk: int):
    article = selectors.article_for(request.user, pk)
    versions = list(article.versions.select_related("edited_by")[:50])
    groups = list(article.visible_to_groups.values_list("name", flat=True))
    return render(
        request,
        "tasklist/knowledge/detail.html",
        {
            "article": article,
            "html": render_markdown(article.body),
            "tags": list(article.tags.all()),
            "attachments": list(article.attachments.all()),
            "versions": versions,
            "groups": sorted(group_labels(groups).values()),
            "may_edit": services.may_edit(request.user, article),
        },
    )


def _form_values(request) -> dict:
    post = request.POST
    group_ids = [g for g in post.getlist("groups") if g.isdigit()]
    return {
        "title": post.get("title", ""),
        "body": post.get("body", ""),
        "category": _category(post.get("category")),
        "tags": post.get("tags", ""),
        "status": post.get("status", Article.Status.DRAFT),
        "public": post.get("public") == "1",
        "groups": list(Group.objects.filter(pk__in=group_ids)),
        "note": post.get("note", ""),
    }


def _group_choices() -> list[tuple[int, str]]:
    groups = list(Group.objects.order_by("name").values_list("pk", "name"))
    labels = group_labels([name for _pk, name in groups])
    return sorted(((pk, labels.get(name, name)) for pk, name in groups), key=lambda c: c[1])


def _form_page(request, *, article=None, values=None, errors=None, status=200):
    if values is None:
        values = (
            {
                "title": article.title,
                "body": article.body,
                "category": article.category,
                "tags": ", ".join(article.tags.values_list("name", flat=True)),
                "status": article.status,
                "public": article.public,
                "groups": list(article.visible_to_groups.all()),
                "note": "",
            }
            if article
            else {
                "status": Article.Status.DRAFT,
                "groups": [],
                "category": _category(request.GET.get("category")),
            }
        )
    return render(
        request,
        "tasklist/knowledge/form.html",
        {
            "article": article,
            "values": values,
            "group_ids": {g.pk for g in values.get("groups", [])},
            "errors": errors or {},
            "tree": selectors.category_tree(),
            "groups": _group_choices(),
            "statuses": Article.Status.choices,
        },
        status=status,
    )


@readers
@require_http_methods(["GET", "POST"])
def article_new(request):
    if not user_can(request.user, Article, "add"):
        raise PermissionDenied
    if request.method == "GET":
        return _form_page(request)
    values = _form_values(request)
    try:
        article = services.article_create(actor=request.user, **values)
    except ValidationFailed as error:
        return _form_page(request, values=values, errors=error.fields, status=400)
    messages.success(request, _g("Article saved."))
    return redirect("knowledge:article_detail", article.pk)


@readers
@require_http_methods(["GET", "POST"])
def article_edit(request, pk: int):
    article = selectors.article_for(request.user, pk)
    if not services.may_edit(request.user, article):
        raise PermissionDenied
    if request.method == "GET":
        return _form_page(request, article=article)
    values = _form_values(request)
    try:
        services.article_update(actor=request.user, article=article, **values)
    except ValidationFailed as error:
        return _form_page(request, article=article, values=values, errors=error.fields, status=400)
    messages.success(request, _g("Article saved as a new version."))
    return redirect("knowledge:article_detail", article.pk)


@readers
@require_GET
def article_version(request, pk: int, number: int):
    article = selectors.article_for(request.user, pk)
    version, previous, lines = selectors.version_diff(article, number)
    return render(
        request,
        "tasklist/knowledge/version.html",
        {
            "article": article,
            "version": version,
            "previous": previous,
            "lines": lines,
            "html": render_markdown(version.body),
        },
    )


@readers
@require_POST
def attachment_add(request, pk: int):
    article = selectors.article_for(request.user, pk)
    try:
        services.article_attach(actor=request.user, article=article, upload=request.FILES.get("file"))
    except ValidationFailed as error:
        for problems in error.fields.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _g("File attached."))
    return redirect("knowledge:article_detail", article.pk)


@readers
@require_GET
def attachment_download(request, pk: int):
    attachment = ArticleAttachment.objects.select_related("article").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    selectors.article_for(request.user, attachment.article_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.file_name,
        content_type=attachment.content_type,
    )


@readers
@require_POST
def attachment_delete(request, pk: int):
    attachment = ArticleAttachment.objects.select_related("article").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    selectors.article_for(request.user, attachment.article_id)
    services.attachment_remove(actor=request.user, attachment=attachment)
    messages.success(request, _g("File removed."))
    return redirect("knowledge:article_detail", attachment.article_id)


@readers
@require_POST
def category_add(request):
    try:
        services.category_save(
            actor=request.user,
            name=request.POST.get("name", ""),
            parent=_category(request.POST.get("parent")),
        )
    except ValidationFailed as error:
        for problems in error.fields.values():
            for problem in problems:
                messages.error(request, _g("Category: %(problem)s") % {"problem": problem})
    else:
        messages.success(request, _g("Category added."))
    return redirect("knowledge:article_list")


# --- the panel on service cases -----------------------------------------------------------------


def _case(user, kind: str, pk: int, action: str = "view"):
    if kind not in CASES:
        raise Http404
    model = CASES[kind][0]
    case = model.objects.visible_to(user, action).filter(pk=pk).first()
    if case is None:
        raise Http404(_g("Not found, or not yours to see."))
    return case


@readers
@require_GET
def case_panel(request, kind: str, pk: int):
    """The "Knowledge base" card of a case page (loaded by htmx, searched in place)."""
    case = _case(request.user, kind, pk)
    panel = selectors.case_panel(
        request.user, case, text=CASES[kind][2](case), query=request.GET.get("q", "")[:200]
    )
    return render(
        request,
        "tasklist/knowledge/_case_panel.html",
        {
            "panel": panel,
            "kind": kind,
            "case": case,
            "may_link": user_can(request.user, CASES[kind][0], "change")
            and CASES[kind][0].objects.visible_to(request.user, "change").filter(pk=case.pk).exists(),
        },
    )


def _back(request, kind: str, pk: int):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(reverse(CASES[kind][1], args=[pk]))


@readers
@require_POST
def case_link(request, kind: str, pk: int):
    case = _case(request.user, kind, pk, "change")
    article = Article.objects.visible_to(request.user).filter(pk=request.POST.get("article") or 0).first()
    if article is None:
        raise Http404
    try:
        services.case_link(
            actor=request.user, article=article, case=case, helpful=request.POST.get("helpful") == "1"
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _g("Article “%(title)s” linked.") % {"title": article.title})
    return _back(request, kind, pk)


def _link(request, link_id: int) -> tuple[CaseLink, str]:
    link = CaseLink.objects.select_related("case_type", "article").filter(pk=link_id).first()
    if link is None:
        raise Http404
    kind = next((k for k, (m, _u, _t) in CASES.items() if m._meta.model_name == link.case_type.model), None)
    if kind is None:
        raise Http404
    _case(request.user, kind, link.case_id, "change")
    return link, kind


@readers
@require_POST
def case_link_helpful(request, link_id: int):
    link, kind = _link(request, link_id)
    services.case_link_helpful(actor=request.user, link=link, helpful=request.POST.get("helpful") == "1")
    return _back(request, kind, link.case_id)


@readers
@require_POST
def case_unlink(request, link_id: int):
    link, kind = _link(request, link_id)
    services.case_unlink(actor=request.user, link=link)
    return _back(request, kind, link.case_id)
