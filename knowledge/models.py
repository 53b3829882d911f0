"""The knowledge base: articles in a category tree, with tags, attachments and every saved version,
visible to chosen groups (or all staff) and, when public, to customers in the portal; links from
service cases (complaints, service requests, consultations) marked helpful feed the ranking.

Glossary: 知识库 = knowledge base; 文章 = article; 分类 = category; 标签 = tag; 草稿 = draft;
已发布 = published; 公开 = public (shown in the customer portal); 有帮助 = helpful.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from org.permissions import VisibleQuerySet


class Category(models.Model):
    """A node of the category tree (产品使用 / 打印机)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="knowledge_category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(VisibleQuerySet):
    """Published articles for everyone holding the view permission whose groups the article names
    (none named: all staff); drafts and restricted articles also for their author and for editors
    (the change permission)."""

    def row_filter(self, user, action: str) -> Q | None:
        from org.permissions import user_can
        from org.selectors import effective_group_ids

        if action == "view" and user_can(user, self.model, "change"):
            return None
        if action != "view":
            return None
        # a sub-select, not a join: a join would repeat an article named for two of one's groups
        in_groups = Article.visible_to_groups.through.objects.filter(
            group_id__in=effective_group_ids(user)
        ).values("article_id")
        readable = Q(status=Article.Status.PUBLISHED) & (Q(restricted=False) | Q(pk__in=in_groups))
        return readable | Q(author=user)

    def public(self) -> ArticleQuerySet:
        """What customers may read in the portal."""
        return self.filter(status=Article.Status.PUBLISHED, public=True)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Markdown: **bold**, lists, links, headings."))
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    public = models.BooleanField(_("public in the customer portal"), default=False)
    # True when only `visible_to_groups` may read it; kept beside the M2M so the common case (all
    # staff) needs no join.
    restricted = models.BooleanField(default=False, editable=False)
    visible_to_groups = models.ManyToManyField(
        Group, verbose_name=_("visible to groups"), blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # How many cases it was marked helpful on, and linked to: the ranking's signal from the desk.
    helpful_count = models.PositiveIntegerField(_("helpful on cases"), default=0)
    link_count = models.PositiveIntegerField(_("linked cases"), default=0)
    # The search tokens (knowledge.search.tokens): English words and Chinese character pairs.
    # PostgreSQL indexes them as a weighted tsvector column (migration 0002).
    search_title = models.TextField(default="", editable=False)
    search_body = models.TextField(default="", editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "public"], name="knowledge_article_status"),
            # search candidates, most helpful and newest first (knowledge.search): walked in this
            # order until enough match, so a word found everywhere stops early
            models.Index(F("helpful_count").desc(), F("id").desc(), name="knowledge_article_helpful"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """What an article said after each save (number 1 = as first written)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    tags = models.CharField(_("tags"), max_length=500, blank=True)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    edited_at = models.DateTimeField(_("edited"), auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="knowledge/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file_name", "pk"]

    def __str__(self) -> str:
        return self.file_name


class CaseLink(models.Model):
    """An article linked to a service case; `helpful` once it solved it. The case is a complaint, a
    service request or a consultation (by content type, as tasks name their business object)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="case_links")
    case_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    case_id = models.PositiveBigIntegerField()
    # the case's category (a crm ChoiceOption id) when linked: "similar cases" match on it
    case_category_id = models.PositiveBigIntegerField(null=True, blank=True)
    helpful = models.BooleanField(_("helpful"), default=False)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "case_type", "case_id"], name="knowledge_caselink_unique"
            )
        ]
        indexes = [
            models.Index(fields=["case_type", "case_id"], name="knowledge_caselink_case"),
            models.Index(fields=["case_type", "case_category_id", "helpful"], name="knowledge_caselink_cat"),
        ]

    def __str__(self) -> str:
        return f"{self.article} ↔ {self.case_type.model} {self.case_id}"
