"""Vehicle plates in one written form: "沪A·12345" whether typed with the middle dot, a full stop,
a hyphen, spaces or nothing between the region and the number, in any letter case."""

from __future__ import annotations

import re

_SEPARATORS = re.compile("[\\s\u00b7\u2022\u30fb\uff0e.\\-_]+")


def normalise_plate(text: str) -> str:
    """The stored form of a plate: upper case, the province and the issuing letter, a middle dot,
    the number (a Chinese plate); other plates only lose their separators."""
    plate = _SEPARATORS.sub("", str(text or "")).upper()
    if len(plate) >= 3 and "\u4e00" <= plate[0] <= "\u9fff" and plate[1].isascii() and plate[1].isalpha():
        return f"{plate[:2]}·{plate[2:]}"
    return plate
