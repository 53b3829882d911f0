"""Writes to the knowledge base: categories, articles (each save a new version), attachments and
the links from service cases. Each checks the actor, validates (located field errors, nothing
written on error) and records the audit row in the same transaction."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import NotPermitted, ValidationFailed
from crm.files import check_upload
from org.permissions import user_can

from . import search
from .models import Article, ArticleAttachment, ArticleVersion, CaseLink, Category, Tag

MAX_TAGS = 20
ATTACHMENT_TYPES = (
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".txt",
    ".docx",
    ".xlsx",
    ".pptx",
    ".doc",
    ".xls",
    ".ppt",
)
ATTACHMENT_MAX_BYTES = 20 * 2**20
# The service cases an article can be linked from (app label, model).
CASE_MODELS = (("crm", "complaint"), ("crm", "servicerequest"), ("crm", "consultation"))


def _require(actor, model, action: str) -> None:
    if not user_can(actor, model, action):
        raise NotPermitted(_g("You may not do this in the knowledge base."))


def _text(value, field: str, errors: dict, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_g("This field is required."))
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _g("At most %(n)d characters (this has %(m)d).") % {"n": max_length, "m": len(value)}
        )
    return value


def parse_tags(value: str | list[str]) -> list[str]:
    """Tags typed as "a, b; c" (also with Chinese commas), each once, in order."""
    if isinstance(value, str):
        for sep in ("\uff0c", "\uff1b", ";", "\u3001"):  # full-width comma, semicolon; 、
            value = value.replace(sep, ",")
        value = value.split(",")
    seen: dict[str, None] = {}
    for tag in value:
        tag = " ".join(tag.split())
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


# --- categories ---------------------------------------------------------------------------------


@transaction.atomic
def category_save(
    *, actor, name: str, parent: Category | None = None, category: Category | None = None
) -> Category:
    _require(actor, Category, "change" if category else "add")
    errors: dict = {}
    name = _text(name, "name", errors, max_length=100)
    if category is not None and parent is not None:
        node = parent
        while node is not None:
            if node.pk == category.pk:
                errors.setdefault("parent", []).append(_g("A category cannot sit inside itself."))
                break
            node = node.parent
    if (
        name
        and Category.objects.filter(parent=parent, name=name)
        .exclude(pk=getattr(category, "pk", None))
        .exists()
    ):
        errors.setdefault("name", []).append(_g("There is already a category of this name here."))
    if errors:
        raise ValidationFailed(_("The category could not be saved."), fields=errors)
    before = snapshot(category) if category else None
    category = category or Category()
    category.name, category.parent = name, parent
    category.save()
    audit_record(
        action="update" if before else "create",
        actor=actor,
        obj=category,
        changes=diff(before or {}, snapshot(category)),
    )
    return category


# --- articles -----------------------------------------------------------------------------------


def _validated(*, title, body, category, tags, status, groups, errors: dict) -> tuple[str, str, list[str]]:
    title = _text(title, "title", errors, max_length=200)
    body = _text(body, "body", errors, max_length=200_000)
    tags = parse_tags(tags)
    if len(tags) > MAX_TAGS:
        errors.setdefault("tags", []).append(_g("At most %(n)d tags.") % {"n": MAX_TAGS})
    for tag in tags:
        if len(tag) > 50:
            errors.setdefault("tags", []).append(
                _g("“%(tag)s…”: a tag has at most 50 characters.") % {"tag": tag[:20]}
            )
    if status not in Article.Status.values:
        errors.setdefault("status", []).append(_g("Choose draft or published."))
    if category is not None and not isinstance(category, Category):
        errors.setdefault("category", []).append(_g("Unknown category."))
    if any(not isinstance(g, Group) for g in groups):
        errors.setdefault("groups", []).append(_g("Unknown group."))
    return title, body, tags


def _write(article: Article, *, actor, title, body, category, tags, status, public, groups, note) -> None:
    article.title, article.body, article.category = title, body, category
    if status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.status = status
    article.public = bool(public)
    article.restricted = bool(groups)
    article.search_title = search.document(title, " ".join(tags))
    article.search_body = search.document(body)
    article.save()
    article.tags.set([Tag.objects.get_or_create(name=tag)[0] for tag in tags])
    article.visible_to_groups.set(groups)
    ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=title,
        body=body,
        tags=", ".join(tags)[:500],
        note=(note or "").strip()[:200],
        edited_by=actor,
    )


@transaction.atomic
def article_create(
    *,
    actor,
    title: str,
    body: str,
    category: Category | None = None,
    tags: str | list[str] = "",
    status: str = Article.Status.DRAFT,
    public: bool = False,
    groups: list[Group] | tuple = (),
    note: str = "",
) -> Article:
    """A new article (version 1). Errors are keyed title, body, category, tags, status, groups."""
    _require(actor, Article, "add")
    errors: dict = {}
    title, body, tag_list = _validated(
        title=title, body=body, category=category, tags=tags, status=status, groups=groups, errors=errors
    )
    if errors:
        raise ValidationFailed(_("The article could not be saved."), fields=errors)
    article = Article(author=actor, version=1)
    _write(
        article,
        actor=actor,
        title=title,
        body=body,
        category=category,
        tags=tag_list,
        status=status,
        public=public,
        groups=list(groups),
        note=note,
    )
    audit_record(action="create", actor=actor, obj=article, changes=diff({}, snapshot(article)))
    return article


def may_edit(user, article: Article) -> bool:
    return user_can(user, Article, "change") or (
        article.author_id is not None
        and article.author_id == getattr(user, "pk", None)
        and user_can(user, Article, "add")
    )


@transaction.atomic
def article_update(
    *,
    actor,
    article: Article,
    title: str,
    body: str,
    category: Category | None = None,
    tags: str | list[str] = "",
    status: str = Article.Status.DRAFT,
    public: bool = False,
    groups: list[Group] | tuple = (),
    note: str = "",
) -> Article:
    """Save the article's new text as its next version (the old ones stay readable)."""
    if not may_edit(actor, article):
        raise NotPermitted(_g("You may not change this article."))
    article = Article.objects.select_for_update().get(pk=article.pk)
    errors: dict = {}
    title, body, tag_list = _validated(
        title=title, body=body, category=category, tags=tags, status=status, groups=groups, errors=errors
    )
    if errors:
        raise ValidationFailed(_("The article could not be saved."), fields=errors)
    before = snapshot(article)
    before_tags = sorted(article.tags.values_list("name", flat=True))
    article.version += 1
    _write(
        article,
        actor=actor,
        title=title,
        body=body,
        category=category,
        tags=tag_list,
        status=status,
        public=public,
        groups=list(groups),
        note=note,
    )
    changes = diff(before, snapshot(article))
    changes.pop("search_title", None)
    changes.pop("search_body", None)
    if before_tags != sorted(tag_list):
        changes["tags"] = [before_tags, sorted(tag_list)]
    audit_record(action="update", actor=actor, obj=article, changes=changes)
    return article


@transaction.atomic
def article_attach(*, actor, article: Article, upload) -> ArticleAttachment:
    """Attach a file (errors keyed `file`)."""
    if not may_edit(actor, article):
        raise NotPermitted(_g("You may not change this article."))
    errors: dict = {}
    checked = None
    if not upload:
        errors["file"] = [_g("Choose a file.")]
    else:
        checked = check_upload(
            upload, allowed=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES, field="file", errors=errors
        )
    if errors:
        raise ValidationFailed(_("The file could not be attached."), fields=errors)
    attachment = ArticleAttachment(
        article=article,
        file_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    attachment.file.save(checked.name, checked.upload, save=False)
    attachment.save()
    audit_record(action="update", actor=actor, obj=article, extra={"attached": checked.name})
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: ArticleAttachment) -> None:
    if not may_edit(actor, attachment.article):
        raise NotPermitted(_g("You may not change this article."))
    name = attachment.file_name
    attachment.file.delete(save=False)
    attachment.delete()
    audit_record(action="update", actor=actor, obj=attachment.article, extra={"removed": name})


# --- links from service cases -------------------------------------------------------------------


def _case_type(case) -> ContentType:
    content_type = ContentType.objects.get_for_model(type(case))
    if (content_type.app_label, content_type.model) not in CASE_MODELS:
        raise ValidationFailed(
            _g("Articles are linked to complaints, service requests and consultations only.")
        )
    return content_type


def _require_case(actor, case) -> None:
    if not type(case).objects.visible_to(actor, "change").filter(pk=case.pk).exists():
        raise NotPermitted(_g("You may not change this case."))


@transaction.atomic
def case_link(*, actor, article: Article, case, helpful: bool = False) -> CaseLink:
    """Link an article the actor may read to a case they may change."""
    _require(actor, Article, "view")
    _require_case(actor, case)
    if not Article.objects.visible_to(actor).filter(pk=article.pk, status=Article.Status.PUBLISHED).exists():
        raise ValidationFailed(
            _g("Only a published article you can read can be linked."),
            fields={"article": [_g("Not available.")]},
        )
    content_type = _case_type(case)
    link, created = CaseLink.objects.get_or_create(
        article=article,
        case_type=content_type,
        case_id=case.pk,
        defaults={"linked_by": actor, "case_category_id": getattr(case, "category_id", None)},
    )
    if created:
        Article.objects.filter(pk=article.pk).update(link_count=F("link_count") + 1)
        audit_record(
            action="update",
            actor=actor,
            obj=case,
            extra={"linked_article": article.pk, "title": article.title},
        )
    if helpful and not link.helpful:
        case_link_helpful(actor=actor, link=link, helpful=True)
    return link


@transaction.atomic
def case_link_helpful(*, actor, link: CaseLink, helpful: bool) -> CaseLink:
    """Mark (or unmark) a linked article as having helped solve the case: it then ranks higher in
    searches and for similar cases."""
    _require(actor, Article, "view")
    link = CaseLink.objects.select_for_update().get(pk=link.pk)
    if link.helpful == helpful:
        return link
    link.helpful = helpful
    link.save(update_fields=["helpful"])
    Article.objects.filter(pk=link.article_id).update(
        helpful_count=F("helpful_count") + (1 if helpful else -1)
    )
    audit_record(
        action="update",
        actor=actor,
        obj=link.article,
        changes={"helpful": [not helpful, helpful]},
        extra={"case_type": link.case_type.model, "case_id": link.case_id},
    )
    return link


@transaction.atomic
def case_unlink(*, actor, link: CaseLink) -> None:
    _require(actor, Article, "view")
    link = CaseLink.objects.select_for_update().get(pk=link.pk)
    Article.objects.filter(pk=link.article_id).update(
        link_count=F("link_count") - 1, helpful_count=F("helpful_count") - (1 if link.helpful else 0)
    )
    audit_record(action="update", actor=actor, obj=link.article, extra={"unlinked_case": link.case_id})
    link.delete()
