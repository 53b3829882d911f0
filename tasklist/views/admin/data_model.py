"""Administration > Data model (crm.manage_data_model): custom fields per record type, the options
of the managed choice lists, and each role's default columns of the staff lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import Group
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from crm.models import ChoiceList, ChoiceOption, CustomFieldDefinition
from crm.selectors.custom_fields import ENTITY_MODELS, choice_option_usage, plain_number
from crm.services.custom_fields import (
    CustomFieldInput,
    choice_option_add,
    choice_option_move,
    choice_option_update,
    custom_field_save,
)
from org.selectors import group_choices

from . import field, general_errors, located, pk_or_none, section_required

DATA = "data"
ENTITIES = [(v, lbl) for v, lbl in CustomFieldDefinition.Entity.choices if v in ENTITY_MODELS]


def _entity(request) -> str:
    entity = request.GET.get("entity", "customer")
    return entity if entity in dict(ENTITIES) else "customer"


@section_required(DATA)
def custom_fields(request):
    entity = _entity(request)
    rows = list(
        CustomFieldDefinition.objects.filter(entity=entity)
        .prefetch_related("visible_to", "editable_by")
        .order_by("-active", "sort_order", "key")
    )
    labels = {c.pk: c.name for c in group_choices(Group.objects.all())}
    for row in rows:
        row.seen_by = [labels.get(g.pk, "") for g in row.visible_to.all()]
        row.edited_by = [labels.get(g.pk, "") for g in row.editable_by.all()]
    context = {"entity": entity, "entities": ENTITIES, "rows": rows}
    return render(request, "tasklist/admin/custom_fields.html", context)


def _field_form(values: dict, errors: dict, *, existing: bool) -> list[dict]:
    groups = [(c.pk, c.name) for c in group_choices(Group.objects.all())]
    Kind = CustomFieldDefinition.Kind
    return [
        field(
            "entity",
            _("Record type"),
            kind="select",
            value=values.get("entity"),
            choices=ENTITIES,
            errors=errors,
            required=True,
            help=_("Cannot change once the field exists.") if existing else "",
        ),
        field("label", _("Label"), value=values.get("label"), errors=errors, required=True, maxlength=100),
        field(
            "key",
            _("Key"),
            value=values.get("key"),
            errors=errors,
            maxlength=40,
            help=_("Lower-case letters, digits and underscores; used by imports and the API. Cannot change."),
        ),
        field(
            "kind",
            _("Kind"),
            kind="select",
            value=values.get("kind", Kind.TEXT),
            choices=Kind.choices,
            errors=errors,
            required=True,
        ),
        field(
            "choices",
            _("Choices, one a line"),
            kind="textarea",
            value=values.get("choices", ""),
            errors=errors,
            help=_("For the kinds Choice and Several choices."),
        ),
        field("required", _("Required"), kind="bool", value=values.get("required", False)),
        field("help_text", _("Help text"), value=values.get("help_text"), errors=errors, maxlength=200),
        field(
            "min_value",
            _("Minimum"),
            value=values.get("min_value"),
            errors=errors,
            help=_("For numbers and money."),
        ),
        field("max_value", _("Maximum"), value=values.get("max_value"), errors=errors),
        field(
            "max_length",
            _("Maximum length"),
            value=values.get("max_length"),
            errors=errors,
            help=_("For text: characters."),
        ),
        field(
            "pattern",
            _("Pattern"),
            value=values.get("pattern"),
            errors=errors,
            maxlength=200,
            help=_("For text: a regular expression the whole value must match, e.g. [A-Z]{2}\\d{6}."),
        ),
        field(
            "pattern_message",
            _("Message when the pattern does not match"),
            value=values.get("pattern_message"),
            errors=errors,
            maxlength=200,
        ),
        field("sort_order", _("Order"), value=values.get("sort_order"), errors=errors),
        field(
            "visible_to",
            _("Seen by"),
            kind="checks",
            value=values.get("visible_to", []),
            choices=groups,
            errors=errors,
            help=_("None ticked: everybody who sees the record."),
        ),
        field(
            "editable_by",
            _("Edited by"),
            kind="checks",
            value=values.get("editable_by", []),
            choices=groups,
            errors=errors,
            help=_("None ticked: everybody who sees the field and may change the record."),
        ),
        field("show_in_list", _("Column in the list"), kind="bool", value=values.get("show_in_list", False)),
        field(
            "filterable",
            _("Filter and sort in the list"),
            kind="bool",
            value=values.get("filterable", False),
        ),
        field("active", _("Active"), kind="bool", value=values.get("active", True)),
    ]


def _posted(post) -> dict:
    return {
        "entity": post.get("entity", ""),
        "label": post.get("label", ""),
        "key": post.get("key", "").strip(),
        "kind": post.get("kind", ""),
        "choices": post.get("choices", ""),
        "required": post.get("required") == "on",
        "help_text": post.get("help_text", ""),
        "min_value": post.get("min_value", ""),
        "max_value": post.get("max_value", ""),
        "max_length": post.get("max_length", ""),
        "pattern": post.get("pattern", ""),
        "pattern_message": post.get("pattern_message", ""),
        "sort_order": post.get("sort_order", ""),
        "visible_to": post.getlist("visible_to"),
        "editable_by": post.getlist("editable_by"),
        "show_in_list": post.get("show_in_list") == "on",
        "filterable": post.get("filterable") == "on",
        "active": post.get("active") == "on",
    }


def _stored(definition: CustomFieldDefinition) -> dict:
    return {
        "entity": definition.entity,
        "label": definition.label,
        "key": definition.key,
        "kind": definition.kind,
        "choices": "\n".join(str(c) for c in definition.choices or []),
        "required": definition.required,
        "help_text": definition.help_text,
        "min_value": "" if definition.min_value is None else plain_number(definition.min_value),
        "max_value": "" if definition.max_value is None else plain_number(definition.max_value),
        "max_length": definition.max_length,
        "pattern": definition.pattern,
        "pattern_message": definition.pattern_message,
        "sort_order": definition.sort_order,
        "visible_to": [str(g.pk) for g in definition.visible_to.all()],
        "editable_by": [str(g.pk) for g in definition.editable_by.all()],
        "show_in_list": definition.show_in_list,
        "filterable": definition.filterable,
        "active": definition.active,
    }


@section_required(DATA)
def custom_field_form(request, pk: int | None = None):
    definition = get_object_or_404(CustomFieldDefinition, pk=pk) if pk else None
    errors: dict = {}
    if request.method == "POST":
        values = _posted(request.POST)
        if definition is not None:
            values["entity"], values["key"] = definition.entity, definition.key
        ticked = [pk_or_none(v) or 0 for v in values["visible_to"] + values["editable_by"]]
        groups = {str(g.pk): g for g in Group.objects.filter(pk__in=ticked)}
        data = CustomFieldInput(
            **{k: v for k, v in values.items() if k not in ("choices", "visible_to", "editable_by")},
            choices=values["choices"].splitlines(),
            visible_to=[groups[v] for v in values["visible_to"] if v in groups],
            editable_by=[groups[v] for v in values["editable_by"] if v in groups],
        )
        try:
            definition = custom_field_save(actor=request.user, data=data, definition=definition)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved the field “%(label)s”.") % {"label": definition.label})
            return redirect(f"{_list_url()}?entity={definition.entity}")
    elif definition is not None:
        values = _stored(definition)
    else:
        values = {"entity": _entity(request), "active": True}
    fields = _field_form(values, errors, existing=definition is not None)
    if definition is not None:
        fields = [f for f in fields if f["name"] not in ("entity", "key")]
    context = {
        "definition": definition,
        "entity_label": dict(ENTITIES).get(values.get("entity"), ""),
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/custom_field_form.html", context, status=400 if errors else 200)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("manage:custom_fields")


# --- choice lists ---------------------------------------------------------------------------------


@section_required(DATA)
def choice_lists(request):
    counts = {}
    for option in ChoiceOption.objects.values_list("choice_list", "active"):
        total, active = counts.get(option[0], (0, 0))
        counts[option[0]] = (total + 1, active + (1 if option[1] else 0))
    rows = [
        {
            "key": key,
            "label": label,
            "total": counts.get(key, (0, 0))[0],
            "active": counts.get(key, (0, 0))[1],
        }
        for key, label in ChoiceList.choices
    ]
    return render(request, "tasklist/admin/choice_lists.html", {"rows": rows})


@section_required(DATA)
def choice_list(request, key: str):
    if key not in ChoiceList.values:
        raise Http404
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        option_id = pk_or_none(request.POST.get("option"))
        try:
            if action == "add":
                values = {"label": request.POST.get("label", ""), "code": request.POST.get("code", "")}
                option = choice_option_add(actor=request.user, choice_list=key, **values)
                messages.success(request, _("Added “%(label)s”.") % {"label": option.label})
            elif action == "rename" and option_id:
                choice_option_update(
                    actor=request.user,
                    choice_list=key,
                    option_id=option_id,
                    label=request.POST.get("label", ""),
                )
                messages.success(request, _("Renamed."))
            elif action in ("deactivate", "activate") and option_id:
                choice_option_update(
                    actor=request.user, choice_list=key, option_id=option_id, active=action == "activate"
                )
                messages.success(
                    request,
                    _("No longer offered; records that use it keep it.")
                    if action == "deactivate"
                    else _("Offered again."),
                )
            elif action in ("up", "down") and option_id:
                choice_option_move(
                    actor=request.user, choice_list=key, option_id=option_id, up=action == "up"
                )
        except DomainError as error:
            errors = located(error)
        else:
            return redirect("manage:choice_list", key=key)
    options = list(ChoiceOption.objects.filter(choice_list=key).order_by("sort_order", "code"))
    usage = choice_option_usage(key)
    for option in options:
        option.used = usage.get(option.pk, 0)
        option.errors = errors.get(f"label_{option.pk}", [])
    fields = [
        field("label", _("Label"), value=values.get("label"), errors=errors, required=True, maxlength=100),
        field(
            "code",
            _("Code"),
            value=values.get("code"),
            errors=errors,
            maxlength=40,
            help=_("Optional: imports and the API use it. Lower-case letters, digits, underscores."),
        ),
    ]
    context = {
        "key": key,
        "title": dict(ChoiceList.choices)[key],
        "options": options,
        "fields": fields,
        "errors": {k: v for k, v in errors.items() if not k.startswith("label_")},
        "general_errors": general_errors(
            {k: v for k, v in errors.items() if not k.startswith("label_")}, fields
        ),
        "row_errors": [m for k, ms in errors.items() if k.startswith("label_") for m in ms],
    }
    return render(request, "tasklist/admin/choice_list.html", context, status=400 if errors else 200)


# --- list layouts per role ------------------------------------------------------------------------


@section_required(DATA)
def list_layouts(request):
    from tasklist.selectors import list_layout_for_group
    from tasklist.services import list_layout_set
    from tasklist.views.objects import REGISTRY, all_columns

    lists = sorted(
        ((key, str(otype.title_plural)) for key, otype in REGISTRY.items()), key=lambda pair: pair[1]
    )
    list_key = request.GET.get("list") or request.POST.get("list") or (lists[0][0] if lists else "")
    if list_key not in REGISTRY:
        raise Http404
    otype = REGISTRY[list_key]
    groups = group_choices(Group.objects.all())
    group_id = pk_or_none(request.GET.get("group") or request.POST.get("group")) or (
        groups[0].pk if groups else None
    )
    group = Group.objects.filter(pk=group_id).first()
    columns = all_columns(otype)
    if request.method == "POST" and group is not None:
        order = {}
        for column in columns:
            raw = request.POST.get(f"order_{column.name}", "")
            order[column.name] = int(raw) if raw.isdigit() else 999
        chosen = sorted(request.POST.getlist("columns"), key=lambda name: order.get(name, 999))
        list_layout_set(
            actor=request.user,
            group=group,
            list_key=otype.list_key,
            columns=[] if request.POST.get("reset") else chosen,
            offered=[c.name for c in columns],
        )
        messages.success(request, _("Saved the layout."))
        return redirect(f"{request.path}?list={list_key}&group={group.pk}")
    current = list_layout_for_group(group=group, list_key=otype.list_key) if group else None
    shown = current or [c.name for c in columns if c.default]
    position = {name: i for i, name in enumerate(shown, start=1)}
    rows = sorted(
        ({"column": c, "shown": c.name in position, "order": position.get(c.name, "")} for c in columns),
        key=lambda r: (r["order"] == "", r["order"] or 0),
    )
    context = {
        "lists": lists,
        "list_key": list_key,
        "groups": groups,
        "group": group,
        "rows": rows,
        "customised": bool(current),
    }
    return render(request, "tasklist/admin/list_layouts.html", context)
