"""Pinyin of Chinese names, so `wf`, `wangfang` or `wang fang` find 王芳 in the address book."""

from __future__ import annotations

from itertools import product

from pypinyin import Style, pinyin

MAX_READINGS = 6  # a name with several readings (单 dan/shan) keeps a few, not every combination


def searchable_pinyin(name: str) -> str:
    """Space-separated forms to match with `icontains`: the syllables, the whole name run together
    and the initials, for each of the name's first few readings. Empty for a name without Chinese."""
    name = (name or "").strip()
    if not name or not any("\u4e00" <= char <= "\u9fff" for char in name):
        return ""
    syllables = [
        [reading.lower() for reading in readings[:3]]
        for readings in pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore")
        if readings
    ]
    forms: list[str] = []
    for combination in list(product(*syllables))[:MAX_READINGS]:
        joined = "".join(combination)
        initials = "".join(syllable[0] for syllable in combination if syllable)
        for form in (" ".join(combination), joined, initials):
            if form not in forms:
                forms.append(form)
    return " ".join(forms)[:300]
