"""Filters shared by the API's filtersets."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

BIGINT_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    default_error_messages = {"invalid": _("Enter a record id (a whole number).")}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


class IdFilter(filters.NumberFilter):
    """A record id: a whole number within the database's id range, checked before any query (an
    id too large for the column is a located 400, never a database error)."""

    field_class = IdField
