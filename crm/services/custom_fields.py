"""The data model administered by the company (Administration > Data model, crm.manage_data_model):
custom field definitions with their PostgreSQL expression indexes, and the options of the managed
choice lists. Every change is audited with a diff."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record, diff, snapshot
from core.errors import NotFound, NotPermitted, ValidationFailed

from ..models import ChoiceList, ChoiceOption, CustomFieldDefinition
from ..selectors.custom_fields import ENTITY_MODELS, entity_model

MANAGE_DATA_MODEL = "crm.manage_data_model"
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CHOICE_KINDS = (CustomFieldDefinition.Kind.CHOICE, CustomFieldDefinition.Kind.MULTI_CHOICE)
RANGE_KINDS = (CustomFieldDefinition.Kind.NUMBER, CustomFieldDefinition.Kind.MONEY)


def require_data_admin(actor) -> None:
    if not (actor.is_active and (actor.is_superuser or actor.has_perm(MANAGE_DATA_MODEL))):
        raise NotPermitted(_("You may not administer the data model."))


@dataclass
class CustomFieldInput:
    """What the custom field form sends (strings as typed; the service validates)."""

    entity: str = ""
    key: str = ""
    label: str = ""
    kind: str = CustomFieldDefinition.Kind.TEXT
    choices: list[str] = field(default_factory=list)
    required: bool = False
    max_length: str = ""
    min_value: str = ""
    max_value: str = ""
    pattern: str = ""
    pattern_message: str = ""
    help_text: str = ""
    sort_order: str = ""
    visible_to: list = field(default_factory=list)  # groups
    editable_by: list = field(default_factory=list)
    show_in_list: bool = False
    filterable: bool = False
    active: bool = True


def _decimal(raw: str, name: str, errors: dict) -> Decimal | None:
    raw = (raw or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e14"):
        errors.setdefault(name, []).append(_g("Enter a number."))
        return None
    return value


def _positive_int(raw: str, name: str, errors: dict, default: int, upper: int) -> int:
    raw = str(raw or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= upper:
        errors.setdefault(name, []).append(_g("Enter a whole number from 1 to %(n)d.") % {"n": upper})
        return default
    return int(raw)


def _clean(data: CustomFieldInput, definition: CustomFieldDefinition | None) -> dict:
    errors: dict[str, list] = {}
    Kind = CustomFieldDefinition.Kind
    entity = definition.entity if definition else data.entity
    if entity not in CustomFieldDefinition.Entity.values or entity not in ENTITY_MODELS:
        errors.setdefault("entity", []).append(_g("Choose a record type."))
    key = definition.key if definition else data.key.strip().lower()
    if definition is None and not KEY_RE.match(key):
        errors.setdefault("key", []).append(
            _g("Give a key of lower-case letters, digits and underscores, starting with a letter.")
        )
    label = data.label.strip()
    if not label:
        errors.setdefault("label", []).append(_g("This field is required."))
    elif len(label) > 100:
        errors.setdefault("label", []).append(_g("At most %(n)d characters.") % {"n": 100})
    kind = data.kind
    if kind not in Kind.values:
        errors.setdefault("kind", []).append(_g("Choose a kind."))
    elif definition is not None and kind != definition.kind:
        errors.setdefault("kind", []).append(
            _g("The kind of a field cannot change once it exists; add a new field instead.")
        )
    choices = [c.strip() for c in data.choices if c.strip()]
    if kind in CHOICE_KINDS:
        if not choices:
            errors.setdefault("choices", []).append(_g("A choice field needs choices, one a line."))
        elif len(set(choices)) != len(choices):
            errors.setdefault("choices", []).append(_g("Each choice may appear only once."))
        elif any(len(c) > 100 for c in choices):
            errors.setdefault("choices", []).append(_g("A choice has at most 100 characters."))
    else:
        choices = []
    min_value = _decimal(data.min_value, "min_value", errors) if kind in RANGE_KINDS else None
    max_value = _decimal(data.max_value, "max_value", errors) if kind in RANGE_KINDS else None
    if min_value is not None and max_value is not None and min_value > max_value:
        errors.setdefault("max_value", []).append(_g("The maximum is below the minimum."))
    pattern = data.pattern.strip() if kind == Kind.TEXT else ""
    if pattern:
        try:
            re.compile(pattern)
        except re.error as problem:
            errors.setdefault("pattern", []).append(
                _g("Not a valid pattern: %(error)s.") % {"error": problem}
            )
        if len(pattern) > 200:
            errors.setdefault("pattern", []).append(_g("At most %(n)d characters.") % {"n": 200})
    max_length = _positive_int(
        data.max_length, "max_length", errors, 2000 if kind == Kind.LONG_TEXT else 200, 10000
    )
    sort_order = _positive_int(data.sort_order, "sort_order", errors, 0, 10000) if data.sort_order else None
    if errors:
        raise ValidationFailed(_("The custom field could not be saved."), fields=errors)
    return {
        "entity": entity,
        "key": key,
        "label": label,
        "kind": kind,
        "choices": choices,
        "required": bool(data.required),
        "max_length": max_length,
        "min_value": min_value,
        "max_value": max_value,
        "pattern": pattern,
        "pattern_message": data.pattern_message.strip()[:200] if pattern else "",
        "help_text": data.help_text.strip()[:200],
        "show_in_list": bool(data.show_in_list),
        "filterable": bool(data.filterable),
        "active": bool(data.active),
        **({"sort_order": sort_order} if sort_order is not None else {}),
    }


@transaction.atomic
def custom_field_save(
    *, actor, data: CustomFieldInput, definition: CustomFieldDefinition | None = None
) -> CustomFieldDefinition:
    """Add a custom field to a record type, or change one (its key and kind stay: stored values
    depend on them). A filterable field gets its expression index on PostgreSQL."""
    require_data_admin(actor)
    values = _clean(data, definition)
    if definition is None:
        if CustomFieldDefinition.objects.filter(entity=values["entity"], key=values["key"]).exists():
            raise ValidationFailed(
                _("The custom field could not be saved."),
                fields={"key": [_g("This record type already has a field with this key.")]},
            )
        if "sort_order" not in values:
            last = CustomFieldDefinition.objects.filter(entity=values["entity"]).aggregate(
                n=Max("sort_order")
            )
            values["sort_order"] = (last["n"] or 0) + 10
        definition = CustomFieldDefinition.objects.create(**values)
        before = None
    else:
        before = _snapshot(definition)
        for name, value in values.items():
            setattr(definition, name, value)
        definition.save()
    definition.visible_to.set(data.visible_to)
    definition.editable_by.set(data.editable_by)
    definition.refresh_from_db()  # stored values (0 as 0.00), so an unchanged number is no change
    after = _snapshot(definition)
    if before is None:
        audit_record(action="create", actor=actor, obj=definition, changes=diff({}, after))
    elif changes := diff(before, after):
        audit_record(action="change", actor=actor, obj=definition, changes=changes)
    transaction.on_commit(lambda: custom_field_index_sync(definition=definition))
    return definition


def _snapshot(definition) -> dict:
    """The definition as the audit diff shows it (lists as text: the audit page shows values)."""
    return {
        **snapshot(definition),
        "choices": "\n".join(str(c) for c in definition.choices or []),
        "visible_to": ", ".join(sorted(g.name for g in definition.visible_to.all())),
        "editable_by": ", ".join(sorted(g.name for g in definition.editable_by.all())),
    }


def index_name(definition: CustomFieldDefinition) -> str:
    return f"crm_cf_{definition.entity}_{definition.key}"[:61]


def custom_field_index_sync(*, definition: CustomFieldDefinition) -> bool:
    """On PostgreSQL, a filterable active field has two indexes on `(custom -> 'key'), id` of its
    record table, ascending and descending (the list's filter and its sort); otherwise none.
    SQLite has no such index and needs none at demo sizes. Returns whether the index exists."""
    if connection.vendor != "postgresql":
        return False
    table = entity_model(definition.entity)._meta.db_table
    name = index_name(definition)
    wanted = definition.filterable and definition.active
    key = definition.key  # checked against KEY_RE on creation: letters, digits, underscores
    if not KEY_RE.match(key):
        return False
    value = f"(custom -> '{key}')"
    with connection.cursor() as cursor:
        # PostgreSQL refuses to index a table with foreign-key checks still deferred in this
        # transaction ("pending trigger events", e.g. rows the same transaction wrote): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # (Django's constraints are initially deferred)
        # both sort directions keep the empty values last, so each has its own index
        for suffix, order in (("", f"{value}, id"), ("_d", f"{value} DESC NULLS LAST, id DESC")):
            if wanted:
                cursor.execute(f'CREATE INDEX IF NOT EXISTS "{name}{suffix}" ON "{table}" ({order})')
            else:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}{suffix}"')
    return wanted


# --- choice lists ---------------------------------------------------------------------------------


def _option_in(choice_list: str, option_id: int) -> ChoiceOption:
    option = ChoiceOption.objects.filter(choice_list=choice_list, pk=option_id).first()
    if option is None:
        raise NotFound(_("No such option."))
    return option


@transaction.atomic
def choice_option_add(*, actor, choice_list: str, label: str, code: str = "") -> ChoiceOption:
    require_data_admin(actor)
    if choice_list not in ChoiceList.values:
        raise ValidationFailed(_("Unknown list."), fields={"choice_list": [_g("Unknown list.")]})
    label = label.strip()
    errors: dict = {}
    if not label:
        errors.setdefault("label", []).append(_g("This field is required."))
    elif len(label) > 100:
        errors.setdefault("label", []).append(_g("At most %(n)d characters.") % {"n": 100})
    code = (code or "").strip().lower() or _next_code(choice_list)
    if not re.match(r"^[a-z0-9_]{1,40}$", code):
        errors.setdefault("code", []).append(_g("Give a code of lower-case letters, digits and underscores."))
    elif ChoiceOption.objects.filter(choice_list=choice_list, code=code).exists():
        errors.setdefault("code", []).append(_g("This list already has an option with this code."))
    if ChoiceOption.objects.filter(choice_list=choice_list, label=label).exists():
        errors.setdefault("label", []).append(_g("This list already has an option with this label."))
    if errors:
        raise ValidationFailed(_("The option could not be added."), fields=errors)
    last = ChoiceOption.objects.filter(choice_list=choice_list).aggregate(n=Max("sort_order"))["n"] or 0
    option = ChoiceOption.objects.create(
        choice_list=choice_list, code=code, label=label, sort_order=last + 10
    )
    audit_record(action="create", actor=actor, obj=option, changes=diff({}, snapshot(option)))
    return option


def _next_code(choice_list: str) -> str:
    taken = set(ChoiceOption.objects.filter(choice_list=choice_list).values_list("code", flat=True))
    n = len(taken) + 1
    while f"opt{n}" in taken:
        n += 1
    return f"opt{n}"


@transaction.atomic
def choice_option_update(
    *, actor, choice_list: str, option_id: int, label: str | None = None, active: bool | None = None
) -> ChoiceOption:
    """Rename, deactivate or reactivate an option. An option is never deleted: records that use it
    keep showing it, it is only no longer offered."""
    require_data_admin(actor)
    option = _option_in(choice_list, option_id)
    before = snapshot(option)
    if label is not None:
        label = label.strip()
        if not label or len(label) > 100:
            raise ValidationFailed(
                _("The option could not be renamed."),
                fields={f"label_{option.pk}": [_g("Give a label of 1 to 100 characters.")]},
            )
        if ChoiceOption.objects.filter(choice_list=choice_list, label=label).exclude(pk=option.pk).exists():
            raise ValidationFailed(
                _("The option could not be renamed."),
                fields={f"label_{option.pk}": [_g("This list already has an option with this label.")]},
            )
        option.label = label
    if active is not None:
        option.active = active
    option.save()
    if changes := diff(before, snapshot(option)):
        audit_record(action="change", actor=actor, obj=option, changes=changes)
    return option


@transaction.atomic
def choice_option_move(*, actor, choice_list: str, option_id: int, up: bool) -> None:
    """Swap an option with its neighbour; the list is renumbered 10, 20, 30…"""
    require_data_admin(actor)
    options = list(ChoiceOption.objects.filter(choice_list=choice_list).order_by("sort_order", "code"))
    index = next((i for i, o in enumerate(options) if o.pk == option_id), None)
    if index is None:
        raise NotFound(_("No such option."))
    other = index - 1 if up else index + 1
    if 0 <= other < len(options):
        options[index], options[other] = options[other], options[index]
    for position, option in enumerate(options, start=1):
        if option.sort_order != position * 10:
            before = snapshot(option)
            option.sort_order = position * 10
            option.save(update_fields=["sort_order"])
            audit_record(action="change", actor=actor, obj=option, changes=diff(before, snapshot(option)))


# --- values on a record ---------------------------------------------------------------------------


@transaction.atomic
def custom_values_set(*, actor, obj, values: dict, new: bool = False):
    """Write the custom fields `actor` may edit on a record (the generic forms' custom part). `new`:
    the record was just created in this transaction by the actor (who may lack "change")."""
    from ..selectors.custom_fields import entity_of
    from .common import clean_custom_fields, require_row

    entity = entity_of(obj)
    if entity is None:
        raise ValidationFailed(_("This record has no custom fields."))
    if not new:
        require_row(actor, obj, "change")
    before = dict(obj.custom or {})
    after = clean_custom_fields(entity, values, existing=before, actor=actor)
    if after != before:
        obj.custom = after
        type(obj).objects.filter(pk=obj.pk).update(custom=after)
        if not new:
            audit_record(action="change", actor=actor, obj=obj, changes={"custom": [before, after]})
    return obj
