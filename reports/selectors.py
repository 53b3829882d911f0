"""Read-only report selectors. Each takes the viewing user and `ReportFilters`, reads only rows
`visible_to(user)` lets them see, aggregates in SQL (a fixed number of queries whatever the data
size) and returns plain data: lists of dicts with numbers, ready for a table, a chart or Excel.

A report the user may not see at all (no view permission on its entity) raises `NotPermitted`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.aggregates import Aggregate
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.marketing.selectors import with_campaign_figures
from crm.models import (
    Campaign,
    Complaint,
    Contract,
    Customer,
    Opportunity,
    OpportunityStageSpell,
    Order,
    OrderLine,
    Payment,
    ServiceRequest,
)
from engine.selectors import HumanTask, ProcessInstance
from engine.selectors import reporting as engine_reporting
from org.models import User
from org.permissions import user_can

from .filters import ReportFilters, apply_filters

ZERO = Decimal("0")
RECEIVABLE_CONTRACT_STATUSES = (Contract.Status.SIGNED, Contract.Status.ACTIVE, Contract.Status.CLOSED)
AGEING_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


class NotPermitted(Exception):
    """The user may not see this report's entity at all."""

    code = "not_permitted"


def _require(user, *models) -> None:
    for model in models:
        if not user_can(user, model, "view"):
            raise NotPermitted(_("You may not see %(entity)s.") % {"entity": model._meta.verbose_name_plural})


def _ratio(part, whole) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def _people(ids) -> dict[int, str]:
    """Display names of the users with these ids, in one query."""
    return {
        user.pk: str(user)
        for user in User.objects.filter(pk__in=[i for i in ids if i is not None]).only(
            "pk", "username", "display_name", "first_name", "last_name"
        )
    }


# -- sales funnel ----------------------------------------------------------------------------------


def _each_stage(rows) -> list[tuple[str, str, dict]]:
    """(stage, label, its row of `rows` or {}) for every stage, in the process's order; `rows` are
    aggregates grouped by "stage"."""
    from crm.sales.selectors import funnel_stages

    by_stage = {row["stage"]: row for row in rows}
    return [(value, str(label), by_stage.get(value, {})) for value, label in funnel_stages()]


def sales_funnel(*, user, filters: ReportFilters) -> dict:
    """Opportunities created in the period, per stage of the opportunity process (in its order):
    how many sit at the stage (open / won / lost), their amount, how many reached the stage or a
    later one, and the conversion from the previous stage (reached here / reached previous)."""
    _require(user, Opportunity)
    queryset = apply_filters(Opportunity.objects.visible_to(user), filters, owner="owner", date="created_at")
    rows = (
        queryset.order_by()
        .values("stage")
        .annotate(
            count=Count("pk"),
            sum_amount=Coalesce(Sum("amount"), ZERO),
            open=Count("pk", filter=Q(status=Opportunity.Status.OPEN)),
            won=Count("pk", filter=Q(status=Opportunity.Status.WON)),
            lost=Count("pk", filter=Q(status=Opportunity.Status.LOST)),
            won_amount=Coalesce(Sum("amount", filter=Q(status=Opportunity.Status.WON)), ZERO),
        )
    )
    stages = []
    for value, label, row in _each_stage(rows):
        stages.append(
            {
                "stage": value,
                "label": label,
                "count": row.get("count", 0),
                "amount": row.get("sum_amount", ZERO),
                "open": row.get("open", 0),
                "won": row.get("won", 0),
                "lost": row.get("lost", 0),
                "won_amount": row.get("won_amount", ZERO),
            }
        )
    reached = 0
    for stage in reversed(stages):
        reached += stage["count"]
        stage["reached"] = reached
    for previous, stage in zip([None, *stages], stages, strict=False):
        stage["conversion"] = _ratio(stage["reached"], previous["reached"]) if previous else None
    total = sum(s["count"] for s in stages)
    won = sum(s["won"] for s in stages)
    lost = sum(s["lost"] for s in stages)
    return {
        "stages": stages,
        "total": total,
        "amount": sum((s["amount"] for s in stages), ZERO),
        "won": won,
        "lost": lost,
        "won_amount": sum((s["won_amount"] for s in stages), ZERO),
        "win_rate": _ratio(won, won + lost),
    }


def _days(duration: datetime.timedelta | None) -> float | None:
    return round(duration.total_seconds() / 86400, 1) if duration is not None else None


def stage_times(*, user, filters: ReportFilters) -> dict:
    """For the opportunities of the funnel (created in the period, the user's to see), per stage:
    how many reached it, how many moved on (to another stage, won or lost) and after how many days
    on average, how many are still there and for how long so far. Stage spells are recorded from
    the release that added them on; older opportunities count from their next change."""
    _require(user, Opportunity)
    opportunities = apply_filters(
        Opportunity.objects.visible_to(user), filters, owner="owner", date="created_at"
    )
    spent = ExpressionWrapper(F("left_at") - F("entered_at"), output_field=DurationField())
    now = Value(timezone.now(), output_field=DateTimeField())
    so_far = ExpressionWrapper(now - F("entered_at"), output_field=DurationField())
    left = Q(left_at__isnull=False)
    rows = (
        OpportunityStageSpell.objects.filter(opportunity__in=opportunities.values("pk"))
        .order_by()
        .values("stage")
        .annotate(
            reached=Count("pk"),
            moved_on=Count("pk", filter=left),
            average=Avg(spent, filter=left),
            still_there=Count("pk", filter=~left),
            average_so_far=Avg(so_far, filter=~left),
        )
    )
    stages = []
    for value, label, row in _each_stage(rows):
        stages.append(
            {
                "stage": value,
                "label": label,
                "reached": row.get("reached", 0),
                "moved_on": row.get("moved_on", 0),
                "average_days": _days(row.get("average")),
                "still_there": row.get("still_there", 0),
                "average_days_so_far": _days(row.get("average_so_far")),
            }
        )
    return {"stages": stages, "reached": sum(row["reached"] for row in stages)}


# -- sales -----------------------------------------------------------------------------------------


def _booked_orders(user, filters: ReportFilters):
    queryset = Order.objects.visible_to(user).filter(status__in=Order.BOOKED)
    return apply_filters(queryset, filters, owner="owner", date="ordered_on")


def _orders_by_month_and_owner(user, filters: ReportFilters) -> list[dict]:
    """One pass over the booked orders, grouped by (month, owner): both the by-month and the
    by-salesperson views are sums over these few rows."""
    return list(
        _booked_orders(user, filters)
        .annotate(month=TruncMonth("ordered_on"))
        .order_by()
        .values("month", "owner_id")
        .annotate(orders=Count("pk"), sum_amount=Coalesce(Sum("total_amount"), ZERO))
    )


def _by_month(rows: list[dict]) -> list[dict]:
    months: dict = {}
    for row in rows:
        month = months.setdefault(row["month"], {"orders": 0, "amount": ZERO})
        month["orders"] += row["orders"]
        month["amount"] += row["sum_amount"]
    return [
        {"period": month.strftime("%Y-%m"), "orders": sums["orders"], "amount": sums["amount"]}
        for month, sums in sorted(months.items())
    ]


def _by_owner(rows: list[dict]) -> list[dict]:
    owners: dict = {}
    for row in rows:
        owner = owners.setdefault(row["owner_id"], {"orders": 0, "amount": ZERO})
        owner["orders"] += row["orders"]
        owner["amount"] += row["sum_amount"]
    names = _people(owners)
    result = [
        {
            "salesperson_id": pk,
            "salesperson": names.get(pk, ""),
            "orders": sums["orders"],
            "amount": sums["amount"],
        }
        for pk, sums in owners.items()
    ]
    return sorted(result, key=lambda item: (-item["amount"], item["salesperson_id"]))


def sales_by_period(*, user, filters: ReportFilters) -> list[dict]:
    """Booked orders (approved, shipped or paid) per month of the order date: count and amount."""
    _require(user, Order)
    return _by_month(_orders_by_month_and_owner(user, filters))


def sales_by_salesperson(*, user, filters: ReportFilters) -> list[dict]:
    """Booked orders per salesperson (the order's owner), largest amount first."""
    _require(user, Order)
    return _by_owner(_orders_by_month_and_owner(user, filters))


# A row-scoped viewer's booked orders are few: their ids, listed, let PostgreSQL fetch the lines by
# the order_id index instead of scanning every line (the row rule's OR of subqueries hides how few
# orders there are from the planner). Past this many the subquery is used.
LISTED_ORDERS = 30_000


def _booked_lines(user, filters: ReportFilters):
    """The order lines of the booked orders `user` may see in the period. A viewer who sees every
    order reads the lines by their own `booked_on` index (an index-only scan of the period's lines);
    a row-scoped viewer's lines are those of their booked orders."""
    if Order.objects.row_filter(user, "view") is None:  # (the superuser, or a row scope of all)
        booked = OrderLine.objects.filter(booked_on__isnull=False)
        return apply_filters(booked, filters, owner="order__owner", date="booked_on")
    orders = _booked_orders(user, filters).values("pk")
    ids = list(orders.order_by().values_list("pk", flat=True)[: LISTED_ORDERS + 1])
    return OrderLine.objects.filter(order_id__in=ids if len(ids) <= LISTED_ORDERS else orders)


def sales_by_product(*, user, filters: ReportFilters, limit: int = 50) -> list[dict]:
    """Order lines of booked orders per product: quantity and amount, the `limit` largest."""
    _require(user, Order)
    lines = _booked_lines(user, filters)
    rows = (
        lines.order_by()
        .values("product_id", "product__code", "product__name")
        .annotate(sum_quantity=Coalesce(Sum("quantity"), ZERO), sum_amount=Coalesce(Sum("amount"), ZERO))
        .order_by("-sum_amount", "product_id")[:limit]
    )
    return [
        {
            "product_id": row["product_id"],
            "code": row["product__code"],
            "product": row["product__name"],
            "quantity": row["sum_quantity"],
            "amount": row["sum_amount"],
        }
        for row in rows
    ]


def sales_report(*, user, filters: ReportFilters) -> dict:
    """The three sales views together, with the period's total (orders read once for two views)."""
    _require(user, Order)
    rows = _orders_by_month_and_owner(user, filters)
    by_period = _by_month(rows)
    return {
        "by_period": by_period,
        "by_salesperson": _by_owner(rows),
        "by_product": sales_by_product(user=user, filters=filters),
        "orders": sum(row["orders"] for row in by_period),
        "amount": sum((row["amount"] for row in by_period), ZERO),
    }


# -- campaigns -------------------------------------------------------------------------------------


def campaign_report(*, user, filters: ReportFilters) -> dict:
    """The campaigns the user may see, started in the period (by their owner for the department and
    salesperson filters): members, leads and opportunities they brought, deals won and their
    amount, cost (crm's `with_campaign_figures`) against budget, and the return
    (won amount - cost) / cost. The figures are the whole campaign's, as on its card."""
    _require(user, Campaign)
    figures = ("cost", "members", "leads", "opportunities", "won", "won_amount")
    rows = list(
        with_campaign_figures(
            apply_filters(Campaign.objects.visible_to(user), filters, owner="owner", date="starts_on")
        )
        .order_by(F("starts_on").desc(nulls_last=True), "-pk")
        .values(
            "pk",
            "name",
            "kind",
            "status",
            "starts_on",
            "owner_id",
            "budget",
            *(f"figure_{f}" for f in figures),
        )
    )
    names = _people({row["owner_id"] for row in rows})
    campaigns = []
    for row in rows:
        row.update({name: row.pop(f"figure_{name}") for name in figures})
        campaigns.append(
            {
                **row,
                "owner": names.get(row["owner_id"], ""),
                "status_label": str(Campaign.Status(row["status"]).label),
                "budget_used": _ratio(row["cost"], row["budget"]),
                "roi": _ratio(row["won_amount"] - row["cost"], row["cost"]),
            }
        )
    cost = sum((c["cost"] for c in campaigns), ZERO)
    won_amount = sum((c["won_amount"] for c in campaigns), ZERO)
    return {
        "campaigns": campaigns,
        "cost": cost,
        "won": sum(c["won"] for c in campaigns),
        "won_amount": won_amount,
        "roi": _ratio(won_amount - cost, cost),
    }


# -- receivables -----------------------------------------------------------------------------------


def _bucket_label(low: int, high: int | None) -> str:
    return f"{low}-{high}" if high is not None else f"{low}+"


def receivables(*, user, filters: ReportFilters, today: datetime.date | None = None, limit: int = 50) -> dict:
    """Signed contracts (signed in the period) against the payments booked to them.

    Outstanding = contract amount - payments. Ageing counts days since signing; a contract is
    overdue when its end date has passed with money still outstanding. Payments the user cannot
    see do not reduce the outstanding amount they see (they are not theirs to know about)."""
    _require(user, Contract, Payment)
    today = today or timezone.localdate()
    contracts = apply_filters(
        Contract.objects.visible_to(user).filter(status__in=RECEIVABLE_CONTRACT_STATUSES),
        filters,
        owner="owner",
        date="signed_on",
    )
    paid = (
        Payment.objects.visible_to(user)
        .filter(contract__in=contracts.values("pk"))
        .order_by()
        .values("contract_id")
        .annotate(paid=Sum("amount"))
    )
    paid_by_contract = {row["contract_id"]: row["paid"] for row in paid}
    rows = contracts.order_by("signed_on", "pk").values(
        "pk", "code", "title", "amount", "signed_on", "ends_on", "owner_id", "customer_id", "customer__name"
    )
    buckets = {_bucket_label(low, high): ZERO for low, high in AGEING_BUCKETS}
    owed: list[dict] = []
    totals = {"contracted": ZERO, "paid": ZERO, "outstanding": ZERO, "overdue": ZERO, "overdue_count": 0}
    for row in rows:
        paid_amount = paid_by_contract.get(row["pk"], ZERO)
        outstanding = max(row["amount"] - paid_amount, ZERO)
        totals["contracted"] += row["amount"]
        totals["paid"] += paid_amount
        totals["outstanding"] += outstanding
        if not outstanding:
            continue
        age = (today - row["signed_on"]).days if row["signed_on"] else 0
        for low, high in AGEING_BUCKETS:
            if high is None or age <= high:
                buckets[_bucket_label(low, high)] += outstanding
                break
        overdue = row["ends_on"] is not None and row["ends_on"] < today
        if overdue:
            totals["overdue"] += outstanding
            totals["overdue_count"] += 1
        owed.append(
            {
                "contract": row["code"],
                "title": row["title"],
                "customer": row["customer__name"],
                "owner_id": row["owner_id"],
                "signed_on": row["signed_on"],
                "ends_on": row["ends_on"],
                "amount": row["amount"],
                "paid": paid_amount,
                "outstanding": outstanding,
                "age_days": age,
                "overdue": overdue,
            }
        )
    owed.sort(key=lambda item: (-item["outstanding"], item["contract"]))
    owed = owed[:limit]
    names = _people(item["owner_id"] for item in owed)
    for item in owed:
        item["owner"] = names.get(item.pop("owner_id"), "")
    return {
        **totals,
        "ageing": [{"bucket": label, "outstanding": amount} for label, amount in buckets.items()],
        "contracts": owed,
    }


# -- service ---------------------------------------------------------------------------------------


def _counts(queryset, field: str, choices=None, label_field: str | None = None) -> list[dict]:
    rows = (
        queryset.order_by().values(field, *([label_field] if label_field else [])).annotate(count=Count("pk"))
    )
    if choices is not None:
        found = {row[field]: row["count"] for row in rows}
        return [{"key": value, "label": str(label), "count": found.get(value, 0)} for value, label in choices]
    return sorted(
        (
            {
                "key": row[field],
                "label": (row[label_field] if label_field else row[field]) or "—",
                "count": row["count"],
            }
            for row in rows
        ),
        key=lambda item: (-item["count"], str(item["label"])),
    )


def _hours(duration: datetime.timedelta | None) -> float | None:
    return round(duration.total_seconds() / 3600, 2) if duration is not None else None


def service_report(*, user, filters: ReportFilters) -> dict:
    """Complaints and service requests received in the period (by the customer's manager for the
    salesperson and department filters): by status and category, SLA kept, resolution time and
    satisfaction; service requests by status and kind, technician workload."""
    _require(user, Complaint, ServiceRequest)
    complaints = apply_filters(
        Complaint.objects.visible_to(user), filters, owner="customer__owner", date="created_at"
    )
    # Resolved: resolved and not reopened since (a reopened complaint has no resolved_at until its
    # final resolution). The SLA is measured on complaints with a due date that were resolved, or
    # are past due unresolved: met when resolved by the due date.
    resolved = Q(resolved_at__isnull=False)
    met = resolved & Q(due_at__isnull=False, resolved_at__lte=F("due_at"))
    breached = Q(due_at__isnull=False) & (
        Q(resolved_at__gt=F("due_at")) | Q(resolved_at__isnull=True, due_at__lt=timezone.now())
    )
    summary = complaints.aggregate(
        total=Count("pk"),
        resolved=Count("pk", filter=resolved),
        sla_met=Count("pk", filter=met),
        sla_breached=Count("pk", filter=breached),
        resolution=Avg(
            ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField()),
            filter=resolved,
        ),
        avg_satisfaction=Avg("satisfaction"),
        rated=Count("satisfaction"),
    )
    requests = apply_filters(
        ServiceRequest.objects.visible_to(user), filters, owner="customer__owner", date="created_at"
    )
    request_summary = requests.aggregate(
        total=Count("pk"), avg_satisfaction=Avg("satisfaction"), rated=Count("satisfaction")
    )
    open_statuses = (ServiceRequest.Status.OPEN, ServiceRequest.Status.DISPATCHED)
    workload_rows = list(
        requests.filter(technician__isnull=False)
        .order_by()
        .values("technician_id")
        .annotate(open=Count("pk", filter=Q(status__in=open_statuses)), total=Count("pk"))
        .order_by("-open", "technician_id")
    )
    names = _people(row["technician_id"] for row in workload_rows)
    return {
        "complaints": {
            "total": summary["total"],
            "resolved": summary["resolved"],
            "sla_met": summary["sla_met"],
            "sla_breached": summary["sla_breached"],
            "sla_met_rate": _ratio(summary["sla_met"], summary["sla_met"] + summary["sla_breached"]),
            "average_resolution_hours": _hours(summary["resolution"]),
            "average_satisfaction": round(summary["avg_satisfaction"], 2)
            if summary["avg_satisfaction"]
            else None,
            "rated": summary["rated"],
            "by_status": _counts(complaints, "status", Complaint.Status.choices),
            "by_category": _counts(complaints, "category_id", label_field="category__label"),
            "by_satisfaction": _counts(
                complaints.filter(satisfaction__isnull=False),
                "satisfaction",
                [(i, str(i)) for i in range(1, 6)],
            ),
        },
        "service_requests": {
            "total": request_summary["total"],
            "average_satisfaction": (
                round(request_summary["avg_satisfaction"], 2) if request_summary["avg_satisfaction"] else None
            ),
            "rated": request_summary["rated"],
            "by_status": _counts(requests, "status", ServiceRequest.Status.choices),
            "by_kind": _counts(requests, "kind", ServiceRequest.Kind.choices),
            "technicians": [
                {
                    "technician": names.get(row["technician_id"], ""),
                    "open": row["open"],
                    "total": row["total"],
                }
                for row in workload_rows
            ],
        },
    }


# -- process KPIs ----------------------------------------------------------------------------------


class _Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(f) WITHIN GROUP (ORDER BY expr)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _p90_by_key(completed) -> dict[str, datetime.timedelta | None]:
    cycle = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        rows = completed.order_by().values("key").annotate(p90=_Percentile(cycle, 0.9))
        return {row["key"]: row["p90"] for row in rows}
    # Elsewhere (the embedded SQLite demo) the durations are few enough to rank in Python.
    durations: dict[str, list[datetime.timedelta]] = {}
    for key, started, ended in completed.order_by().values_list("key", "started_at", "ended_at"):
        durations.setdefault(key, []).append(ended - started)
    result = {}
    for key, values in durations.items():
        values.sort()
        position = 0.9 * (len(values) - 1)
        low = int(position)
        high = min(low + 1, len(values) - 1)
        result[key] = values[low] + (values[high] - values[low]) * (position - low)
    return result


def process_kpis(*, user, filters: ReportFilters, now: datetime.datetime | None = None) -> dict:
    """Per process (instances started in the period, by who started them): started, completed,
    running, cancelled, average and 90th-percentile cycle time of the completed ones, open incidents;
    open tasks now overdue per assignee and per candidate group."""
    _require(user, ProcessInstance)
    now = now or timezone.now()
    instances = apply_filters(
        engine_reporting.visible_instances(user), filters, owner="started_by", date="started_at"
    )
    done = Q(status=ProcessInstance.Status.COMPLETED, ended_at__isnull=False)
    cycle = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    rows = (
        instances.order_by()
        .values("key")
        .annotate(
            started=Count("pk"),
            completed=Count("pk", filter=done),
            running=Count(
                "pk", filter=Q(status__in=(ProcessInstance.Status.RUNNING, ProcessInstance.Status.ERROR))
            ),
            cancelled=Count("pk", filter=Q(status=ProcessInstance.Status.CANCELLED)),
            average=Avg(cycle, filter=done),
        )
        .order_by("key")
    )
    p90 = _p90_by_key(instances.filter(done))
    incidents = engine_reporting.open_incidents_by_key(instances)
    processes = [
        {
            "process": row["key"],
            "started": row["started"],
            "completed": row["completed"],
            "running": row["running"],
            "cancelled": row["cancelled"],
            "average_hours": _hours(row["average"]),
            "p90_hours": _hours(p90.get(row["key"])),
            "open_incidents": incidents.get(row["key"], 0),
        }
        for row in rows
    ]
    tasks = apply_filters(engine_reporting.visible_tasks(user), filters, owner="assignee", date=None)
    overdue = tasks.filter(status=HumanTask.Status.READY, due_at__lt=now)
    per_user = list(
        overdue.filter(assignee__isnull=False)
        .order_by()
        .values("assignee_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "assignee_id")
    )
    names = _people(row["assignee_id"] for row in per_user)
    per_group = engine_reporting.open_tasks_by_group(overdue.filter(assignee__isnull=True))
    return {
        "processes": processes,
        "overdue_by_user": [
            {"user": names.get(row["assignee_id"], ""), "count": row["count"]} for row in per_user
        ],
        "overdue_by_group": [{"group": row["group__name"], "count": row["count"]} for row in per_group],
    }


# -- customers -------------------------------------------------------------------------------------


def customer_counts(*, user, filters: ReportFilters) -> dict:
    """Customers created in the period (by their customer manager) per level, source and region."""
    _require(user, Customer)
    customers = apply_filters(Customer.objects.visible_to(user), filters, owner="owner", date="created_at")
    return {
        "total": customers.count(),
        "by_level": _counts(customers, "level_id", label_field="level__name"),
        "by_source": _counts(customers, "source_id", label_field="source__label"),
        "by_region": _counts(customers, "region_id", label_field="region__label"),
    }


# -- inventory -------------------------------------------------------------------------------------

INVENTORY_DEFAULT_DAYS = 30


def _inventory_period(filters: ReportFilters) -> ReportFilters:
    """The period of the movements: the filter's, else the last 30 days (the whole ledger of a
    busy warehouse is years of rows; a period keeps the page quick and the figures current)."""
    if filters.date_from or filters.date_to:
        return filters
    today = timezone.localdate()
    return ReportFilters(date_from=today - datetime.timedelta(days=INVENTORY_DEFAULT_DAYS - 1), date_to=today)


def inventory_report(*, user, filters: ReportFilters, limit: int = 200) -> dict:
    """Stock now (per warehouse, and the `limit` most valuable product x warehouse levels, value =
    on hand x the product's base price) and the movements of the period per product (received,
    issued, transferred, counted). Reads only what the user may see; a fixed number of queries."""
    from crm.models import Product, StockLevel, StockMove

    _require(user, Product, StockLevel, StockMove)
    value = ExpressionWrapper(F("on_hand") * F("product__price"), output_field=DecimalField())
    levels = StockLevel.objects.visible_to(user)
    by_warehouse = [
        {
            "warehouse": row["warehouse__name"],
            "products": row["products"],
            "on_hand": row["total_on_hand"] or ZERO,
            "reserved": row["total_reserved"] or ZERO,
            "value": row["total_value"] or ZERO,
            "low": row["low_levels"],
        }
        for row in levels.order_by()
        .values("warehouse__name")
        .annotate(
            products=Count("pk", filter=Q(on_hand__gt=0)),
            total_value=Sum(value),
            total_on_hand=Sum("on_hand"),
            total_reserved=Sum("reserved"),
            low_levels=Count("pk", filter=Q(low=True)),
        )
        .order_by("warehouse__name")
    ]
    top = [
        {
            "code": row["product__code"],
            "product": row["product__name"],
            "warehouse": row["warehouse__name"],
            "on_hand": row["on_hand"],
            "reserved": row["reserved"],
            "available": row["on_hand"] - row["reserved"],
            "reorder_level": row["reorder_level"],
            "price": row["product__price"],
            "value": row["value"],
            "low": row["low"],
        }
        for row in levels.filter(on_hand__gt=0)
        .annotate(value=value)
        .order_by("-value", "product__code", "warehouse__name")
        .values(
            "product__code",
            "product__name",
            "warehouse__name",
            "on_hand",
            "reserved",
            "reorder_level",
            "product__price",
            "value",
            "low",
        )[:limit]
    ]
    period = _inventory_period(filters)
    moves = apply_filters(StockMove.objects.visible_to(user), period, owner=None, date="at").order_by()
    kinds = StockMove.Kind

    def qty(kind):
        return Coalesce(Sum("quantity", filter=Q(kind=kind)), ZERO)

    # one pass over the period's moves: every product's figures, the totals summed from them
    all_products = list(
        moves.values("product_id").annotate(
            moves=Count("pk"),
            received=qty(kinds.IN),
            issued=qty(kinds.OUT),
            transferred=qty(kinds.TRANSFER_IN),
            counted=qty(kinds.COUNT),
            net=Coalesce(Sum("quantity"), ZERO),
        )
    )
    totals = {key: sum((row[key] for row in all_products), ZERO) for key in ("received", "issued", "counted")}
    totals["moves"] = sum(row["moves"] for row in all_products)
    per_product = sorted(all_products, key=lambda row: (-row["moves"], row["product_id"]))[:limit]
    ids = [row["product_id"] for row in per_product]
    names = {p.pk: p for p in Product.objects.filter(pk__in=ids).only("code", "name", "price")}
    movements = []
    for row in per_product:
        product = names.get(row["product_id"])
        movements.append(
            {
                "code": product.code if product else "",
                "product": product.name if product else "",
                "moves": row["moves"],
                "received": row["received"],
                "issued": -row["issued"],
                "transferred": row["transferred"],
                "counted": row["counted"],
                "net": row["net"],
                "net_value": row["net"] * (product.price if product else ZERO),
            }
        )
    return {
        "period": (period.date_from, period.date_to),
        "by_warehouse": by_warehouse,
        "levels": top,
        "movements": movements,
        "value": sum((w["value"] for w in by_warehouse), ZERO),
        "on_hand": sum((w["on_hand"] for w in by_warehouse), ZERO),
        "low": sum(w["low"] for w in by_warehouse),
        "moves": totals["moves"],
        "received": totals["received"],
        "issued": -totals["issued"],
        "counted": totals["counted"],
    }
