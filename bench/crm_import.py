"""CRM import benchmark on PostgreSQL (its own scratch database, migrated, dropped at the end).

Imports N customer rows from an .xlsx (10% near-duplicates of other rows: another legal suffix,
full-width letters, a city prefix, a typo with the same phone, the same tax id) through the real
import service (read the workbook, convert, duplicate check, bulk inserts per batch) and compares
with a bare `bulk_create` of the same rows in the same run. Targets: >= 5,000 rows/s, ratio <= 4,
every planted duplicate found, no false positive.

    python -m bench crm_import [--quick]
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ADMIN_DATABASE_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "武汉", "成都", "西安", "青岛", "宁波"]
INDUSTRIES = ["科技", "贸易", "电子", "机械", "物流", "食品", "制药", "建材", "化工", "纺织", "能源", "传媒"]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]


# -- scratch database (shared with bench/crm_lists.py) ---------------------------------------------


def _admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(ADMIN_DATABASE_URL)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@contextmanager
def scratch_database(tag: str):
    """A fresh PostgreSQL database for one benchmark, also when Django is already set up."""
    name = f"bench_baton_{tag}_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    base = ADMIN_DATABASE_URL.rsplit("/", 1)[0]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DB_CONN_MAX_AGE"] = "0"
    os.environ["BATON_TICKER_SECONDS"] = "0"
    os.environ.pop("REDIS_URL", None)
    import django
    from django.conf import settings

    if settings.configured and "default" in getattr(settings, "DATABASES", {}) and django.apps.apps.ready:
        from django.db import connections

        connections.close_all()
        previous = dict(settings.DATABASES["default"])
        settings.DATABASES["default"]["NAME"] = name
        connections["default"].settings_dict["NAME"] = name
    else:
        previous = None
        os.environ["DATABASE_URL"] = f"{base}/{name}"
        django.setup()
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        if previous is not None:
            settings.DATABASES["default"]["NAME"] = previous["NAME"]
            connections["default"].settings_dict["NAME"] = previous["NAME"]
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- data ------------------------------------------------------------------------------------------


def _words(rng: random.Random, count: int) -> list[str]:
    """Two-character words whose characters never repeat, so distinct bases are never 'similar'."""
    pool = [chr(c) for c in range(0x4E00, 0x9FA5)]
    chars = rng.sample(pool, count * 2)
    return [chars[2 * i] + chars[2 * i + 1] for i in range(count)]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _latin_word(rng: random.Random) -> str:
    consonants, vowels = "bcdfghjklmnprstvz", "aeiou"
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(4)).title()


def _variant(rng: random.Random, base: dict, kind: int, serial: int) -> list:
    """A near-duplicate of `base` that a person would still call the same company."""
    name, phone, email, tax_id = base["name"], "", "", ""
    if kind == 0:  # another legal suffix
        for suffix in sorted((*SUFFIXES, " Co., Ltd.", " Inc."), key=len, reverse=True):
            if name.endswith(suffix):
                others = (
                    [s for s in SUFFIXES if s != suffix]
                    if not suffix.startswith(" ")
                    else [" Ltd.", " Corporation"]
                )
                name = name[: -len(suffix)] + rng.choice(others)
                break
    elif kind == 1:  # full-width letters, other case and spacing
        name = _full_width(name.upper()) if serial % 2 else "  ".join(name.lower().split())
    elif kind == 2:  # city prefix added or dropped: found by the fuzzy match on the distinctive name
        city = next((c for c in CITIES if name.startswith(c)), None)
        name = name[len(city) :] if city else rng.choice(CITIES) + name
    elif kind == 3:  # a typo in the name, the same phone written differently
        at = base["core_end"] - 1
        name = name[:at] + ("口" if name[at] != "口" else "日") + name[at + 1 :]
        phone = "+86 " + base["phone"].lstrip("0").replace("-", " ")
    else:  # written entirely differently, the same tax id
        name = f"{_latin_word(rng)} Holdings {serial}"
        tax_id = base["tax_id"]
    return [
        name,
        phone,
        email,
        tax_id,
        base["address"],
        base["industry"],
        rng.randint(1, 10**7),
        rng.randint(1, 5000),
    ]


def make_rows(n: int, seed: int = 7) -> tuple[list[list], int]:
    """(rows, planted near-duplicates); columns as HEADERS; 10% of the rows are near-duplicates."""
    from crm.normalize import FUZZY_THRESHOLD, core_similarity

    rng = random.Random(seed)
    first, second = _words(rng, 400), _words(rng, 400)
    bases: list[dict] = []
    rows: list[list] = []
    planted = 0
    used: set[str] = set()
    latin_buckets: dict[str, list[str]] = {}
    while len(rows) < n:
        if bases and planted < n // 10 and rng.random() < 0.12:
            kind = planted % 5
            pool = (
                [b for b in bases[-2000:] if b["latin"] == (kind == 1)] if kind in (1, 2) else bases[-2000:]
            )
            if pool:
                rows.append(_variant(rng, rng.choice(pool), kind, planted))
                planted += 1
                continue
        i = len(bases)
        latin = rng.random() < 0.2
        if latin:
            word = _latin_word(rng)
            # Distinct companies must not be near-duplicates by accident (else "false positives"
            # would measure the generator): reject a word too similar to one in its bucket.
            neighbours = latin_buckets.setdefault(word[:2].lower(), [])
            if any(core_similarity(word.lower(), other) >= FUZZY_THRESHOLD for other in neighbours):
                continue
            neighbours.append(word.lower())
            name = f"{word} Trading Co., Ltd." if rng.random() < 0.5 else f"{word} Technology Inc."
            core_end = len(word)
        else:
            city = rng.choice(CITIES)
            word = rng.choice(first) + rng.choice(second)
            industry = rng.choice(INDUSTRIES)
            name = f"{city}{word}{industry}{rng.choice(SUFFIXES)}"
            core_end = len(city) + len(word) + len(industry)
        if word in used:
            continue
        used.add(word)
        base = {
            "name": name,
            "latin": latin,
            "core_end": core_end,
            "phone": f"0{rng.randint(10, 999)}-{rng.randint(10_000_000, 99_999_999)}",
            "email": f"info{i}@c{i}.example.cn",
            "tax_id": f"9131{i:014d}",
            "address": f"{rng.choice(CITIES)}市某路{rng.randint(1, 999)}号",
            "industry": rng.choice(INDUSTRIES),
        }
        bases.append(base)
        rows.append(
            [
                name,
                base["phone"],
                base["email"],
                base["tax_id"],
                base["address"],
                base["industry"],
                rng.randint(1, 10**7),
                rng.randint(1, 5000),
            ]
        )
    return rows, planted


HEADERS = ["客户名称", "电话", "邮箱", "税号", "地址", "行业", "年营业额", "员工数"]


def workbook_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bare_bulk_create(rows: list[list], owner) -> float:
    """Seconds to bulk_create the same rows as plain Customer objects (no checks, no keys)."""
    from decimal import Decimal

    from crm.models import ChoiceOption, Customer

    industries = {o.label: o for o in ChoiceOption.objects.filter(choice_list="industry")}
    started = time.perf_counter()
    for start in range(0, len(rows), 1000):
        Customer.objects.bulk_create(
            [
                Customer(
                    code=f"B{start + i:07d}",
                    name=r[0],
                    phone=r[1],
                    email=r[2],
                    tax_id=r[3],
                    address=r[4],
                    industry=industries[r[5]],
                    annual_revenue=Decimal(r[6]),
                    employee_count=r[7],
                    owner=owner,
                )
                for i, r in enumerate(rows[start : start + 1000])
            ]
        )
    return time.perf_counter() - started


def run(quick: bool) -> dict:
    n = 20_000 if quick else 100_000
    with scratch_database("crm_import"):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from crm.models import ChoiceOption, Customer
        from crm.services.imports import import_job_create, import_run

        admin = get_user_model().objects.create_superuser("bench_admin", password="x")
        for i, label in enumerate(INDUSTRIES):
            ChoiceOption.objects.create(choice_list="industry", code=f"i{i}", label=label)
        rows, planted = make_rows(n)
        data = workbook_bytes(rows)
        print(f"  {n} rows, {planted} planted near-duplicates, {len(data) / 1e6:.1f} MB xlsx", flush=True)

        bulk_seconds = bare_bulk_create(rows, admin)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE crm_customer CASCADE")
            cursor.execute("VACUUM ANALYZE crm_customer")
        print(f"  bare bulk_create: {n / bulk_seconds:.0f} rows/s", flush=True)

        started = time.perf_counter()
        job = import_job_create(actor=admin, entity="customer", data=data, filename="bench.xlsx", run=False)
        job = import_run(job_id=job.pk)
        import_seconds = time.perf_counter() - started
        created = Customer.objects.count()
        print(
            f"  import: {n / import_seconds:.0f} rows/s; created {job.created_count}, "
            f"duplicates {job.skipped_count}/{planted}, failed batches {job.failed_batches}",
            flush=True,
        )
    figures = {
        "bench": "crm_import",
        "rows": n,
        "import_rows_s": round(n / import_seconds, 1),
        "bulk_create_rows_s": round(n / bulk_seconds, 1),
        "ratio": round(import_seconds / bulk_seconds, 3),
        "planted_duplicates": planted,
        "duplicates_found": job.skipped_count,
        "false_positives": max(0, job.skipped_count - planted),
        "created": created,
        "failed_batches": job.failed_batches,
    }
    print(json.dumps(figures), flush=True)
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    run(quick="--quick" in sys.argv)
