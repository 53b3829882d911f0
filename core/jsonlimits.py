"""JSON from outside, read within limits: nesting depth and number range.

Python's json module recurses once per nesting level, so a body of 5,000 brackets ends in a
RecursionError (a 500), and `1e999` or a 4,000-digit integer reaches the database as inf or an
overflow. `BoundedJSONDecoder` checks the depth with a flat scan before parsing and refuses
non-finite or out-of-range numbers; its errors are ValueErrors, so every caller that already turns
invalid JSON into a 400 (DRF's JSONField, the form-file loader...) refuses these too.
"""

from __future__ import annotations

import json
import math
import re

from django.conf import settings
from django.utils.translation import gettext as _

TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
INT_RANGE = 2**63


class JSONLimitError(ValueError):
    """The JSON is well-formed but beyond a limit; `key` is the top-level member it is in."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.message = message
        self.key = key


def check_depth(text: str, max_depth: int | None = None) -> None:
    max_depth = max_depth if max_depth is not None else settings.JSON_MAX_DEPTH
    depth = 0
    key = ""
    for match in TOKENS.finditer(text):
        piece = match.group()
        if piece[0] == '"':
            if depth == 1:
                key = piece
            continue
        if piece in "[{":
            depth += 1
            if depth > max_depth:
                try:
                    name = json.loads(key) if key and text.lstrip()[:1] == "{" else ""
                except ValueError:
                    name = ""
                raise JSONLimitError(
                    _("The data is nested deeper than %(max)d levels.") % {"max": max_depth}, key=str(name)
                )
        else:
            depth -= 1


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise JSONLimitError(_("The number %(number)s is out of range.") % {"number": text[:40]})
    return number


def _parse_int(text: str) -> int:
    number = int(text)
    if not -INT_RANGE <= number < INT_RANGE:
        raise JSONLimitError(_("The number %(number)s… is out of range.") % {"number": text[:20]})
    return number


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not a JSON number.") % {"name": name})


class BoundedJSONDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parse_float", _parse_float)
        kwargs.setdefault("parse_int", _parse_int)
        kwargs.setdefault("parse_constant", _refuse_constant)
        super().__init__(*args, **kwargs)

    def decode(self, s, *args, **kwargs):
        check_depth(s)
        return super().decode(s, *args, **kwargs)


def loads(text: str | bytes):
    """`json.loads` within the limits; ValueError (JSONLimitError when beyond one) otherwise."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text, cls=BoundedJSONDecoder)
