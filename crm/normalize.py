"""Normalized keys for the duplicate check and the name search.

The same company is typed many ways: full-width letters (U+FF21...), spaces, a different legal suffix
(有限公司 / 股份有限公司 / Co., Ltd.), a city prefix or not. The keys fold those away, so exact
buckets find most duplicates with an index lookup and fuzzy matching only runs inside a bucket.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Longest first, so 股份有限公司 is stripped before 有限公司.
COMPANY_SUFFIXES = sorted(
    {
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "股份公司",
        "集团公司",
        "集团",
        "公司",
        "分公司",
        "总公司",
        "厂",
        "company limited",
        "co ltd",
        "co limited",
        "corporation",
        "company",
        "limited",
        "group",
        "corp",
        "inc",
        "ltd",
        "llc",
        "gmbh",
        "co",
    },
    key=len,
    reverse=True,
)
# Regional prefixes are not part of the distinctive name: 北京华为 and 华为 block together.
REGION_PREFIXES = sorted(
    {
        "北京市",
        "上海市",
        "天津市",
        "重庆市",
        "北京",
        "上海",
        "天津",
        "重庆",
        "广州",
        "深圳",
        "杭州",
        "南京",
        "苏州",
        "武汉",
        "成都",
        "西安",
        "青岛",
        "宁波",
        "厦门",
        "无锡",
        "沈阳",
        "大连",
        "济南",
        "郑州",
        "长沙",
        "合肥",
        "福州",
        "昆明",
        "广东",
        "江苏",
        "浙江",
        "山东",
        "河北",
        "河南",
        "湖北",
        "湖南",
        "四川",
        "福建",
        "安徽",
        "辽宁",
        "中国",
    },
    key=len,
    reverse=True,
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_BRACKETS = re.compile("[(\uff08][^)\uff09]*[)\uff09]")
_DIGITS = re.compile(r"\D+")


def fold(text: str) -> str:
    """NFKC (full-width → half-width) and case folding; whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())


def search_name(name: str) -> str:
    """The key behind the name prefix search: folded, nothing else removed."""
    return fold(name)[:200]


def name_key(name: str) -> str:
    """The exact-duplicate key: folded, punctuation and bracketed notes removed, suffixes stripped."""
    text = fold(name)
    text = _BRACKETS.sub("", text)
    text = _PUNCT.sub(" ", text).strip()
    changed = True
    while changed and text:
        changed = False
        for suffix in COMPANY_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                candidate = text[: -len(suffix)].rstrip()
                if candidate:
                    text = candidate
                    changed = True
                    break
    return text.replace(" ", "")[:200]


# Generic trade words at the end of a name say little about which company it is: "Kulezeku
# Trading" and "Kulecepi Trading" are different companies, so similarity ignores them.
GENERIC_TAILS = sorted(
    {
        "科技",
        "技术",
        "贸易",
        "商贸",
        "实业",
        "发展",
        "国际",
        "控股",
        "投资",
        "工业",
        "工贸",
        "trading",
        "technology",
        "technologies",
        "holdings",
        "international",
        "industrial",
        "industries",
        "enterprises",
        "development",
        "investment",
    },
    key=len,
    reverse=True,
)
_REGION = re.compile("^(?:" + "|".join(re.escape(p) for p in REGION_PREFIXES) + ")")
_TAIL = re.compile("(?:" + "|".join(re.escape(t) for t in GENERIC_TAILS) + ")+$")


def name_core(key: str) -> str:
    """The distinctive part of a name key: no leading region (北京...), no generic tail (科技...)."""
    match = _REGION.match(key)
    if match and len(key) > match.end() + 1:
        key = key[match.end() :]
    tail = _TAIL.search(key)
    if tail and tail.start() >= 2:
        key = key[: tail.start()]
    return key


def name_bucket(name: str, *, key: str | None = None) -> str:
    """The blocking key for fuzzy matching: the first two characters of the distinctive name."""
    return name_core(key if key is not None else name_key(name))[:2]


def phone_digits(phone: str) -> str:
    """Digits only, in one national form: no +86/0086 country code, no leading trunk 0.

    "+86 10 8888 6666", "010-88886666" and "(010) 8888 6666" give the same key; '' when too
    short to mean anything.
    """
    digits = _DIGITS.sub("", unicodedata.normalize("NFKC", phone or ""))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) >= 11:
        digits = digits[2:]
    digits = digits.lstrip("0")
    return digits[-30:] if len(digits) >= 6 else ""


def email_key(email: str) -> str:
    return fold(email).strip()[:254]


def tax_id_key(tax_id: str) -> str:
    return _PUNCT.sub("", fold(tax_id)).upper()[:40]


FUZZY_THRESHOLD = 0.8


def name_similarity(a_key: str, b_key: str) -> float:
    """0..1 similarity of two name keys, cheap bounds first; 0 when clearly below the threshold."""
    if not a_key or not b_key:
        return 0.0
    return core_similarity(name_core(a_key), name_core(b_key))


def core_similarity(a: str, b: str) -> float:
    """Like name_similarity, for names already reduced to their core."""
    if a == b:
        return 1.0 if a else 0.0
    la, lb = len(a), len(b)
    if not la or not lb or abs(la - lb) / max(la, lb) > 1 - FUZZY_THRESHOLD:
        return 0.0
    # Upper bound of the matching characters from sets (repeats can add at most their count):
    # most non-matches stop here, without building a SequenceMatcher.
    sa, sb = set(a), set(b)
    bound = len(sa & sb) + min(la - len(sa), lb - len(sb))
    if 2 * bound / (la + lb) < FUZZY_THRESHOLD:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def customer_keys(*, name: str, phone: str = "", email: str = "", tax_id: str = "") -> dict[str, str]:
    key = name_key(name)
    return {
        "search_name": search_name(name),
        "name_key": key,
        "name_bucket": name_bucket(name, key=key),
        "phone_digits": phone_digits(phone),
        "email_key": email_key(email),
        "tax_id_key": tax_id_key(tax_id),
    }
