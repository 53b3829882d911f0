"""Administration > Sales operations (crm.manage_sales): the sales processes, each with its own
ordered stages (probability, fields required before leaving, approval rule, won/lost ends).
Reads here, writes through crm.sales.services (they check the actor and audit the diff)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from crm.models import ChoiceList, ChoiceOption, CustomerLevel, CustomerPool, SalesProcess, SalesStage
from crm.sales.services.processes import (
    sales_process_create,
    sales_process_update,
    sales_stage_add,
    sales_stage_delete,
    sales_stage_move,
    sales_stage_update,
    stage_place,
    stage_usage,
)
from crm.sales.stage_forms import field_choices
from crm.selectors.levels import level_suggestions
from crm.services.levels import customer_level_criteria_update
from crm.services.pools import POOL_RULES, pool_rules_update
from org.models import Department

from . import field, general_errors, located, pk_or_none, section_required

SALES = "sales"


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _process_fields(values: dict, errors: dict, *, editing: bool) -> list[dict]:
    types = ChoiceOption.objects.filter(choice_list=ChoiceList.TYPE, active=True).order_by("sort_order")
    fields = [
        field("name", _("Name"), value=values.get("name"), errors=errors, required=True, maxlength=100),
        field(
            "description", _("Description"), kind="textarea", value=values.get("description"), errors=errors
        ),
        field(
            "customer_types",
            _("Used for customers of the types"),
            kind="checks",
            value=[str(v) for v in values.get("customer_types", [])],
            choices=[(t.pk, t.label) for t in types],
            errors=errors,
        ),
        field(
            "departments",
            _("Used by the departments"),
            kind="checks",
            value=[str(v) for v in values.get("departments", [])],
            choices=Department.objects.order_by("name").values_list("pk", "name")[:200],
            errors=errors,
            help=_(
                "A new opportunity follows the process of its customer's type, else of its owner's "
                "department, else the default."
            ),
        ),
    ]
    if editing:
        fields += [
            field("active", _("Active"), kind="bool", value=values.get("active"), errors=errors),
            field(
                "is_default", _("Default process"), kind="bool", value=values.get("is_default"), errors=errors
            ),
        ]
    return fields


def _post_process_values(post) -> dict:
    return {
        "name": post.get("name", "").strip(),
        "description": post.get("description", "")[:4000],
        "customer_types": _ids(post.getlist("customer_types")),
        "departments": _ids(post.getlist("departments")),
        "active": post.get("active") == "on",
        "is_default": post.get("is_default") == "on",
    }


@section_required(SALES)
def processes(request):
    rows = SalesProcess.objects.annotate(
        stage_count=Count("stages", distinct=True),
        open_deals=Count(
            "stages__opportunities", filter=Q(stages__opportunities__status="open"), distinct=True
        ),
    ).order_by("-is_default", "sort_order", "name")
    return render(request, "tasklist/admin/sales_processes.html", {"processes": rows})


@section_required(SALES)
def process_form(request, pk: int | None = None):
    process = get_object_or_404(SalesProcess, pk=pk) if pk else None
    errors: dict = {}
    if request.method == "POST":
        values = _post_process_values(request.POST)
        try:
            if process is None:
                process = sales_process_create(
                    actor=request.user,
                    **{k: v for k, v in values.items() if k not in ("active", "is_default")},
                )
                messages.success(request, _("Saved. Add its stages, then switch it on."))
            else:
                sales_process_update(actor=request.user, process=process, **values)
                messages.success(request, _("Saved."))
        except DomainError as error:
            errors = located(error)
        else:
            return redirect("manage:sales_process", pk=process.pk)
    elif process is not None:
        values = {
            "name": process.name,
            "description": process.description,
            "customer_types": list(process.customer_types.values_list("pk", flat=True)),
            "departments": list(process.departments.values_list("pk", flat=True)),
            "active": process.active,
            "is_default": process.is_default,
        }
    else:
        values = {}
    fields = _process_fields(values, errors, editing=process is not None)
    context = {
        "process": process,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/sales_process_form.html", context, status=400 if errors else 200)


def _stage_fields(values: dict, errors: dict) -> list[dict]:
    return [
        field("name", _("Name"), value=values.get("name"), errors=errors, required=True, maxlength=100),
        field(
            "probability",
            _("Win probability %"),
            value=values.get("probability", 10),
            errors=errors,
            required=True,
            maxlength=3,
        ),
        field(
            "required_fields",
            _("Required before leaving the stage"),
            kind="checks",
            value=list(values.get("required_fields", [])),
            choices=field_choices(),
            errors=errors,
            help=_("The owner fills these in on the stage task before the deal moves on."),
        ),
        field(
            "approval",
            _("Leaving the stage needs the manager's approval"),
            kind="select",
            value=values.get("approval", SalesStage.Approval.NONE),
            choices=SalesStage.Approval.choices,
            errors=errors,
            required=True,
        ),
        field(
            "approval_threshold",
            _("Approval threshold (amount in ¥, or discount %)"),
            value=values.get("approval_threshold") or "",
            errors=errors,
            maxlength=20,
        ),
        field(
            "kind",
            _("Kind"),
            kind="select",
            value=values.get("kind", SalesStage.Kind.OPEN),
            choices=SalesStage.Kind.choices,
            errors=errors,
            required=True,
        ),
    ]


def _post_stage_values(post) -> dict:
    return {
        "name": post.get("name", "").strip()[:200],
        "probability": post.get("probability", "").strip()[:10],
        "required_fields": [v[:60] for v in post.getlist("required_fields")][:50],
        "approval": post.get("approval", SalesStage.Approval.NONE),
        "approval_threshold": post.get("approval_threshold", "").strip()[:30] or None,
        "kind": post.get("kind", SalesStage.Kind.OPEN),
    }


@section_required(SALES)
def process_detail(request, pk: int):
    """The process and its stages in order, with the form to add one."""
    process = get_object_or_404(SalesProcess, pk=pk)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = _post_stage_values(request.POST)
        try:
            sales_stage_add(actor=request.user, process=process, **values)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Stage added."))
            return redirect("manage:sales_process", pk=process.pk)
    stages = list(
        process.stages.annotate(
            open_deals=Count("opportunities", filter=Q(opportunities__status="open"))
        ).order_by("position", "pk")
    )
    labels = dict(field_choices())
    for stage in stages:
        stage.required_labels = [labels.get(f, f) for f in stage.required_fields or []]
    fields = _stage_fields(values, errors)
    context = {
        "process": process,
        "stages": stages,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
        "customer_types": list(process.customer_types.all()),
        "departments": list(process.departments.all()),
    }
    return render(request, "tasklist/admin/sales_process_detail.html", context, status=400 if errors else 200)


@section_required(SALES)
def stage_form(request, pk: int):
    stage = get_object_or_404(SalesStage.objects.select_related("process"), pk=pk)
    errors: dict = {}
    if request.method == "POST":
        values = _post_stage_values(request.POST)
        try:
            sales_stage_update(actor=request.user, stage=stage, **values)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:sales_process", pk=stage.process_id)
    else:
        values = {
            "name": stage.name,
            "probability": stage.probability,
            "required_fields": stage.required_fields or [],
            "approval": stage.approval,
            "approval_threshold": stage.approval_threshold,
            "kind": stage.kind,
        }
    fields = _stage_fields(values, errors)
    usage = stage_usage(stage)
    others = [s for s in stage.process.stages.order_by("position", "pk") if s.pk != stage.pk]
    context = {
        "stage": stage,
        "place": stage_place(stage),
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
        "usage": usage,
        "others": others,
    }
    return render(request, "tasklist/admin/sales_stage_form.html", context, status=400 if errors else 200)


@require_POST
@section_required(SALES)
def stage_action(request, pk: int):
    """Move a stage up or down, or delete it (moving its deals to another stage when asked)."""
    stage = get_object_or_404(SalesStage.objects.select_related("process"), pk=pk)
    process_pk = stage.process_id
    action = request.POST.get("action")
    try:
        if action in ("up", "down"):
            sales_stage_move(actor=request.user, stage=stage, direction=action)
        elif action == "delete":
            target_pk = pk_or_none(request.POST.get("move_to"))
            target = SalesStage.objects.filter(pk=target_pk).first() if target_pk else None
            moved = sales_stage_delete(actor=request.user, stage=stage, move_to=target)
            if moved:
                messages.success(
                    request,
                    _("Stage deleted; %(n)d opportunities moved to “%(stage)s”.")
                    % {"n": moved, "stage": target.label},
                )
            else:
                messages.success(request, _("Stage deleted."))
    except DomainError as error:
        for ms in located(error).values():
            for m in ms:
                messages.error(request, m)
        if action == "delete":
            return redirect("manage:sales_stage", pk=stage.pk)
    return redirect("manage:sales_process", pk=process_pk)


# --- customer pools (公海) -------------------------------------------------------------------------

# (read when a page is drawn, in the reader's language: lazy)
POOL_LABELS = {
    "claim_limit": (gettext_lazy("Customers one person may hold from this pool"), True),
    "daily_claim_quota": (gettext_lazy("Claims per person per day"), False),
    "reclaim_cooldown_days": (gettext_lazy("Days before a former owner may claim again"), False),
    "days_without_follow_up": (gettext_lazy("Return to the pool after days without follow-up"), False),
    "days_without_won_deal": (gettext_lazy("Return to the pool after days without a won deal"), False),
    "warn_days_before_recycle": (gettext_lazy("Warn the owner this many days before"), False),
}


@section_required(SALES)
def pools(request):
    rows = CustomerPool.objects.order_by("-is_default", "code")
    return render(request, "tasklist/admin/sales_pools.html", {"pools": rows, "rules": POOL_RULES})


@section_required(SALES)
def pool_form(request, pk: int):
    pool = get_object_or_404(CustomerPool, pk=pk)
    errors: dict = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "")[:10] for name in POOL_RULES}
        protect = request.POST.get("protect_open_opportunities") == "on"
        try:
            pool_rules_update(
                actor=request.user, pool=pool, values=values, protect_open_opportunities=protect
            )
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:sales_pools")
    else:
        values = {name: getattr(pool, name) for name in POOL_RULES}
        protect = pool.protect_open_opportunities
    fields = [
        field(
            name,
            label,
            value=values.get(name),
            errors=errors,
            required=required,
            maxlength=5,
            help=_("Empty: no such rule.") if not required else "",
        )
        for name, (label, required) in POOL_LABELS.items()
    ]
    fields.append(
        field(
            "protect_open_opportunities",
            _("Keep customers with open opportunities"),
            kind="bool",
            value=protect,
            errors=errors,
        )
    )
    context = {
        "pool": pool,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/sales_pool_form.html", context, status=400 if errors else 200)


# --- customer levels and their criteria ------------------------------------------------------------


@section_required(SALES)
def levels(request):
    rows = CustomerLevel.objects.order_by("sort_order", "code")
    return render(request, "tasklist/admin/sales_levels.html", {"levels": rows})


@section_required(SALES)
def level_form(request, pk: int):
    level = get_object_or_404(CustomerLevel, pk=pk)
    errors: dict = {}
    if request.method == "POST":
        values = {
            "criteria": request.POST.get("criteria", "")[:2000],
            "min_yearly_amount": request.POST.get("min_yearly_amount", "")[:30],
            "min_yearly_orders": request.POST.get("min_yearly_orders", "")[:10],
        }
        try:
            customer_level_criteria_update(actor=request.user, level=level, **values)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("manage:sales_levels")
    else:
        values = {
            "criteria": level.criteria,
            "min_yearly_amount": level.min_yearly_amount,
            "min_yearly_orders": level.min_yearly_orders,
        }
    fields = [
        field("criteria", _("Criteria in words"), kind="textarea", value=values["criteria"], errors=errors),
        field(
            "min_yearly_amount",
            _("Yearly order amount from (¥)"),
            value=values["min_yearly_amount"] or "",
            errors=errors,
            maxlength=20,
            help=_("Booked orders of the last 365 days. Empty: not a criterion."),
        ),
        field(
            "min_yearly_orders",
            _("Yearly number of orders from"),
            value=values["min_yearly_orders"] if values["min_yearly_orders"] is not None else "",
            errors=errors,
            maxlength=6,
            help=_("Either criterion met is enough."),
        ),
    ]
    context = {
        "level": level,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/sales_level_form.html", context, status=400 if errors else 200)


@section_required(SALES)
def level_suggestion_list(request):
    """Customers whose last year meets a higher level's criteria, each linking to its card, where
    the level change is requested (the level-change process decides it)."""
    rows = level_suggestions(user=request.user)
    return render(request, "tasklist/admin/sales_level_suggestions.html", {"rows": rows})
