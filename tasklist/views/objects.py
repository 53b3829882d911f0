"""Generic object views: a CRM or office entity declares its list, detail, form and operations
(an `ObjectType`); the staff pages, their URLs and the permission check (entity x operation x row)
come from here, so a new entity declares and does not copy.

The list reads through `crm.selectors.lists` (filters, saved queries, grouping with totals,
capped counts, export), the writes through the entity's services (which take `actor` and write
the audit row); a domain error lands on the form's fields, never as a 500.

Every list also gets: column choice per person (columns declared with `default=False` are
offered but hidden until chosen; `tasklist.models.ListColumns` keeps the choice), saved queries
that their owner deletes, group totals with a total row, bulk actions on the ticked rows (one
may ask for a value, e.g. whom to transfer to), and extra buttons that need a permission.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core import jsonlimits
from core.errors import DomainError, ValidationFailed
from crm.selectors.custom_fields import custom_fields_for, custom_rows, people_labels
from crm.selectors.lists import LISTS, list_groups, list_page, list_totals
from crm.selectors.misc import saved_queries_for
from crm.services.common import clean_custom_fields
from crm.services.custom_fields import custom_values_set
from crm.services.imports import list_export
from crm.services.misc import saved_query_delete, saved_query_save
from org.permissions import user_can
from org.selectors import group_choices, group_labels
from tasklist.services import list_columns_set

from .custom_fields import (
    COLUMN_KINDS,
    FORM_KINDS,
    cell_value,
    filter_inputs,
    help_of,
    initial_custom,
    people_choices,
    posted_custom,
)
from .custom_fields import choices_of as custom_choices

OPERATIONS = ("view", "add", "change", "delete", "export")


@dataclass(frozen=True)
class Column:
    """A list column: an attribute path on the row (dots follow relations) and its header."""

    path: str
    label: str
    kind: str = "text"  # text, money, number, date, datetime, choice, user, tel (a link to call), image
    link: bool = False  # the cell links to the row's detail page
    default: bool = True  # shown until the person chooses their columns; False: offered only
    src: Callable[[object], str] | None = None  # kind "image": (row) -> the picture's URL
    value: Callable[[object], object] | None = None  # a computed cell (custom fields): (row) -> value

    @property
    def name(self) -> str:
        return self.path


@dataclass(frozen=True)
class Filter:
    """A select box over a list field of `crm.selectors.lists`; `choices(user)` lists (value, label)."""

    name: str
    label: str
    choices: Callable[[object], list[tuple[str, str]]]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str = ""  # default: the model field's verbose name
    kind: str = "text"  # text, textarea, number, date, datetime, email, tel, select, bool, file
    required: bool = False
    maxlength: int | None = None
    choices: Callable[[object], list[tuple[str, str]]] | None = None  # (user) -> [(value, label)]
    help: str = ""
    accept: str = ""  # kind "file": the file types offered (the input's `accept`)
    multiple: bool = False  # kind "file": several files at once (the entity reads request.FILES)
    capture: bool = False  # kind "file": a phone offers its camera first


@dataclass(frozen=True)
class BulkAction:
    """An action on the ticked rows; `run(actor, rows)` calls a service and returns how many it did.
    With `param` the bar asks for one value (a select or a text) and `run(actor, rows, value)` gets it."""

    name: str
    label: str
    operation: str
    run: Callable[..., int]
    param: FormField | None = None


# Bulk actions another module offers on every list of a model (e.g. "add to a favourite group" on
# any list whose rows are customers): `register_bulk_action(Customer, action)`.
MODEL_BULK_ACTIONS: dict[type, list[BulkAction]] = {}


def register_bulk_action(model: type[models.Model], action: BulkAction) -> BulkAction:
    actions = MODEL_BULK_ACTIONS.setdefault(model, [])
    if all(a.name != action.name for a in actions):
        actions.append(action)
    return action


def bulk_actions_of(otype) -> tuple[BulkAction, ...]:
    """The entity's own bulk actions and those registered for its model."""
    return (*otype.bulk_actions, *MODEL_BULK_ACTIONS.get(otype.model, ()))


@dataclass(frozen=True)
class ObjectType:
    """What an entity declares to get its staff pages.

    `create(actor, values, request)` and `update(actor, obj, values)` call the entity's services
    with the posted form values (strings); `delete(actor, obj)` likewise. An operation without
    its callable has no page. `own_pages` names pages the entity keeps in its own module (their
    URL names stay `<key>_<page>`).
    """

    key: str
    model: type[models.Model]
    list_entity: str
    url_prefix: str
    title: str
    title_plural: str
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...] = ()
    sorts: tuple[tuple[str, str], ...] = ()
    groups: tuple[tuple[str, str], ...] = ()
    search_label: str = gettext_lazy("Search")
    search_placeholder: str = ""
    detail_fields: tuple[str, ...] = ()
    form_fields: tuple[FormField, ...] = ()
    edit_fields: tuple[FormField, ...] | None = None  # default: form_fields
    create: Callable | None = None
    update: Callable | None = None
    delete: Callable | None = None
    bulk_actions: tuple[BulkAction, ...] = ()
    select_related: tuple[str, ...] = ()
    initial: Callable[[object, dict], dict] | None = None  # (user, GET) -> initial form values
    own_pages: tuple[str, ...] = ()
    detail_panels: str = ""  # a template included beside the facts (gets `obj`, `otype`, `extra`)
    detail_wide: str = ""  # a template included below facts and panels, full width (same context)
    detail_context: Callable[[object, object], dict] | None = None  # (request, obj) -> `extra`
    # extra buttons on the list: (url name, label) or (url name, label, "app.permission")
    list_actions: tuple[tuple[str, ...], ...] = ()
    namespace: str = "crm"

    @property
    def list_key(self) -> str:
        return f"{self.namespace}:{self.key}"

    def url_name(self, page: str) -> str:
        return f"{self.namespace}:{self.key}_{page}"

    def url(self, page: str, obj=None) -> str:
        return reverse(self.url_name(page), args=[obj.pk] if obj is not None else [])

    def fields(self, page: str) -> tuple[FormField, ...]:
        if page == "edit" and self.edit_fields is not None:
            return self.edit_fields
        return self.form_fields

    def has_page(self, page: str) -> bool:
        if page in self.own_pages:
            return True
        return {
            "list": True,
            "detail": True,
            "export": True,
            "new": self.create is not None,
            "edit": self.update is not None,
            "delete": self.delete is not None,
            "bulk": bool(bulk_actions_of(self)),
            "columns": True,
            "query_delete": True,
        }.get(page, False)


REGISTRY: dict[str, ObjectType] = {}


def register(otype: ObjectType) -> ObjectType:
    REGISTRY[otype.key] = otype
    return otype


# --- permissions: entity x operation x row, in one place -----------------------------------------


def allowed(user, otype: ObjectType, operation: str, obj=None) -> bool:
    """The user holds the entity permission and, given a row, the row rule admits it."""
    if operation not in OPERATIONS or not user_can(user, otype.model, operation):
        return False
    if obj is None:
        return True
    return otype.model.objects.visible_to(user, operation).filter(pk=obj.pk).exists()


def require(user, otype: ObjectType, operation: str) -> None:
    """No entity permission → 403 (the page exists, it is not theirs to use)."""
    if not user_can(user, otype.model, operation):
        raise PermissionDenied


def get_or_404(user, otype: ObjectType, pk, operation: str = "view"):
    """A row the user may `operation`; a row outside their row rule is not found (404), so its
    existence does not leak."""
    require(user, otype, operation)
    obj = (
        otype.model.objects.visible_to(user, operation)
        .select_related(*otype.select_related)
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise Http404(_("Not found, or not yours to see."))
    return obj


# --- values ---------------------------------------------------------------------------------------


def attribute(obj, path: str):
    """`a.b.c` on obj; a choice field gives its label; a missing link gives None."""
    value = obj
    parts = path.split(".")
    for i, part in enumerate(parts):
        if value is None:
            return None
        if i == len(parts) - 1 and hasattr(value, f"get_{part}_display"):
            return getattr(value, f"get_{part}_display")()
        value = getattr(value, part)
    return value


def _user_label(user) -> str:
    return (user.get_full_name() or str(user)) if user is not None else ""


def display(value):
    """A value for a cell or a fact; people by their display name, never their login."""
    if value is None or value == "":
        return None
    if hasattr(value, "get_full_name"):
        return _user_label(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def fact_value(value):
    """A value for a record's facts: as `display`, with dates and times as words in the viewer's
    time zone and format (a list cell keeps the date: its template formats it by column kind)."""
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(local, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return display(value)


# --- the list -------------------------------------------------------------------------------------


def filter_names(otype: ObjectType, user=None) -> set[str]:
    """The GET names the list filters on: its declared filters and its filterable custom fields."""
    names = {f.name for f in otype.filters}
    for definition in custom_filterable(otype, user):
        names |= {i["name"] for i in filter_inputs(definition, {}, {})}
    return names


def list_params(otype: ObjectType, get, user=None) -> dict:
    """The GET parameters of a list page as crm list params (what a saved query stores)."""
    names = filter_names(otype, user)
    params: dict = {"filters": {name: get[name] for name in names if get.get(name)}}
    for key, name in (("q", "search"), ("sort", "sort"), ("group", "group_by")):
        if get.get(key):
            params[name] = get[key]
    return params


def params_query(otype: ObjectType, params: dict, user=None) -> str:
    names = filter_names(otype, user)
    query = {k: v for k, v in (params.get("filters") or {}).items() if k in names}
    for name, key in (("search", "q"), ("sort", "sort"), ("group_by", "group")):
        if params.get(name):
            query[key] = params[name]
    return urlencode(query)


def _select_fields(otype: ObjectType, user, get, errors: dict) -> list[dict]:
    any_ = [("", _("Any"))]
    fields = [(f.name, f.label, any_ + list(f.choices(user)), f.name) for f in otype.filters]
    if otype.groups:
        fields.append(
            (
                "group",
                _("Group by"),
                [("", _("No grouping"))] + [(k, str(v)) for k, v in otype.groups],
                "group_by",
            )
        )
    sorts = [(k, str(v)) for k, v in otype.sorts]
    for definition in custom_filterable(otype, user):
        sorts += [
            (f"custom.{definition.key}", _("%(field)s, ascending") % {"field": definition.label}),
            (f"-custom.{definition.key}", _("%(field)s, descending") % {"field": definition.label}),
        ]
    if sorts:
        fields.append(("sort", _("Sort"), sorts, "sort"))
    return [
        {
            "name": name,
            "label": label,
            "choices": [(str(v), str(lbl)) for v, lbl in choices],
            "selected": get.get(name, ""),
            "errors": errors.get(key, []),
        }
        for name, label, choices, key in fields
    ]


def custom_definitions_of(otype: ObjectType, user) -> list:
    """The custom fields of the list's record type `user` sees (none for a list without them)."""
    entity = LISTS[otype.list_entity].custom_entity if otype.list_entity in LISTS else None
    return custom_fields_for(user, entity) if entity else []


def custom_filterable(otype: ObjectType, user) -> list:
    return [d for d in custom_definitions_of(otype, user) if d.filterable]


def custom_columns(otype: ObjectType, user, people: dict | None = None) -> list[Column]:
    """A column per custom field `user` sees; the ones marked "column in the list" are shown by
    default, the others offered. `people` (filled once a page is read) names person fields."""
    people = people if people is not None else {}
    return [
        Column(
            f"custom.{d.key}",
            d.label,
            kind=COLUMN_KINDS.get(d.kind, "text"),
            default=d.show_in_list,
            value=lambda obj, d=d: cell_value(d, obj, people),
        )
        for d in custom_definitions_of(otype, user)
    ]


def all_columns(otype: ObjectType, user=None, people: dict | None = None) -> list[Column]:
    return [*otype.columns, *custom_columns(otype, user, people)]


def shown_columns(otype: ObjectType, user, columns: list[Column] | None = None) -> list[Column]:
    """The columns this person chose for the list (in their order), else their role's layout set by
    an administrator, else the declared defaults."""
    from tasklist.selectors import list_columns_for, list_layout_for_user

    columns = columns if columns is not None else all_columns(otype, user)
    by_name = {c.name: c for c in columns}
    for chosen in (
        list_columns_for(user=user, list_key=otype.list_key),
        list_layout_for_user(user=user, list_key=otype.list_key),
    ):
        picked = [by_name[name] for name in chosen or () if name in by_name]
        if picked:
            return picked
    return [c for c in columns if c.default]


def _cell(column: Column, obj):
    if column.value is not None:
        return column.value(obj)
    value = display(attribute(obj, column.path))
    if column.kind == "image":
        return column.src(obj) if value is not None and column.src is not None else None
    return value


def _people_on(rows, columns: list[Column]) -> dict:
    """Display names of the people in the shown person-kind custom cells of a page (one query)."""
    keys = [c.path[len("custom.") :] for c in columns if c.path.startswith("custom.")]
    if not keys:
        return {}
    return people_labels(
        value for obj in rows for key in keys if str(value := (obj.custom or {}).get(key)).isdigit()
    )


def _rows(otype: ObjectType, rows, columns: list[Column]) -> list[dict]:
    return [
        {
            "obj": obj,
            "url": otype.url("detail", obj),
            "cells": [{"column": c, "value": _cell(c, obj), "link": c.link} for c in columns],
        }
        for obj in rows
    ]


def _sum_fields(otype: ObjectType) -> list[tuple[str, str]]:
    """(sum key, label) of the list's summed fields, labelled by the model field or annotation."""
    spec = LISTS[otype.list_entity]
    return [(f"sum_{name}", spec.label(name)) for name in spec.sums]


def _list_actions(otype: ObjectType, user) -> list[tuple[str, str]]:
    actions = []
    for name, label, *permission in otype.list_actions:
        if permission and not user.has_perm(permission[0]):
            continue
        try:
            actions.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return actions


def _bulk_actions(otype: ObjectType, user) -> list[dict]:
    return [
        {
            "name": a.name,
            "label": a.label,
            "param": form_fields_of((a.param,), otype, user, {}, {})[0] if a.param else None,
        }
        for a in bulk_actions_of(otype)
        if allowed(user, otype, a.operation)
    ]


def object_list(request, otype: ObjectType):
    user = request.user
    require(user, otype, "view")
    params = list_params(otype, request.GET, user)
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    errors: dict = {}
    page = {"rows": [], "count": 0, "count_capped": False, "page": 1, "page_size": 50}
    groups, totals = [], {}
    try:
        page = list_page(user=user, entity=otype.list_entity, params=params, page=page_number)
        totals = list_totals(user=user, entity=otype.list_entity, params=params)
        if params.get("group_by"):
            groups = list_groups(user=user, entity=otype.list_entity, params=params)
    except ValidationFailed as error:
        errors = {k: [str(m) for m in v] for k, v in error.fields.items()}
    query = params_query(otype, params, user)
    saved = list(saved_queries_for(user=user, entity=otype.list_entity).select_related("shared_with"))
    shared_labels = group_labels(entry.shared_with.name for entry in saved if entry.shared_with)
    for entry in saved:
        entry.query_string = params_query(otype, entry.params, user)
        entry.shared_label = shared_labels.get(entry.shared_with.name, "") if entry.shared_with else ""
    sums = _sum_fields(otype)
    people: dict = {}
    offered = all_columns(otype, user, people)
    columns = shown_columns(otype, user, offered)
    people.update(_people_on(page["rows"], columns))
    filterable = custom_filterable(otype, user)
    person_choices = people_choices() if any(d.kind == "person" for d in filterable) else []
    context = {
        "otype": otype,
        "page": page,
        "columns": columns,
        "column_choices": [(c, True) for c in columns] + [(c, False) for c in offered if c not in columns],
        "custom_filters": [
            i for d in filterable for i in filter_inputs(d, request.GET, errors, person_choices)
        ],
        "rows": _rows(otype, page["rows"], columns),
        "groups": [{**g, "sums": [(label, g.get(key) or 0) for key, label in sums]} for g in groups],
        "totals": [(label, totals.get(key) or 0) for key, label in sums],
        "errors": errors,
        "get": request.GET,
        "select_fields": _select_fields(otype, user, request.GET, errors),
        "params_json": json.dumps(params, ensure_ascii=False),
        "query": query,
        "filtered": bool(query),
        "next_query": urlencode({**dict(request.GET.items()), "page": page_number + 1})
        if len(page["rows"]) == page["page_size"]
        else "",
        "previous_query": urlencode({**dict(request.GET.items()), "page": page_number - 1})
        if page_number > 1
        else "",
        "saved_queries": saved,
        "current_saved": next((s for s in saved if s.query_string == query), None),
        "sharing_groups": group_choices(Group.objects.filter(pk__in=user.groups.values("pk"))),
        "can_add": otype.has_page("new") and allowed(user, otype, "add"),
        "can_export": allowed(user, otype, "export"),
        "can_save_query": user.has_perm("crm.add_savedquery"),
        "bulk_actions": _bulk_actions(otype, user),
        "list_actions": _list_actions(otype, user),
    }
    results_id = f"{otype.key}-results"
    template = (
        "tasklist/objects/_results.html"
        if request.htmx and request.htmx.target == results_id
        else "tasklist/objects/list.html"
    )
    return render(request, template, context)


def object_export(request, otype: ObjectType):
    require(request.user, otype, "export")
    try:
        data = list_export(
            actor=request.user, entity=otype.list_entity, params=list_params(otype, request.GET, request.user)
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(otype.url("list") + "?" + request.GET.urlencode())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{otype.url_prefix}.xlsx"'
    return response


def object_save_query(request, otype: ObjectType):
    if not request.user.has_perm("crm.add_savedquery"):
        raise PermissionDenied
    try:
        params = jsonlimits.loads(request.POST.get("params") or "{}")
    except ValueError:
        params = {}
    group = None
    if request.POST.get("shared_with", "").isdigit():
        group = Group.objects.filter(pk=int(request.POST["shared_with"])).first()
    try:
        saved = saved_query_save(
            actor=request.user,
            name=request.POST.get("name", ""),
            entity=otype.list_entity,
            params=params if isinstance(params, dict) else {},
            shared_with=group,
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(otype.url("list"))
    messages.success(request, _("Saved the query “%(name)s”.") % {"name": saved.name})
    return redirect(otype.url("list") + "?" + params_query(otype, saved.params, request.user))


def object_delete_query(request, otype: ObjectType, saved_query_id: int):
    """The owner deletes one of their saved queries (a colleague it is shared with may not)."""
    try:
        saved_query_delete(actor=request.user, saved_query_id=saved_query_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Deleted the saved query."))
    return redirect(otype.url("list"))


def object_columns(request, otype: ObjectType):
    """Keep the columns the person ticked for this list ("reset" goes back to the defaults)."""
    require(request.user, otype, "view")
    columns = [] if request.POST.get("reset") else request.POST.getlist("columns")
    # the chooser's position boxes order the columns (no positions: the declared order)
    positions = {
        name: int(raw) for name in columns if (raw := request.POST.get(f"order_{name}", "").strip()).isdigit()
    }
    if positions:
        columns = sorted(columns, key=lambda name: positions.get(name, 999))
    list_columns_set(
        actor=request.user,
        list_key=otype.list_key,
        columns=columns,
        offered=[c.name for c in all_columns(otype, request.user)],
        keep_order=bool(positions),
    )
    return redirect(_safe_list_url(otype, request.POST.get("next", "")))


def _safe_list_url(otype: ObjectType, back: str) -> str:
    return back if back.startswith(otype.url("list")) and not back.startswith("//") else otype.url("list")


def object_bulk(request, otype: ObjectType):
    """Run a bulk action on the ticked rows the user may act on (others are skipped, not errors)."""
    back = _safe_list_url(otype, request.POST.get("next", ""))
    action = next((a for a in bulk_actions_of(otype) if a.name == request.POST.get("action")), None)
    if action is None:
        messages.error(request, _("Choose an action."))
        return redirect(back)
    require(request.user, otype, action.operation)
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:500]
    if not ids:
        messages.error(request, _("Tick the rows to act on."))
        return redirect(back)
    rows = list(otype.model.objects.visible_to(request.user, action.operation).filter(pk__in=ids))
    try:
        with transaction.atomic():  # all the ticked rows or none of them
            done = _run_bulk(request, action, rows)
    except DomainError as error:
        for message in [m for ms in located(error).values() for m in ms]:
            messages.error(request, f"{action.label}: {message}")
    else:
        messages.success(request, _("%(action)s: %(n)d done.") % {"action": action.label, "n": done})
    return redirect(back)


def _run_bulk(request, action: BulkAction, rows: list) -> int:
    if action.param is not None:
        value = request.POST.get(f"param_{action.name}", "").strip()
        if action.param.required and not value:
            raise ValidationFailed(
                _("%(field)s: this field is required.") % {"field": action.param.label},
                fields={action.param.name: [_("This field is required.")]},
            )
        return action.run(request.user, rows, value)
    return action.run(request.user, rows)


# --- detail -------------------------------------------------------------------------------------


def facts(obj, names) -> list[tuple[str, object]]:
    """(label, value) of the named model fields, choices by label, people by display name."""
    rows = []
    for name in names:
        model_field = type(obj)._meta.get_field(name)
        rows.append((model_field.verbose_name, fact_value(attribute(obj, name))))
    return rows


def _custom_facts(user, otype: ObjectType, obj) -> list[tuple[str, object]]:
    entity = LISTS[otype.list_entity].custom_entity if otype.list_entity in LISTS else None
    return custom_rows(user, obj, entity) if entity and hasattr(obj, "custom") else []


def object_detail(request, otype: ObjectType, pk: int):
    obj = get_or_404(request.user, otype, pk, "view")
    user = request.user
    context = {
        "otype": otype,
        "obj": obj,
        "facts": facts(obj, otype.detail_fields) + _custom_facts(user, otype, obj),
        "edit_url": otype.url("edit", obj)
        if otype.has_page("edit") and allowed(user, otype, "change", obj)
        else "",
        "delete_url": otype.url("delete", obj)
        if otype.has_page("delete") and allowed(user, otype, "delete", obj)
        else "",
        "can_change": allowed(user, otype, "change", obj),
        "extra": otype.detail_context(request, obj) if otype.detail_context else {},
    }
    return render(request, "tasklist/objects/detail.html", context)


# --- forms ----------------------------------------------------------------------------------------


def located(error: DomainError) -> dict[str, list[str]]:
    """A domain error's messages by field; one without fields goes to the form as a whole."""
    return {k: [str(m) for m in v] for k, v in error.fields.items()} or {"__all__": [str(error.message)]}


def posted_values(otype: ObjectType, post, page: str, files=None) -> dict:
    """The form's values as strings (a box as a bool; a file as the upload, None when none was
    chosen, so an edit keeps the stored one)."""
    values = {}
    for spec in otype.fields(page):
        if spec.kind == "file":
            values[spec.name] = files.get(spec.name) if files is not None else None
        elif spec.kind == "bool":
            values[spec.name] = post.get(spec.name) == "on"
        else:
            values[spec.name] = post.get(spec.name, "").strip()
    return values


def _initial_value(obj, name: str):
    value = getattr(obj, f"{name}_id") if hasattr(obj, f"{name}_id") else getattr(obj, name)
    if isinstance(value, models.fields.files.FieldFile):
        # a file input is never pre-filled: the form names the stored file, an empty input keeps it
        return value.name.rsplit("/", 1)[-1] if value else ""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime.datetime):
        # (a datetime-local input holds local time: the stored UTC time shown as is would move the
        # value by the time zone's offset at every save)
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, Decimal | datetime.date):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    return "" if value is None else str(value)


def form_fields(otype: ObjectType, page: str, user, values: dict, errors: dict) -> list[dict]:
    return form_fields_of(otype.fields(page), otype, user, values, errors)


def form_fields_of(specs, otype: ObjectType, user, values: dict, errors: dict) -> list[dict]:
    rows = []
    for spec in specs:
        label = spec.label
        if not label:
            try:
                label = otype.model._meta.get_field(spec.name).verbose_name
            except Exception:
                label = spec.name
        rows.append(
            {
                "name": spec.name,
                "label": label,
                "kind": spec.kind,
                "value": values.get(spec.name, ""),
                "choices": [(str(v), str(lbl)) for v, lbl in spec.choices(user)] if spec.choices else [],
                "required": spec.required,
                "maxlength": spec.maxlength,
                "help": spec.help,
                "accept": spec.accept,
                "multiple": spec.multiple,
                "capture": spec.capture,
                "errors": errors.get(spec.name, []),
            }
        )
    return rows


def custom_form_definitions(otype: ObjectType | None, user, entity: str | None = None) -> list:
    """The custom fields the generic form offers `user` (the ones they may edit); `entity` names
    the record type of a form of its own (the order form)."""
    if entity is None:
        entity = LISTS[otype.list_entity].custom_entity if otype.list_entity in LISTS else None
        if not entity or not hasattr(otype.model, "custom"):
            return []
    return custom_fields_for(user, entity, action="change")


def custom_form_fields(definitions, values: dict, errors: dict) -> list[dict]:
    people = people_choices() if any(d.kind == "person" for d in definitions) else []
    return [
        {
            "name": f"custom.{d.key}",
            "label": d.label,
            "kind": FORM_KINDS.get(d.kind, "text"),
            "value": values.get(f"custom.{d.key}", [] if d.kind == "multi_choice" else ""),
            "choices": custom_choices(d, people),
            "required": d.required,
            "maxlength": d.max_length if d.kind in ("text", "long_text") else None,
            "help": help_of(d),
            "errors": errors.get(f"custom.{d.key}", []),
        }
        for d in definitions
    ]


def render_form(request, otype: ObjectType, *, obj, values, errors, status=200, title="", back=""):
    page = "new" if obj is None else "edit"
    definitions = custom_form_definitions(otype, request.user)
    names = {f.name for f in otype.fields(page)} | {f"custom.{d.key}" for d in definitions}
    context = {
        "otype": otype,
        "obj": obj,
        "title": title,
        "back": back,
        "fields": form_fields(otype, page, request.user, values, errors)
        + custom_form_fields(definitions, values, errors),
        "multipart": any(spec.kind == "file" for spec in otype.fields(page)),
        "errors": errors,
        # errors of fields the form does not show (e.g. the service's own checks) go on top
        "general_errors": [m for k, ms in errors.items() if k not in names for m in ms],
    }
    return render(request, "tasklist/objects/form.html", context, status=status)


def object_create(request, otype: ObjectType):
    require(request.user, otype, "add")
    title = _("New %(entity)s") % {"entity": otype.title}
    back = request.GET.get("next") or otype.url("list")
    if not back.startswith("/") or back.startswith("//"):
        back = otype.url("list")
    if request.method != "POST":
        initial = otype.initial(request.user, request.GET) if otype.initial else {}
        return render_form(request, otype, obj=None, values=initial, errors={}, title=title, back=back)
    values = posted_values(otype, request.POST, "new", request.FILES)
    definitions = custom_form_definitions(otype, request.user)
    custom = posted_custom(request.POST, definitions)
    try:
        obj = save_with_custom(
            request.user, definitions, custom, lambda: otype.create(request.user, values, request), new=True
        )
    except DomainError as error:
        values.update({f"custom.{k}": v for k, v in custom.items()})
        return render_form(
            request, otype, obj=None, values=values, errors=located(error), status=400, title=title, back=back
        )
    messages.success(request, _("Created: %(name)s.") % {"name": obj})
    return redirect(otype.url("detail", obj))


def object_edit(request, otype: ObjectType, pk: int):
    obj = get_or_404(request.user, otype, pk, "change")
    title = _("Edit %(name)s") % {"name": obj}
    back = otype.url("detail", obj)
    definitions = custom_form_definitions(otype, request.user)
    if request.method != "POST":
        values = {spec.name: _initial_value(obj, spec.name) for spec in otype.fields("edit")}
        values.update(initial_custom(obj, definitions))
        return render_form(request, otype, obj=obj, values=values, errors={}, title=title, back=back)
    values = posted_values(otype, request.POST, "edit", request.FILES)
    custom = posted_custom(request.POST, definitions)
    try:
        save_with_custom(
            request.user, definitions, custom, lambda: otype.update(request.user, obj, values) or obj
        )
    except DomainError as error:
        values.update({f"custom.{k}": v for k, v in custom.items()})
        return render_form(
            request, otype, obj=obj, values=values, errors=located(error), status=400, title=title, back=back
        )
    messages.success(request, _("Saved."))
    return redirect(back)


def save_with_custom(user, definitions, custom: dict, save: Callable, *, new: bool = False):
    """Run the entity's own save and write its custom fields, all or nothing; the errors of both
    come back together (the custom ones are checked before the save)."""
    if not definitions:
        return save()
    custom_errors: dict = {}
    entity = definitions[0].entity
    try:
        clean_custom_fields(entity, custom, actor=user, definitions={d.key: d for d in definitions})
    except ValidationFailed as error:
        custom_errors = dict(error.fields)
    try:
        with transaction.atomic():
            obj = save()
            if custom_errors:
                raise ValidationFailed(_("Some custom fields are invalid."), fields=custom_errors)
            custom_values_set(actor=user, obj=obj, values=custom, new=new)
    except DomainError as error:
        if custom_errors and error.fields is not custom_errors:
            raise ValidationFailed(error.message, fields={**error.fields, **custom_errors}) from None
        raise
    return obj


def object_delete(request, otype: ObjectType, pk: int):
    obj = get_or_404(request.user, otype, pk, "delete")
    if request.method != "POST":
        return render(request, "tasklist/objects/delete.html", {"otype": otype, "obj": obj})
    try:
        otype.delete(request.user, obj)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(otype.url("detail", obj))
    messages.success(request, _("Deleted: %(name)s.") % {"name": obj})
    return redirect(otype.url("list"))


# --- URLs -----------------------------------------------------------------------------------------


def _bind(view, otype: ObjectType, *decorators):
    def bound(request, *args, **kwargs):
        return view(request, otype, *args, **kwargs)

    bound.__name__ = f"{otype.key}_{view.__name__}"
    for decorator in decorators:
        bound = decorator(bound)
    return login_required(bound)


def object_urls(otype: ObjectType) -> list:
    """The URL patterns of an entity's generic pages (names `<key>_list`, `<key>_detail`…);
    pages listed in `own_pages` are left to the entity's own module."""
    register(otype)
    prefix = otype.url_prefix
    pages = [
        ("list", f"{prefix}/", object_list, (require_GET,)),
        ("export", f"{prefix}/export/", object_export, (require_GET,)),
        ("query", f"{prefix}/queries/", object_save_query, (require_POST,)),
        (
            "query_delete",
            f"{prefix}/queries/<int:saved_query_id>/delete/",
            object_delete_query,
            (require_POST,),
        ),
        ("columns", f"{prefix}/columns/", object_columns, (require_POST,)),
        ("new", f"{prefix}/new/", object_create, ()),
        ("bulk", f"{prefix}/bulk/", object_bulk, (require_POST,)),
        ("detail", f"{prefix}/<int:pk>/", object_detail, (require_GET,)),
        ("edit", f"{prefix}/<int:pk>/edit/", object_edit, ()),
        ("delete", f"{prefix}/<int:pk>/delete/", object_delete, ()),
    ]
    return [
        path(route, _bind(view, otype, *decorators), name=f"{otype.key}_{page}")
        for page, route, view, decorators in pages
        if page not in otype.own_pages and (page == "query" or otype.has_page(page))
    ]


def detail_url(obj) -> str:
    """The staff page of any registered object (for links from cards, calendars, search)."""
    for otype in REGISTRY.values():
        if isinstance(obj, otype.model):
            try:
                return otype.url("detail", obj)
            except NoReverseMatch:
                return ""
    return ""


def declared(key: str) -> ObjectType:
    return REGISTRY[key]


__all__ = [
    "BulkAction",
    "Column",
    "Filter",
    "FormField",
    "ObjectType",
    "allowed",
    "bulk_actions_of",
    "declared",
    "detail_url",
    "get_or_404",
    "object_urls",
    "register_bulk_action",
]
