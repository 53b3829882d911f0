# ruff: noqa: RUF001 -- Chinese demo text uses full-width punctuation
"""Demo knowledge base: who may read and write it, a small category tree and a few articles in
Chinese and English (some public in the portal)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from org.models import User
from org.seed import patterns_grant

from .models import Article, ArticleVersion, Category
from .services import article_create

# group -> permission patterns added for the knowledge base
GRANTS = {
    "staff": ["knowledge.view_*"],
    "service": [
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.add_category",
        "knowledge.change_category",
    ],
    "hr": ["knowledge.*"],
    "product_development": ["knowledge.add_article", "knowledge.change_article"],
}

CATEGORIES = [
    # name, parent
    ("Products 产品使用", None),
    ("Water purifiers 净水设备", "Products 产品使用"),
    ("Printers 打印设备", "Products 产品使用"),
    ("Orders and invoices 订单与发票", None),
    ("Internal procedures 内部流程", None),
]

ARTICLES = [
    # title, category, tags, public, body
    (
        "更换滤芯 Replacing the filter cartridge",
        "Water purifiers 净水设备",
        "滤芯, filter, 出水量",
        True,
        "出水量下降通常是滤芯堵塞。Low water output usually means a clogged filter.\n\n"
        "1. 关闭进水阀 Close the inlet valve.\n2. 逆时针旋下滤瓶 Unscrew the housing.\n"
        "3. 装入新滤芯并冲洗5分钟 Fit the new cartridge and flush for 5 minutes.",
    ),
    (
        "打印机卡纸处理 Clearing a paper jam",
        "Printers 打印设备",
        "卡纸, paper jam, 打印机",
        True,
        "打印机卡纸时先关机，打开后盖，顺着进纸方向轻拉纸张。\n\n"
        "When the printer jams, switch it off, open the rear cover "
        "and pull the paper out in the feed direction. "
        "Use 70–80 g paper; damp paper jams more often.",
    ),
    (
        "发票抬头错误怎么办 Correcting an invoice title",
        "Orders and invoices 订单与发票",
        "发票, invoice",
        True,
        "发票抬头或税号有误时，请在30天内申请红冲并重开。\n\n"
        "If the title or tax number on an invoice is wrong, "
        "ask for a red-letter reversal and a new invoice within 30 days.",
    ),
    (
        "Noise from the pump 水泵噪音大",
        "Water purifiers 净水设备",
        "噪音, noise, pump",
        False,
        "A humming pump often has air in the line: open the flush valve for a minute. "
        "If the noise stays, dispatch a technician to check the pump mount. 噪音持续则派工检查水泵底座。",
    ),
    (
        "投诉升级规则 Complaint escalation rules",
        "Internal procedures 内部流程",
        "投诉, complaint, SLA",
        False,
        "**High** and **critical** complaints are escalated to the service manager "
        "after 4 hours without an answer. "
        "高、紧急级别投诉4小时未回复自动升级给客服经理。",
    ),
]


def _grant() -> None:
    permissions = list(
        Permission.objects.filter(content_type__app_label="knowledge").select_related("content_type")
    )
    for name, patterns in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *(p for p in permissions if patterns_grant(patterns, f"{p.content_type.app_label}.{p.codename}"))
        )


def seed_demo(stdout) -> None:
    _grant()
    categories: dict[str, Category] = {}
    for name, parent in CATEGORIES:
        categories[name], _ = Category.objects.get_or_create(name=name, parent=categories.get(parent))
    author = (
        User.objects.filter(username="huang.qiang").first() or User.objects.filter(is_superuser=True).first()
    )
    if author is not None and not Article.objects.exists():
        admin = User.objects.filter(is_superuser=True).first() or author
        for title, category, tags, public, body in ARTICLES:
            article = article_create(
                actor=admin,
                title=title,
                body=body,
                category=categories[category],
                tags=tags,
                status=Article.Status.PUBLISHED,
                public=public,
            )
            Article.objects.filter(pk=article.pk).update(author=author)
            ArticleVersion.objects.filter(article=article).update(edited_by=author)
    stdout.write(f"  knowledge: {Category.objects.count()} categories, {Article.objects.count()} articles")
