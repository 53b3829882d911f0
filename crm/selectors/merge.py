"""What a customer merge will do, for the screens that preview it (staff UI and API)."""

from __future__ import annotations

from ..models import Customer, CustomerMerge

_EMPTY = (None, "")


def merge_default_side(field: str, kept_value, removed_value) -> str:
    """The side `customer_merge` takes for `field` when not told: the kept card's value, unless it
    is empty and the removed card's is not. Custom fields are always combined (kept values win)."""
    if field != "custom" and kept_value in _EMPTY and removed_value not in _EMPTY:
        return "remove"
    return "keep"


def merge_moving_counts(remove: Customer) -> list[dict]:
    """How many records of each kind point at the card that goes (one count per relation)."""
    moving = []
    for relation in Customer._meta.related_objects:
        if relation.many_to_many or relation.related_model is CustomerMerge:
            continue
        model = relation.related_model
        count = model._base_manager.filter(**{relation.field.name: remove.pk}).count()
        if count:
            label = str(model._meta.verbose_name_plural)
            moving.append({"entity": model._meta.label_lower, "label": label, "count": count})
    return moving
