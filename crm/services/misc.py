"""Saved queries (custom fields live in `crm.services.custom_fields`; favourites, campaigns,
expenses, competitors and partners in `crm.marketing.services`)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import NotFound, NotPermitted, ValidationFailed
from org.selectors import effective_group_ids

from ..models import SavedQuery
from .common import require_permission

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
