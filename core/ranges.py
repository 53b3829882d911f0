"""Does a value fit the column it is meant for? Derived from the model field, so every entry path
(forms, API, import) refuses the same values with a message for the field, instead of the
database refusing them later (PostgreSQL with a DataError, SQLite with InvalidOperation or
OverflowError: a 500 where nobody catches it)."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, models
from django.utils.translation import gettext as _


def out_of_range(model_field: models.Field, value) -> str | None:
    """None when `value` fits `model_field`; otherwise what the user may enter instead."""
    if isinstance(model_field, models.DecimalField) and isinstance(value, Decimal):
        places = model_field.decimal_places
        bound = Decimal(10) ** (model_field.max_digits - places)
        # Exact comparison (quantizing a huge value would overflow the decimal context itself).
        if abs(value) < bound - Decimal(5).scaleb(-places - 1):
            return None
        return _("At most %(largest)s.") % {"largest": f"{bound - Decimal(1).scaleb(-places):,}"}
    if isinstance(model_field, models.IntegerField) and isinstance(value, int):
        low, high = connection.ops.integer_field_range(model_field.get_internal_type())
        if (low is None or value >= low) and (high is None or value <= high):
            return None
        return _("At most %(largest)s.") % {"largest": f"{high:,}"}
    return None
