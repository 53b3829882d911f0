"""Reads of the company's custom fields: which fields a person sees or edits on a record type, and
a stored value as people read it (a person by name, yes/no, several choices joined)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from engine.connectors import is_process_actor
from org.selectors import effective_group_ids

from ..models import CustomFieldDefinition

# the record type of each model that keeps custom values (its `custom` JSON column)
ENTITY_MODELS = {
    "customer": "Customer",
    "contact": "Contact",
    "opportunity": "Opportunity",
    "order": "Order",
    "complaint": "Complaint",
    "service_request": "ServiceRequest",
    "product": "Product",
}


def entity_model(entity: str):
    from django.apps import apps

    return apps.get_model("crm", ENTITY_MODELS[entity])


def entity_of(model) -> str | None:
    name = model.__name__ if isinstance(model, type) else type(model).__name__
    return next((e for e, m in ENTITY_MODELS.items() if m == name), None)


def custom_definitions(entity: str) -> list[CustomFieldDefinition]:
    """The record type's active fields in their order, with who sees and edits them (3 queries)."""
    return list(
        CustomFieldDefinition.objects.filter(entity=entity, active=True)
        .prefetch_related("visible_to", "editable_by")
        .order_by("sort_order", "key")
    )


def _groups_of(definition, relation: str) -> set[int]:
    return {g.pk for g in getattr(definition, relation).all()}


def may_see(user, definition: CustomFieldDefinition, groups: set[int] | None = None) -> bool:
    if user is None or is_process_actor(user) or getattr(user, "is_superuser", False):
        return True
    allowed = _groups_of(definition, "visible_to")
    if not allowed:
        return True
    return bool(allowed & (groups if groups is not None else effective_group_ids(user)))


def may_edit(user, definition: CustomFieldDefinition, groups: set[int] | None = None) -> bool:
    if user is None or is_process_actor(user) or getattr(user, "is_superuser", False):
        return True
    groups = groups if groups is not None else effective_group_ids(user)
    if not may_see(user, definition, groups):
        return False
    allowed = _groups_of(definition, "editable_by")
    return not allowed or bool(allowed & groups)


def custom_fields_for(user, entity: str, *, action: str = "view") -> list[CustomFieldDefinition]:
    """The fields of a record type `user` sees ("view") or may fill in ("change")."""
    definitions = custom_definitions(entity)
    if user is None or getattr(user, "is_superuser", False):
        return definitions
    groups = effective_group_ids(user)
    check = may_edit if action == "change" else may_see
    return [d for d in definitions if check(user, d, groups)]


def people_labels(ids) -> dict[int, str]:
    ids = {int(i) for i in ids if str(i).isdigit()}
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_full_name() or str(u) for u in users}


def custom_value_display(definition: CustomFieldDefinition, value, people: dict | None = None):
    """A stored value as a card or a list cell shows it; None when empty."""
    if value is None or value == "" or value == []:
        return None
    kind = definition.kind
    if kind == CustomFieldDefinition.Kind.BOOL:
        return _("Yes") if value else _("No")
    if kind == CustomFieldDefinition.Kind.MULTI_CHOICE:
        return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == CustomFieldDefinition.Kind.PERSON:
        people = people if people is not None else people_labels([value])
        return people.get(int(value)) if str(value).isdigit() else None
    if kind == CustomFieldDefinition.Kind.MONEY:
        return f"¥{Decimal(str(value)):,.2f}"
    return value


def custom_rows(user, obj, entity: str | None = None) -> list[tuple[str, object]]:
    """(label, shown value) of the record's custom fields `user` sees, for its card."""
    entity = entity or entity_of(obj)
    definitions = custom_fields_for(user, entity)
    values = getattr(obj, "custom", None) or {}
    people = people_labels(
        values.get(d.key) for d in definitions if d.kind == CustomFieldDefinition.Kind.PERSON
    )
    return [(d.label, custom_value_display(d, values.get(d.key), people)) for d in definitions]


def choice_option_usage(choice_list: str) -> dict[int, int]:
    """How many customers (or complaints, consultations) use each option of a list."""
    from django.db.models import Count

    from ..models import ChoiceList, Complaint, Consultation, Customer

    field_of = {
        ChoiceList.STATUS: (Customer, "status"),
        ChoiceList.TYPE: (Customer, "customer_type"),
        ChoiceList.SOURCE: (Customer, "source"),
        ChoiceList.INDUSTRY: (Customer, "industry"),
        ChoiceList.REGION: (Customer, "region"),
        ChoiceList.COMPLAINT_CATEGORY: (Complaint, "category"),
        ChoiceList.CONSULTATION_CATEGORY: (Consultation, "category"),
    }
    if choice_list not in field_of:
        return {}
    model, name = field_of[choice_list]
    rows = model.objects.filter(**{f"{name}__isnull": False}).values(name).annotate(n=Count("pk")).order_by()
    return {row[name]: row["n"] for row in rows}


def plain_number(value: Decimal) -> str:
    """10.00 as "10", 2.50 as "2.5" (never "1E+1")."""
    return format(value.normalize(), "f")
