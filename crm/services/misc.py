"""Custom field definitions and saved queries (favourites, campaigns, expenses, competitors and
partners live in `crm.marketing.services`)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from org.selectors import effective_group_ids

from ..models import CustomFieldDefinition, SavedQuery
from .common import require_permission

# --- Custom fields -------------------------------------------------------------------------


@transaction.atomic
def custom_field_define(
    *,
    actor,
    entity: str,
    label: str,
    kind: str = CustomFieldDefinition.Kind.TEXT,
    key: str = "",
    choices: list | None = None,
    required: bool = False,
) -> CustomFieldDefinition:
    require_permission(actor, CustomFieldDefinition, "add")
    errors: dict = {}
    key = key or slugify(label).replace("-", "_")
    if entity not in CustomFieldDefinition.Entity.values:
        errors.setdefault("entity", []).append(_g("Unknown entity."))
    if kind not in CustomFieldDefinition.Kind.values:
        errors.setdefault("kind", []).append(_g("Unknown kind."))
    if not key or not key.replace("_", "").isalnum() or not key.isascii():
        errors.setdefault("key", []).append(_g("Give a key of letters, digits and underscores."))
    if kind == CustomFieldDefinition.Kind.CHOICE and not choices:
        errors.setdefault("choices", []).append(_g("A choice field needs choices."))
    if errors:
        raise ValidationFailed(_("The custom field could not be saved."), fields=errors)
    try:
        with transaction.atomic():
            definition = CustomFieldDefinition.objects.create(
                entity=entity, key=key, label=label, kind=kind, choices=choices or [], required=required
            )
    except IntegrityError:
        raise Conflict(_("This entity already has a field with this key.")) from None
    audit_record(action="create", actor=actor, obj=definition)
    return definition


# --- Saved queries -------------------------------------------------------------------------


@transaction.atomic
def saved_query_save(*, actor, name: str, entity: str, params: dict, shared_with=None) -> SavedQuery:
    """Save (or overwrite by name) a list query; `params` are validated by the list selector."""
    from ..selectors.lists import LISTS, parse_params

    require_permission(actor, SavedQuery, "add")
    if entity not in LISTS:
        raise ValidationFailed(_("Unknown list."), fields={"entity": [_g("Unknown list.")]})
    if not name.strip():
        raise ValidationFailed(_("Name the query."), fields={"name": [_g("This field is required.")]})
    parse_params(LISTS[entity], params, actor)  # raises ValidationFailed on bad filters
    if (
        shared_with is not None
        and shared_with.pk not in effective_group_ids(actor)
        and not actor.is_superuser
    ):
        raise NotPermitted(_("You can share only with your own groups."))
    query, _created = SavedQuery.objects.update_or_create(
        owner=actor,
        entity=entity,
        name=name.strip()[:100],
        defaults={"params": params, "shared_with": shared_with, "created_by": actor},
    )
    return query


@transaction.atomic
def saved_query_delete(*, actor, saved_query_id: int) -> None:
    """Delete one of the actor's own saved queries (a query shared with them is the owner's)."""
    query = SavedQuery.objects.visible_to(actor, "change").filter(pk=saved_query_id).first()
    if query is None:
        if SavedQuery.objects.visible_to(actor, "view").filter(pk=saved_query_id).exists():
            raise NotPermitted(_("Only its owner can delete a saved query."))
        raise NotFound(_("No such saved query."))
    audit_record(action="delete", actor=actor, obj=query)
    query.delete()
