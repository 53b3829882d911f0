"""Pickers for JSON-Schema form fields: a field declares `"x-widget": "<kind>"` and the domain app
that owns the records registers a source for that kind (users and departments by org, technicians
and products by crm, vehicles by office).

A source answers two questions for one viewer and one form: which options to offer (searched by
text) and whether a submitted value is one of them. The same source fills the form, answers the
search-as-you-type endpoint and checks the submitted value, so a value the viewer could not pick
is refused on its field. Imports nothing above core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

PICKER_LIMIT = 50


@dataclass(frozen=True)
class Option:
    """One choice: the stable value submitted (a user name, a code, a plate), the label shown in
    its place, and a detail line (department, open jobs, free or not)."""

    value: str
    label: str
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class PickerContext:
    """Who is picking, in which form: the field's schema (with its `x-...` settings), the process
    data, and the business object the task is about ("app_label.model" and its id)."""

    viewer: Any
    prop: dict = field(default_factory=dict)
    variables: dict = field(default_factory=dict)
    object_type: str = ""
    object_id: str = ""

    def for_field(self, prop: dict) -> PickerContext:
        return PickerContext(
            viewer=self.viewer,
            prop=prop,
            variables=self.variables,
            object_type=self.object_type,
            object_id=self.object_id,
        )


class PickerSource(Protocol):
    def options(self, ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
        """Options the viewer may pick, best first, matching `query` (empty: the first ones)."""

    def option(self, ctx: PickerContext, value: str) -> Option | None:
        """The option for a submitted value, or None when the viewer may not pick it."""


@dataclass
class FunctionSource:
    """A source from two functions (what most apps register)."""

    options_fn: Callable[..., list[Option]]
    option_fn: Callable[[PickerContext, str], Option | None]
    refused: Callable[[str], str] | None = None  # the message for a value not offered
    display: str = ""  # "cards": every option shown with its details (a short list, e.g. workload)

    def options(self, ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
        return self.options_fn(ctx, query=query, limit=limit)

    def option(self, ctx: PickerContext, value: str) -> Option | None:
        return self.option_fn(ctx, value)


_sources: dict[str, PickerSource] = {}


def register_picker(kind: str, source: PickerSource) -> PickerSource:
    _sources[kind] = source
    return source


def picker_source(kind: str | None) -> PickerSource | None:
    return _sources.get(kind or "")


def picker_kind(prop: dict, ui: dict | None = None) -> str | None:
    """The registered picker a field declares (`x-widget` in the schema or `ui:widget`)."""
    if not isinstance(prop, dict):
        return None
    for kind in ((ui or {}).get("ui:widget"), prop.get("x-widget"), prop.get("ui:widget")):
        if isinstance(kind, str) and kind in _sources:
            return kind
    return None


def _refusal(source: PickerSource, value) -> str:
    from django.utils.translation import gettext as _

    refused = getattr(source, "refused", None)
    if refused is not None:
        return str(refused(str(value)))
    return _("“%(value)s” is not one of the choices offered to you.") % {"value": value}


def picker_errors(schema: dict | None, data: dict, ctx: PickerContext) -> dict[str, list[str]]:
    """A located error for every picked value the viewer may not pick: top-level fields ("handler")
    and the columns of line tables ("parts.1.product")."""
    if not isinstance(schema, dict) or not isinstance(data, dict):
        return {}
    errors: dict[str, list[str]] = {}

    def check(prop: dict, value, where: str) -> None:
        source = picker_source(picker_kind(prop))
        if source is None or value in (None, ""):
            return
        if not isinstance(value, str) or source.option(ctx.for_field(prop), value) is None:
            errors.setdefault(where, []).append(_refusal(source, value))

    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict) or name not in data:
            continue
        if prop.get("type") == "array" and isinstance(data[name], list):
            columns = (prop.get("items") or {}).get("properties") or {}
            for index, row in enumerate(data[name]):
                if not isinstance(row, dict):
                    continue
                for column, column_prop in columns.items():
                    if column in row:
                        check(column_prop, row[column], f"{name}.{index}.{column}")
        else:
            check(prop, data[name], name)
    return errors
