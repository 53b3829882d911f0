"""What the opportunity-stage process shows and checks at a stage, read from the stage's row: the
fields the owner fills in before the deal moves on (opportunity fields and custom fields), the
ways out (move on, step back, lost), and whether leaving needs the manager's approval."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ChoiceList, ChoiceOption, CustomFieldDefinition, Opportunity, SalesStage
from .selectors import stage_after, stage_before

# Opportunity fields a stage may require (custom fields come as "custom.<key>").
STAGE_FIELDS = {
    "amount": _("Amount"),
    "expected_close": _("Expected close"),
    "importance": _("Importance"),
    "source": _("Source"),
    "contact": _("Contact"),
}
CUSTOM = "custom."
APPROVAL_TASK = "Approval to leave the stage 阶段审批"


def bilingual(text) -> str:
    """A name as process designers write task names: English, then Chinese when it differs."""
    with translation.override("en"):
        english = str(gettext(str(text)))
    with translation.override("zh-hans"):
        chinese = str(gettext(str(text)))
    return english if english == chinese else f"{english} {chinese}"


def field_choices() -> list[tuple[str, str]]:
    """(name, label) of every field a stage may require: the opportunity's own, then its custom
    fields."""
    choices = [(name, str(label)) for name, label in STAGE_FIELDS.items()]
    for definition in CustomFieldDefinition.objects.filter(
        entity=CustomFieldDefinition.Entity.OPPORTUNITY, active=True
    ):
        choices.append((CUSTOM + definition.key, definition.label))
    return choices


def form_name(field: str) -> str:
    """The form property of a field ("custom.budget_year" -> "custom__budget_year")."""
    return field.replace(".", "__")


def _current(opportunity: Opportunity, field: str):
    if field.startswith(CUSTOM):
        return (opportunity.custom or {}).get(field[len(CUSTOM) :])
    value = getattr(opportunity, field + "_id" if field in ("source", "contact") else field, None)
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _property(field: str, opportunity: Opportunity, definitions: dict) -> dict | None:
    if field == "amount":
        prop = {"type": "number", "minimum": 0, "x-widget": "money", "x-currency": "CNY"}
    elif field == "expected_close":
        prop = {"type": "string", "format": "date"}
    elif field == "importance":
        prop = {
            "type": "integer",
            "oneOf": [{"const": v, "title": str(lbl)} for v, lbl in Opportunity.Importance.choices],
        }
    elif field == "source":
        options = ChoiceOption.objects.filter(choice_list=ChoiceList.SOURCE).order_by("sort_order", "pk")
        prop = {"type": "integer", "oneOf": [{"const": o.pk, "title": o.label} for o in options]}
    elif field == "contact":
        contacts = opportunity.customer.contacts.order_by("name")[:200]
        prop = {"type": "integer", "oneOf": [{"const": c.pk, "title": c.name} for c in contacts]}
        if not prop["oneOf"]:
            return None
    elif field.startswith(CUSTOM):
        definition = definitions.get(field[len(CUSTOM) :])
        if definition is None:
            return None
        kind = definition.kind
        if kind == CustomFieldDefinition.Kind.NUMBER:
            prop = {"type": "number"}
        elif kind == CustomFieldDefinition.Kind.DATE:
            prop = {"type": "string", "format": "date"}
        elif kind == CustomFieldDefinition.Kind.CHOICE:
            prop = {"type": "string", "enum": [str(c) for c in definition.choices or []]}
        else:
            prop = {"type": "string", "maxLength": definition.max_length}
        prop["title"] = definition.label
    else:
        return None
    if "title" not in prop:
        prop["title"] = bilingual(STAGE_FIELDS[field])
    current = _current(opportunity, field)
    if current not in (None, ""):
        prop["default"] = current
    return prop


@dataclass(frozen=True)
class StageInfo:
    stage: SalesStage
    form: dict
    task_name: str
    approval_name: str

    def as_data(self) -> dict:
        stage = self.stage
        return {
            "stage": stage.key,
            "name": stage.label,
            "task_name": self.task_name,
            "approval_name": self.approval_name,
            "form": self.form,
            "approval": stage.approval,
            "threshold": float(stage.approval_threshold or 0),
            "fields": list(stage.required_fields or []),
        }


def stage_info(opportunity: Opportunity) -> StageInfo:
    """The stage task's name and form at the opportunity's current stage."""
    stage = opportunity.stage
    after, before = stage_after(stage), stage_before(stage)
    definitions = {
        d.key: d
        for d in CustomFieldDefinition.objects.filter(
            entity=CustomFieldDefinition.Entity.OPPORTUNITY, active=True
        )
    }
    advance = f"{bilingual(_('Move on'))} → {bilingual(after.name)}" if after else bilingual(_("Won"))
    ways = [{"const": "advance", "title": advance}]
    if before is not None:
        ways.append({"const": "back", "title": f"{bilingual(_('Step back'))} → {bilingual(before.name)}"})
    ways.append({"const": "lost", "title": bilingual(_("Lost"))})
    properties: dict = {
        "outcome": {"type": "string", "title": bilingual(_("Outcome")), "oneOf": ways},
        "lost_reason": {"type": "string", "title": bilingual(_("Reason for losing")), "maxLength": 1000},
        "note": {"type": "string", "title": bilingual(_("Note")), "maxLength": 2000},
    }
    required: list[str] = []
    for field in stage.required_fields or []:
        prop = _property(field, opportunity, definitions)
        if prop is not None:
            properties[form_name(field)] = prop
            required.append(form_name(field))
    if stage.approval == SalesStage.Approval.DISCOUNT_ABOVE:
        properties["discount_percent"] = {
            "type": "number",
            "title": bilingual(_("Discount %")),
            "minimum": 0,
            "maximum": 100,
        }
        required.append("discount_percent")
    form = {
        "type": "object",
        "title": stage.label,
        "properties": properties,
        "x-order": ["outcome", *required, "lost_reason", "note"],
        "required": ["outcome"],
        "if": {"properties": {"outcome": {"const": "lost"}}},
        "then": {"required": ["lost_reason"], "properties": {"lost_reason": {"minLength": 1}}},
        "else": {"if": {"properties": {"outcome": {"const": "advance"}}}, "then": {"required": required}},
    }
    return StageInfo(
        stage=stage,
        form=form,
        task_name=bilingual(stage.name)[:255],
        # the approval task's name as the BPMN names it, with the stage
        approval_name=f"{APPROVAL_TASK}: {bilingual(stage.name)}"[:255],
    )


def stage_values(stage: SalesStage, data: dict) -> tuple[dict, dict]:
    """The required fields' values the owner gave on the stage form: (opportunity fields, custom
    fields), ready for opportunity_update."""
    fields, custom = {}, {}
    for field in stage.required_fields or []:
        name = form_name(field)
        if name not in data:
            continue
        if field.startswith(CUSTOM):
            custom[field[len(CUSTOM) :]] = data[name]
        else:
            fields[field] = data[name]
    return fields, custom


def needs_approval(stage: SalesStage, *, amount: Decimal, data: dict) -> bool:
    """Whether leaving the stage (moving on) waits for the owner's manager."""
    threshold = Decimal(stage.approval_threshold or 0)
    if stage.approval == SalesStage.Approval.ALWAYS:
        return True
    if stage.approval == SalesStage.Approval.AMOUNT_ABOVE:
        return Decimal(amount or 0) > threshold
    if stage.approval == SalesStage.Approval.DISCOUNT_ABOVE:
        try:
            return Decimal(str(data.get("discount_percent") or 0)) > threshold
        except ArithmeticError:
            return False
    return False
