"""The filters every report takes (period, department, salesperson), parsed from a query string
with located errors, and applied to a queryset by the owner and date fields the report names."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Department, User
from org.selectors import department_ids_below, user_row_scope, users_in_scope


@dataclass(frozen=True)
class ReportFilters:
    """Inclusive date range (either end open), a department (with its sub-departments) and a
    salesperson; None means "not filtered"."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    department_id: int | None = None
    salesperson_id: int | None = None

    def as_query(self) -> dict[str, str]:
        pairs = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "department": str(self.department_id or ""),
            "salesperson": str(self.salesperson_id or ""),
        }
        return {key: value for key, value in pairs.items() if value}


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("All")
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=User.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.fields["department"].queryset = Department.objects.order_by("code")
        # Offer only the people whose records the user may see; anyone else would show nothing.
        people = users_in_scope(user, user_row_scope(user)) if not user.is_superuser else None
        users = User.objects.filter(is_active=True).order_by("username")
        self.fields["salesperson"].queryset = users if people is None else users.filter(pk__in=people)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            department_id=data["department"].pk if data.get("department") else None,
            salesperson_id=data["salesperson"].pk if data.get("salesperson") else None,
        )


def parse_filters(*, user, params) -> tuple[ReportFilters | None, ReportFilterForm]:
    """The filters in `params` (a QueryDict or dict), or None with the form carrying the errors."""
    form = ReportFilterForm(params, user=user)
    return (form.filters() if form.is_valid() else None), form


def _bounds(field: models.Field, filters: ReportFilters):
    """Range bounds in the field's own type, so an index on the column still serves the range."""
    start, end = filters.date_from, filters.date_to
    if isinstance(field, models.DateTimeField):
        zone = timezone.get_current_timezone()
        if start:
            start = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
        if end:
            end = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        return start, end, "lt"
    return start, end, "lte"


def apply_filters(
    queryset: models.QuerySet, filters: ReportFilters, *, owner: str | None, date: str | None
) -> models.QuerySet:
    """`queryset` narrowed by the filters: `owner` is the path to the responsible user, `date` the
    date or datetime field the period applies to (either may be None when it does not apply)."""
    if date and (filters.date_from or filters.date_to):
        field = queryset.model._meta.get_field(date)
        start, end, end_lookup = _bounds(field, filters)
        if start:
            queryset = queryset.filter(**{f"{date}__gte": start})
        if end:
            queryset = queryset.filter(**{f"{date}__{end_lookup}": end})
    if owner and filters.salesperson_id:
        queryset = queryset.filter(**{f"{owner}_id": filters.salesperson_id})
    if owner and filters.department_id:
        departments = department_ids_below([filters.department_id])
        people = User.objects.filter(employee__department_id__in=departments).values("pk")
        queryset = queryset.filter(**{f"{owner}_id__in": people})
    return queryset
