"""Sales processes and their stages (Administration > Sales operations): create, change, reorder
and delete, by people holding `crm.manage_sales`. Each write is audited with its diff; an error
names the stage (its position and name) and the field."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, Max
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import audit_record, diff, snapshot
from core.errors import Conflict, NotPermitted, ValidationFailed
from org.models import Department

from ...models import ChoiceList, ChoiceOption, Opportunity, SalesProcess, SalesStage
from ..stage_forms import field_choices

MANAGE_SALES = "crm.manage_sales"


def may_manage_sales(actor) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_active", False)
        and (actor.is_superuser or actor.has_perm(MANAGE_SALES))
    )


def _require(actor) -> None:
    if not may_manage_sales(actor):
        raise NotPermitted(_("You may not administer the sales processes."))


def _links(process: SalesProcess) -> dict:
    """Whom the process is for, as people read it in the audit diff."""
    return {
        "customer_types": ", ".join(sorted(process.customer_types.values_list("label", flat=True))),
        "departments": ", ".join(sorted(process.departments.values_list("name", flat=True))),
    }


def _clean_process(
    *, process: SalesProcess | None, name: str, active: bool, is_default: bool, customer_types, departments
) -> tuple[dict, list, list]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_g("This field is required.")]
    elif len(name) > 100:
        errors["name"] = [_g("At most 100 characters.")]
    elif SalesProcess.objects.filter(name__iexact=name).exclude(pk=getattr(process, "pk", None)).exists():
        errors["name"] = [_g("Another sales process has this name.")]
    if is_default and not active:
        errors.setdefault("active", []).append(_g("The default process cannot be switched off."))
    if process is not None and process.is_default and not is_default:
        errors.setdefault("is_default", []).append(
            _g("Make another process the default instead; there is always one.")
        )
    if active and process is not None and not process.stages.filter(kind=SalesStage.Kind.OPEN).exists():
        errors.setdefault("active", []).append(_g("Add a stage before switching the process on."))
    types = list(ChoiceOption.objects.filter(choice_list=ChoiceList.TYPE, pk__in=customer_types or []))
    if len(types) != len(set(customer_types or [])):
        errors.setdefault("customer_types", []).append(_g("Unknown customer type."))
    depts = list(Department.objects.filter(pk__in=departments or []))
    if len(depts) != len(set(departments or [])):
        errors.setdefault("departments", []).append(_g("Unknown department."))
    if errors:
        raise ValidationFailed(_("The sales process could not be saved."), fields=errors)
    return {"name": name, "active": active, "is_default": is_default}, types, depts


def _make_default(process: SalesProcess) -> None:
    if process.is_default:
        SalesProcess.objects.exclude(pk=process.pk).filter(is_default=True).update(is_default=False)


@transaction.atomic
def sales_process_create(
    *,
    actor,
    name: str,
    description: str = "",
    is_default: bool = False,
    customer_types: list[int] | None = None,
    departments: list[int] | None = None,
) -> SalesProcess:
    """A new process, switched off until it has stages (then switched on by sales_process_update)."""
    _require(actor)
    values, types, depts = _clean_process(
        process=None,
        name=name,
        active=False,
        is_default=False,
        customer_types=customer_types,
        departments=departments,
    )
    if is_default:
        raise ValidationFailed(
            _("The sales process could not be saved."),
            fields={
                "is_default": [_g("Add its stages first; a process without stages cannot be the default.")]
            },
        )
    order = (SalesProcess.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    process = SalesProcess.objects.create(description=(description or "")[:4000], sort_order=order, **values)
    process.customer_types.set(types)
    process.departments.set(depts)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        obj=process,
        changes=diff({}, {**snapshot(process), **_links(process)}),
    )
    return process


@transaction.atomic
def sales_process_update(
    *,
    actor,
    process: SalesProcess,
    name: str,
    description: str = "",
    active: bool = True,
    is_default: bool = False,
    customer_types: list[int] | None = None,
    departments: list[int] | None = None,
) -> SalesProcess:
    _require(actor)
    process = SalesProcess.objects.select_for_update().get(pk=process.pk)
    before = {**snapshot(process), **_links(process)}
    values, types, depts = _clean_process(
        process=process,
        name=name,
        active=active,
        is_default=is_default,
        customer_types=customer_types,
        departments=departments,
    )
    for key, value in values.items():
        setattr(process, key, value)
    process.description = (description or "")[:4000]
    process.save()
    _make_default(process)
    process.customer_types.set(types)
    process.departments.set(depts)
    changes = diff(before, {**snapshot(process), **_links(process)})
    if changes:
        audit_record(action=AuditEvent.Action.CHANGE, actor=actor, obj=process, changes=changes)
    return process


# --- stages ---------------------------------------------------------------------------------------


def _stage_snapshot(stage: SalesStage) -> dict:
    """The stage's values as the audit diff shows them (required fields as one line)."""
    values = snapshot(stage)
    values["required_fields"] = ", ".join(values.get("required_fields") or [])
    return values


def stage_place(stage: SalesStage) -> int:
    """The stage's position as people count it (1 = first)."""
    return (
        SalesStage.objects.filter(process_id=stage.process_id, position__lt=stage.position).count()
        + SalesStage.objects.filter(
            process_id=stage.process_id, position=stage.position, pk__lt=stage.pk
        ).count()
        + 1
    )


def _clean_stage(
    *,
    where: str,
    process: SalesProcess,
    stage: SalesStage | None,
    name: str,
    probability,
    required_fields,
    approval: str,
    approval_threshold,
    kind: str,
) -> dict:
    """Checked values; every message starts with `where` ("Stage 3 “Negotiation”")."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(f"{where}: {message}")

    name = (name or "").strip()
    if not name:
        refuse("name", _g("a name is required."))
    elif len(name) > 100:
        refuse("name", _g("the name has at most 100 characters."))
    elif (
        SalesStage.objects.filter(process=process, name__iexact=name)
        .exclude(pk=getattr(stage, "pk", None))
        .exists()
    ):
        refuse("name", _g("another stage of this process has this name."))
    try:
        probability = int(str(probability).strip())
    except (TypeError, ValueError):
        probability = -1
    if not 0 <= probability <= 100:
        refuse("probability", _g("probability must be 0–100."))  # noqa: RUF001
    known = dict(field_choices())
    required_fields = [f for f in dict.fromkeys(required_fields or []) if f]
    unknown = [f for f in required_fields if f not in known]
    if unknown:
        refuse("required_fields", _g("unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
    if approval not in SalesStage.Approval.values:
        refuse("approval", _g("choose an approval rule."))
    threshold = None
    if approval in (SalesStage.Approval.AMOUNT_ABOVE, SalesStage.Approval.DISCOUNT_ABOVE):
        try:
            threshold = Decimal(str(approval_threshold).strip())
        except (InvalidOperation, ValueError):
            refuse("approval_threshold", _g("give the threshold as a number."))
        else:
            if threshold < 0 or (approval == SalesStage.Approval.DISCOUNT_ABOVE and threshold > 100):
                refuse(
                    "approval_threshold",
                    _g("a discount threshold is 0–100 %.")  # noqa: RUF001
                    if approval == SalesStage.Approval.DISCOUNT_ABOVE
                    else _g("the threshold cannot be negative."),
                )
            elif threshold >= Decimal("1e14"):
                refuse("approval_threshold", _g("the threshold is too large."))
    if kind not in SalesStage.Kind.values:
        refuse("kind", _g("choose what kind of stage this is."))
    elif kind != SalesStage.Kind.OPEN and (required_fields or approval != SalesStage.Approval.NONE):
        refuse("kind", _g("a won or lost stage ends the deal: it has no required fields or approval."))
    elif kind != SalesStage.Kind.OPEN and (
        SalesStage.objects.filter(process=process, kind=kind).exclude(pk=getattr(stage, "pk", None)).exists()
    ):
        refuse("kind", _g("the process has a stage of this kind already."))
    if stage is not None and stage.is_open and kind != SalesStage.Kind.OPEN and stage.opportunities.exists():
        refuse("kind", _g("open deals sit at this stage; move them first."))
    if errors:
        raise ValidationFailed(_("The stage could not be saved."), fields=errors)
    return {
        "name": name,
        "probability": probability,
        "required_fields": required_fields,
        "approval": approval,
        "approval_threshold": threshold,
        "kind": kind,
    }


@transaction.atomic
def sales_stage_add(
    *,
    actor,
    process: SalesProcess,
    name: str,
    probability=10,
    required_fields: list[str] | None = None,
    approval: str = SalesStage.Approval.NONE,
    approval_threshold=None,
    kind: str = SalesStage.Kind.OPEN,
) -> SalesStage:
    """A stage at the end of the process's list (before its won/lost stages)."""
    _require(actor)
    process = SalesProcess.objects.select_for_update().get(pk=process.pk)
    place = process.stages.count() + 1
    where = _g("Stage %(n)d “%(name)s”") % {"n": place, "name": (name or "").strip() or "—"}
    values = _clean_stage(
        where=where,
        process=process,
        stage=None,
        name=name,
        probability=probability,
        required_fields=required_fields,
        approval=approval,
        approval_threshold=approval_threshold,
        kind=kind,
    )
    last = process.stages.filter(kind=SalesStage.Kind.OPEN).aggregate(m=Max("position"))["m"]
    position = (last + 1) if last is not None else 0
    if values["kind"] == SalesStage.Kind.OPEN:
        # the ends (won, lost) stay after the open stages
        process.stages.exclude(kind=SalesStage.Kind.OPEN).filter(position__gte=position).update(
            position=F("position") + 1
        )
    else:
        position = (process.stages.aggregate(m=Max("position"))["m"] or 0) + 1
    stage = SalesStage.objects.create(process=process, position=position, **values)
    audit_record(
        action=AuditEvent.Action.CREATE, actor=actor, obj=stage, changes=diff({}, _stage_snapshot(stage))
    )
    return stage


@transaction.atomic
def sales_stage_update(
    *,
    actor,
    stage: SalesStage,
    name: str,
    probability,
    required_fields: list[str] | None,
    approval: str,
    approval_threshold=None,
    kind: str | None = None,
) -> SalesStage:
    _require(actor)
    stage = SalesStage.objects.select_for_update().select_related("process").get(pk=stage.pk)
    before = _stage_snapshot(stage)
    where = _g("Stage %(n)d “%(name)s”") % {"n": stage_place(stage), "name": stage.label}
    values = _clean_stage(
        where=where,
        process=stage.process,
        stage=stage,
        name=name,
        probability=probability,
        required_fields=required_fields,
        approval=approval,
        approval_threshold=approval_threshold,
        kind=kind or stage.kind,
    )
    for key, value in values.items():
        setattr(stage, key, value)
    stage.save()
    changes = diff(before, _stage_snapshot(stage))
    if changes:
        audit_record(action=AuditEvent.Action.CHANGE, actor=actor, obj=stage, changes=changes)
    return stage


@transaction.atomic
def sales_stage_move(*, actor, stage: SalesStage, direction: str) -> SalesStage:
    """One place up or down within the process (positions renumbered 0..n-1)."""
    _require(actor)
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Move a stage up or down."), fields={"direction": [_g("Up or down.")]})
    SalesProcess.objects.select_for_update().get(pk=stage.process_id)
    stages = list(SalesStage.objects.filter(process_id=stage.process_id).order_by("position", "pk"))
    index = next(i for i, s in enumerate(stages) if s.pk == stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(stages):
        return stage
    before = [s.name for s in stages]
    stages[index], stages[other] = stages[other], stages[index]
    for position, item in enumerate(stages):
        if item.position != position:
            SalesStage.objects.filter(pk=item.pk).update(position=position)
    moved = next(s for s in stages if s.pk == stage.pk)
    audit_record(
        action=AuditEvent.Action.CHANGE,
        actor=actor,
        obj=moved.process,
        changes={"stage order": [" → ".join(before), " → ".join(s.name for s in stages)]},
        extra={"stage": moved.name, "direction": direction},
    )
    moved.refresh_from_db()
    return moved


def stage_usage(stage: SalesStage) -> dict:
    """How many opportunities sit at the stage (open and closed)."""
    counts = dict(stage.opportunities.values_list("status").annotate(n=Count("pk")).order_by())
    return {"open": counts.get(Opportunity.Status.OPEN, 0), "total": sum(counts.values())}


@transaction.atomic
def sales_stage_delete(*, actor, stage: SalesStage, move_to: SalesStage | None = None) -> int:
    """Delete the stage; opportunities at it are refused (with their count) unless `move_to` names
    another stage of the same process for them. Returns how many were moved."""
    _require(actor)
    stage = SalesStage.objects.select_for_update().select_related("process").get(pk=stage.pk)
    usage = stage_usage(stage)
    where = _g("Stage %(n)d “%(name)s”") % {"n": stage_place(stage), "name": stage.label}
    if usage["total"] and move_to is None:
        raise Conflict(
            _g("%(where)s: %(n)d opportunities sit at this stage (%(open)d open); choose where to move them.")
            % {"where": where, "n": usage["total"], "open": usage["open"]}
        )
    if move_to is not None and (move_to.process_id != stage.process_id or move_to.pk == stage.pk):
        raise ValidationFailed(
            _("The stage could not be deleted."),
            fields={
                "move_to": [
                    _g("%(where)s: move its deals to another stage of the same process.") % {"where": where}
                ]
            },
        )
    remaining = stage.process.stages.exclude(pk=stage.pk).filter(kind=SalesStage.Kind.OPEN)
    if stage.is_open and not remaining.exists() and stage.process.active:
        raise Conflict(_g("%(where)s: an active process keeps at least one stage.") % {"where": where})
    moved = 0
    if move_to is not None:
        moved = Opportunity.objects.filter(stage=stage).update(stage=move_to)
    before = _stage_snapshot(stage)
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        obj=stage,
        changes=diff(before, {}),
        extra={"moved_to": move_to.key if move_to else None, "moved": moved},
    )
    stage.delete()
    return moved
