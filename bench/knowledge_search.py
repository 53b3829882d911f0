"""Knowledge-base search benchmark on PostgreSQL (its own scratch database, migrated, dropped).

50,000 published articles (5,000 with --quick), bilingual text of 60-220 words drawn with
Zipf-like weights from 5,000 words (the service vocabulary below and made-up Chinese and English
ones), 10% restricted to a group. Timed through the selector exactly as the knowledge-base page
serves a search (a fresh user object each time; visible_to, ranked ids, then the page's rows with
categories and tags): a) a two-character word in most articles (客户: the worst case), b) a
common two-character word (卡纸), c) a rare one (红冲), d) a five-character phrase (打印机卡纸),
e) an English word (cartridge), f) Chinese and English together (滤芯 replace), and g) "articles
that solved similar cases" for a complaint's text. Target: p95 <= 100 ms each.

For the record of the choice (knowledge.search), the same words are also timed the trigram way:
`body ILIKE '%…%'` with a pg_trgm GIN index on the body, newest 50 (no ranking at all); the sizes
of both indexes are reported.

    python -m bench knowledge_search [--quick]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from bench.crm_lists import percentile, timed

ZH = [
    "打印机",
    "卡纸",
    "滤芯",
    "出水量",
    "发票",
    "红冲",
    "税号",
    "水泵",
    "噪音",
    "安装",
    "维修",
    "保修",
    "退货",
    "换货",
    "物流",
    "配送",
    "合同",
    "订单",
    "付款",
    "投诉",
    "升级",
    "客服",
    "技术员",
    "上门",
    "预约",
    "配件",
    "电源",
    "指示灯",
    "故障",
    "重启",
    "网络",
    "设置",
    "密码",
    "账户",
    "登录",
    "培训",
    "说明书",
    "保养",
    "清洗",
    "更换",
    "检测",
    "质量",
    "延期",
    "报价",
    "折扣",
    "库存",
    "仓库",
]
EN = [
    "printer",
    "paper",
    "jam",
    "filter",
    "cartridge",
    "output",
    "invoice",
    "reversal",
    "pump",
    "noise",
    "install",
    "repair",
    "warranty",
    "return",
    "exchange",
    "delivery",
    "contract",
    "order",
    "payment",
    "complaint",
    "escalate",
    "service",
    "technician",
    "visit",
    "spare",
    "power",
    "light",
    "fault",
    "restart",
    "network",
    "password",
    "account",
    "manual",
    "clean",
    "replace",
    "check",
    "quality",
    "delay",
    "quote",
    "discount",
    "stock",
    "warehouse",
    "the",
    "a",
    "of",
    "to",
    "and",
    "when",
    "please",
]
QUERIES = {
    "zh_everywhere": "客户",
    "zh_two_common": "卡纸",
    "zh_two_rare": "红冲",
    "zh_phrase": "打印机卡纸",
    "en_word": "cartridge",
    "mixed": "滤芯 replace",
}
CASE_TEXT = "打印机频繁卡纸，客户要求上门维修 The printer jams every morning, please send a technician"


# words of the queries below at chosen ranks of frequency (0 = the commonest word)
PLACED = {
    0: "客户",
    30: "卡纸",
    60: "replace",
    150: "cartridge",
    400: "滤芯",
    800: "打印机卡纸",
    1500: "红冲",
}


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """5,000 words, drawn with Zipf-like weights (a few words are everywhere, most are rare), as in
    real text: made-up Chinese and English words, the service vocabulary, and the queried words at
    the ranks PLACED gives them."""
    common = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
    words = ["".join(rng.choice(common) for _ in range(rng.randint(2, 4))) for _ in range(2_900)]
    letters = "abcdefghiklmnoprstuvw"
    words += ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(2_000)]
    words += [w for w in ZH + EN if w not in PLACED.values() and w not in "卡纸打印机"]
    rng.shuffle(words)
    for rank, word in sorted(PLACED.items()):
        words.insert(rank, word)
    weights = [1 / (rank + 10) for rank in range(len(words))]
    return words, weights


def _text(rng: random.Random, vocab, length: int) -> str:
    words, weights = vocab
    parts = []
    for word in rng.choices(words, weights=weights, k=length):
        parts.append(word)
        parts.append(" " if word.isascii() else rng.choice(["", "", "，"]))
    return "".join(parts)


def fill(n: int, *, author, group) -> None:
    from knowledge import search
    from knowledge.models import Article, Category

    rng = random.Random(7)
    vocab = vocabulary(rng)
    categories = [Category.objects.create(name=f"Category {i}") for i in range(30)]
    batch = []
    through = Article.visible_to_groups.through
    restricted = []
    for i in range(n):
        title = _text(rng, vocab, 6)[:120]
        body = _text(rng, vocab, rng.randint(60, 220))
        batch.append(
            Article(
                title=title,
                body=body,
                category=rng.choice(categories),
                status=Article.Status.PUBLISHED,
                public=rng.random() < 0.3,
                restricted=i % 10 == 0,
                author=author,
                helpful_count=rng.choice([0, 0, 0, 1, 2, 5]),
                search_title=search.document(title),
                search_body=search.document(body),
            )
        )
        if len(batch) == 2_000:
            created = Article.objects.bulk_create(batch)
            restricted += [through(article_id=a.pk, group_id=group.pk) for a in created if a.restricted]
            batch = []
    if batch:
        created = Article.objects.bulk_create(batch)
        restricted += [through(article_id=a.pk, group_id=group.pk) for a in created if a.restricted]
    through.objects.bulk_create(restricted)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _trigram_case(term: str):
    from django.db import connection

    def run_one(_i):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM knowledge_article WHERE status = 'published' AND body ILIKE %s "
                "ORDER BY id DESC LIMIT 50",
                [f"%{term}%"],
            )
            cursor.fetchall()

    return run_one


def run(quick: bool) -> dict:
    from bench.crm_import import scratch_database

    n = 5_000 if quick else 50_000
    iterations = 60 if quick else 200
    with scratch_database("knowledge_search"):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        from knowledge import search
        from knowledge.models import Article
        from knowledge.selectors import article_list
        from org.models import GroupProfile

        users = get_user_model()
        group, _ = Group.objects.get_or_create(name="bench_readers")
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="knowledge", codename="view_article")
        )
        GroupProfile.objects.update_or_create(group=group, defaults={"row_scope": "own"})
        reader = users.objects.create(username="bench_reader")
        reader.groups.add(group)
        started = time.perf_counter()
        fill(n, author=reader, group=group)
        print(f"  {n} articles inserted and analyzed in {time.perf_counter() - started:.0f} s", flush=True)

        def searching(text):
            def run_one(_i):
                user = users.objects.get(pk=reader.pk)
                article_list(Article.objects.visible_to(user), text=text)

            return run_one

        complaint_type = ContentType.objects.get(app_label="crm", model="complaint")

        def similar(_i):
            user = users.objects.get(pk=reader.pk)
            readable = Article.objects.visible_to(user).filter(status=Article.Status.PUBLISHED)
            search.similar_case_articles(
                readable, case_type_id=complaint_type.pk, case_category_id=None, text=CASE_TEXT, exclude=set()
            )

        cases = [(name, searching(text)) for name, text in QUERIES.items()]
        cases.append(("similar_cases", similar))
        results = {}
        for name, fn in cases:
            fn(0)
            results[name] = timed(fn, iterations)
        counts = {
            name: len(article_list(Article.objects.all(), text=text, limit=100_000).articles)
            for name, text in QUERIES.items()
        }
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            started = time.perf_counter()
            cursor.execute("CREATE INDEX bench_body_trgm ON knowledge_article USING gin (body gin_trgm_ops)")
            trgm_build = time.perf_counter() - started
            cursor.execute("ANALYZE knowledge_article")
            cursor.execute(
                "SELECT pg_relation_size('knowledge_article_search'), pg_relation_size('bench_body_trgm')"
            )
            fts_size, trgm_size = cursor.fetchone()
        for name, text in QUERIES.items():
            if " " in text:
                continue
            fn = _trigram_case(text)
            fn(0)
            # (fewer rounds: a two-character pattern reads the whole table each time)
            results[f"trigram_{name}"] = timed(fn, max(20, iterations // 10))
        for name, (samples, sql, queries) in results.items():
            print(
                f"  {name}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
                f"(in SQL: p50 {statistics.median(sql):.1f} ms), {queries} queries"
                + (f", {counts[name]} matches" if name in counts else ""),
                flush=True,
            )
    figures = {
        "bench": "knowledge_search",
        "articles": n,
        "iterations": iterations,
        "tsvector_index_mb": round(fts_size / 2**20, 1),
        "trigram_index_mb": round(trgm_size / 2**20, 1),
        "trigram_index_build_s": round(trgm_build, 1),
    }
    for name, (samples, _sql, queries) in results.items():
        figures[f"{name}_p50_ms"] = round(statistics.median(samples), 2)
        figures[f"{name}_p95_ms"] = round(percentile(samples, 0.95), 2)
        figures[f"{name}_queries"] = queries
    for name, count in counts.items():
        figures[f"{name}_matches"] = count
    figures["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
