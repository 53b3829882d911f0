"""Notification templates as an administrator edits them: per event and language, with the event's
placeholders listed, a preview with sample data, unknown placeholders refused with the field and
the name, and a reset to the shipped text (the override row is removed)."""

from __future__ import annotations

import string

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import audit_record, diff, snapshot
from core.errors import NotPermitted, ValidationFailed

from .models import TemplateOverride
from .templates_registry import TEMPLATES, NotificationTemplate, get_template

PERMISSION = "integrations.manage_webhooks"
PARTS = ("title", "body", "sms")
LIMITS = {"title": 255, "body": 4000, "sms": 500}

# What an administrator reads for each shipped event (templates registered later by other apps
# fall back to their own `label`, or to their name).
LABELS = {
    "task_assigned": _("Task assigned to me"),
    "task_due_soon": _("Task due soon"),
    "task_overdue": _("Task overdue"),
    "task_escalated": _("Overdue task in my team"),
    "process_outcome": _("My request decided"),
    "customer_follow_up": _("Customer follow-up due"),
    "lead_follow_up": _("Lead follow-up due"),
    "activity_follow_up": _("Activity follow-up due"),
    "contact_birthday": _("Contact's birthday"),
    "employee_birthday": _("My birthday"),
    "order_not_handled": _("Order waiting for me"),
    "instalment_due": _("Payment instalment due"),
    "instalment_overdue": _("Payment instalment overdue"),
    "plan_reminder": _("Personal plan reminder"),
    "campaign_task_assigned": _("Campaign task assigned"),
    "campaign_task_done": _("Campaign task done"),
    "stock_low": _("Stock low"),
    "pool_recycle_warning": _("Customers about to return to the pool"),
    "pool_recycled": _("Customers returned to the pool"),
}

# Sample values for the preview; a placeholder without one shows as its name in brackets. (People's
# names are written both ways, as the demo company's are.)
SAMPLES = {
    "task": _("Approve the leave request"),
    "process": _("Leave"),
    "subject": _("Zhang Wei, 3 days annual leave"),
    "due": "2026-12-08 09:00",
    "assignee": "张伟 Zhang Wei",
    "outcome": _("approved"),
    "comment": _("Enjoy your holiday."),
    "name": "李明 Li Ming",
    "date": "2026-12-08",
    "activity": _("Visit at the customer's plant"),
    "customer": _("Shanghai Hengtong Machinery"),
    "order": "SO-2026-0042",
    "status": _("confirmed"),
    "contract": "HT-2026-007",
    "sequence": "2",
    "amount": "12,500.00",
    "plan": _("Call the supplier"),
    "notes": _("Ask about the delivery date."),
    "by": "王芳 Wang Fang",
    "campaign": _("Spring trade fair"),
    "product": _("Hydraulic pump HP-200"),
    "warehouse": _("Shanghai warehouse"),
    "available": "3",
    "reorder_level": "10",
    "count": "2",
    "customers": _("Shanghai Hengtong Machinery"),
    "pool": _("Public pool"),
    "days": "3",
}


def label(name: str) -> str:
    spec = TEMPLATES.get(name)
    own = getattr(spec, "label", None) if spec else None
    return str(LABELS.get(name) or own or name.replace("_", " ").capitalize())


def languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _require_manager(actor) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_perm(PERMISSION)):
        raise NotPermitted(_g("You may not edit notification templates."))


def shipped_text(name: str, language: str) -> dict[str, str]:
    """The shipped wording of a template in a language (its translation)."""
    spec = get_template(name)
    with translation.override(language):
        return {part: str(getattr(spec, part)) for part in PARTS}


def fields_of(text: str) -> list[str]:
    """The placeholders of a text; ValueError for a broken brace."""
    return [field for _lit, field, _fmt, _conv in string.Formatter().parse(text) if field is not None]


def check(name: str, texts: dict[str, str]) -> None:
    """Every placeholder must be one the event provides, written plainly ({task}); located errors
    per part."""
    spec = get_template(name)
    allowed = spec.fields()
    errors: dict[str, list[str]] = {}
    for part in PARTS:
        text = texts.get(part, "")
        if part == "title" and not text.strip():
            errors[part] = [_g("A title is required.")]
            continue
        if len(text) > LIMITS[part]:
            errors[part] = [_g("At most %(n)d characters.") % {"n": LIMITS[part]}]
            continue
        try:
            used = fields_of(text)
        except ValueError:
            errors[part] = [_g("A brace is not closed: write {name}, or {{ and }} for a brace itself.")]
            continue
        for parsed in string.Formatter().parse(text):
            field, spec_, conversion = parsed[1], parsed[2], parsed[3]
            if field is not None and (spec_ or conversion or not field.isidentifier()):
                errors[part] = [
                    _g("Write placeholders plainly, like {task}; “{%(field)s}” is not allowed.")
                    % {"field": field}
                ]
                break
        if part in errors:
            continue
        unknown = sorted({f for f in used if f not in allowed})
        if unknown:
            errors[part] = [
                _g("Unknown placeholder(s) %(unknown)s; this event provides %(known)s.")
                % {
                    "unknown": ", ".join("{" + f + "}" for f in unknown),
                    "known": ", ".join("{" + f + "}" for f in sorted(allowed)) or _g("none"),
                }
            ]
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(errors[first][0], fields=errors)


def preview(name: str, texts: dict[str, str], language: str | None = None) -> dict[str, str]:
    """The texts rendered with sample data in the template's language (checked first)."""
    check(name, texts)
    with translation.override(language or translation.get_language()):
        values = {f: str(SAMPLES.get(f, f"[{f}]")) for f in get_template(name).fields()}
    return {part: texts.get(part, "").format_map(values) for part in PARTS}


def current(name: str, language: str) -> tuple[dict[str, str], TemplateOverride | None]:
    override = TemplateOverride.objects.filter(template=name, language=language).first()
    if override is None:
        return shipped_text(name, language), None
    return {part: getattr(override, part) for part in PARTS}, override


@transaction.atomic
def template_override_save(*, actor, template: str, language: str, texts: dict[str, str]) -> TemplateOverride:
    _require_manager(actor)
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_g("Unknown language."), fields={"language": [_g("Unknown language.")]})
    texts = {part: (texts.get(part) or "").strip() for part in PARTS}
    check(template, texts)
    override = (
        TemplateOverride.objects.select_for_update().filter(template=template, language=language).first()
    )
    before = snapshot(override) if override else {}
    if override is None:
        override = TemplateOverride(template=template, language=language)
    for part in PARTS:
        setattr(override, part, texts[part])
    override.updated_at = timezone.now()
    override.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    override.save()
    audit_record(
        action=AuditEvent.Action.CHANGE if before else AuditEvent.Action.CREATE,
        actor=actor,
        obj=override,
        changes={k: v for k, v in diff(before, snapshot(override)).items() if k not in ("updated_at", "id")},
    )
    return override


@transaction.atomic
def template_override_reset(*, actor, template: str, language: str) -> bool:
    """Back to the shipped wording; False when there was nothing to reset."""
    _require_manager(actor)
    override = (
        TemplateOverride.objects.select_for_update().filter(template=template, language=language).first()
    )
    if override is None:
        return False
    audit_record(action=AuditEvent.Action.DELETE, actor=actor, obj=override, extra={"reset_to_default": True})
    override.delete()
    return True


def overrides_for(name: str) -> dict[str, NotificationTemplate]:
    """{language: the template with the administrator's wording} for one event."""
    spec = get_template(name)
    return {
        row.language: NotificationTemplate(
            name=spec.name, title=row.title, body=row.body, sms=row.sms or row.title, channels=spec.channels
        )
        for row in TemplateOverride.objects.filter(template=name)
    }
