"""Cell formatting for report tables: percentages for ratios, grouped decimals for amounts."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

register = template.Library()

RATIO_KEYS = {"conversion", "win_rate", "sla_met_rate", "budget_used", "roi"}


@register.simple_tag
def report_cell(value, key=""):
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in RATIO_KEYS and isinstance(value, float | int):
        return f"{value * 100:.1f}%"
    if isinstance(value, Decimal | float):
        return floatformat(value, "2g")
    return value


@register.filter
def cells_with_keys(table):
    """Rows as lists of (key, value), so the template can format each cell by its column."""
    keys = [key for key, _header in table.columns]
    return [list(zip(keys, row, strict=True)) for row in table.cells()]
