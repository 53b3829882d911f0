"""Writes of the sales sub-domain — leads, opportunities, activities. Each service takes `actor`,
checks it, writes, and records the audit row; callers import them from here."""

from .activities import activity_complete, activity_create, activity_plan
from .leads import (
    LEAD_COLUMNS,
    WEB_FORM_PER_HOUR,
    LeadImportResult,
    lead_assignee,
    lead_capture,
    lead_convert,
    lead_create,
    lead_create_assigned,
    lead_delete,
    lead_disqualify,
    lead_import,
    lead_update,
)
from .opportunities import opportunity_close, opportunity_create, opportunity_update

__all__ = [
    "LEAD_COLUMNS",
    "WEB_FORM_PER_HOUR",
    "LeadImportResult",
    "activity_complete",
    "activity_create",
    "activity_plan",
    "lead_assignee",
    "lead_capture",
    "lead_convert",
    "lead_create",
    "lead_create_assigned",
    "lead_delete",
    "lead_disqualify",
    "lead_import",
    "lead_update",
    "opportunity_close",
    "opportunity_create",
    "opportunity_update",
]
