"""Saved queries (campaign figures, expense totals and favourite groups are read in
`crm.marketing.selectors`)."""

from __future__ import annotations

from ..models import SavedQuery


def saved_queries_for(*, user, entity: str):
    return SavedQuery.objects.visible_to(user).filter(entity=entity).select_related("owner", "shared_with")
