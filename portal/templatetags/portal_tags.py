"""Small template helpers of the portal."""

from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """{{ errors|get:"subject" }}: a dict's value by a literal key (empty when absent)."""
    if hasattr(mapping, "getlist"):
        return mapping.get(key, "")
    return (mapping or {}).get(key, "")
