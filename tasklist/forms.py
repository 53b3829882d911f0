"""Forms of the staff UI: the inbox filter, and task forms rendered from a JSON Schema.

The task form is not a Django form: its fields come from the task's JSON Schema at run time, and
validation is the engine's (complete_task checks the data against the schema and returns errors
per field). Here we only turn the schema into widgets and the POST back into typed values.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.jsonforms import (  # noqa: F401 - the task-form API the views use
    build_task_form,
    bulk_allowed,
    bulk_approvable,
    form_data_from_post,
)

from .selectors import DUE_CHOICES, PRIORITY_CHOICES, SORTS, VIEWS, InboxQuery


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(choices=[(v, v) for v in VIEWS], required=False)
    process = forms.ChoiceField(label=_("Process"), required=False)
    task_name = forms.ChoiceField(label=_("Task"), required=False)
    object_type = forms.ChoiceField(label=_("About"), required=False)
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("overdue", _("Overdue")),
            ("today", _("Today")),
            ("week", _("This week")),
        ],
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("Any")), ("high", _("High")), ("normal", _("Normal")), ("low", _("Low"))],
    )
    text = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("due", _("Due date")), ("priority", _("Priority")), ("created", _("Newest first"))],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, data, *, processes: list[tuple[str, str]], task_names: list[str], object_types=()):
        super().__init__(data)
        self.fields["object_type"].choices = [("", _("Anything")), *object_types]
        self.fields["process"].choices = [("", _("All processes")), *processes]
        self.fields["task_name"].choices = [("", _("All tasks")), *[(n, n) for n in task_names]]

    def inbox_query(self) -> InboxQuery:
        """The validated query; anything invalid falls back to its default instead of failing."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        for name in self.errors:
            data.pop(name, None)
        view = data.get("view") if data.get("view") in VIEWS else "mine"
        return InboxQuery(
            view=view,
            process=data.get("process", ""),
            task_name=data.get("task_name", ""),
            due=data.get("due", "") if data.get("due", "") in DUE_CHOICES else "",
            priority=data.get("priority", "") if data.get("priority", "") in PRIORITY_CHOICES else "",
            text=data.get("text", "").strip(),
            sort=data.get("sort", "due") if data.get("sort", "due") in SORTS else "due",
            page=data.get("page", 1),
            object_type=data.get("object_type", ""),
        )


def parse_inbox_query(get_params) -> InboxQuery:
    """Validate view/sort/page only (for fragments that do not render the filter form)."""
    form = InboxFilterForm(get_params, processes=[], task_names=[])
    form.fields["process"] = forms.CharField(required=False, max_length=200)
    form.fields["task_name"] = forms.CharField(required=False, max_length=255)
    form.fields["object_type"] = forms.CharField(required=False, max_length=120)
    return form.inbox_query()


# -- task forms from JSON Schema ------------------------------------------------------------------
