"""The report catalogue: for each report its title, selector, and how its plain data becomes the
tables and the chart that the page shows and the Excel workbook holds (one source for both, so
the export always has the page's numbers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Campaign, Complaint, Contract, Customer, Opportunity, Order, StockMove
from engine.selectors import ProcessInstance

from . import selectors


@dataclass
class Table:
    title: str
    columns: list[tuple[str, str]]  # (key, header); keys ending in a known suffix pick the format
    rows: list[dict]
    slug: str = ""

    def cells(self) -> list[list]:
        return [[row.get(key) for key, _header in self.columns] for row in self.rows]


@dataclass
class Chart:
    """A Chart.js chart: its type, the category labels and one or more numeric series."""

    kind: str
    labels: list[str]
    series: list[tuple[str, list[float]]]

    def config(self) -> dict:
        return {
            "type": self.kind,
            "labels": self.labels,
            "datasets": [
                {"label": name, "data": [float(v or 0) for v in values]} for name, values in self.series
            ],
        }


@dataclass
class Report:
    slug: str
    title: object
    description: object
    model: type  # the entity whose export permission allows the Excel download
    build: Callable  # (user, filters) -> plain data
    tables: Callable  # data -> list[Table]
    chart: Callable  # data -> Chart | None
    summary: Callable = field(default=lambda data: [])  # data -> [(label, value, format key)]


def _funnel_tables(data):
    return [
        Table(
            _("Sales funnel by stage"),
            [
                ("label", _("Stage")),
                ("count", _("Opportunities")),
                ("amount", _("Amount")),
                ("open", _("Open")),
                ("won", _("Won")),
                ("lost", _("Lost")),
                ("reached", _("Reached the stage")),
                ("conversion", _("Conversion from previous stage")),
            ],
            data["stages"],
            "stages",
        )
    ]


def _funnel_chart(data):
    stages = data["stages"]
    return Chart(
        "bar",
        [s["label"] for s in stages],
        [
            (_("Reached the stage"), [s["reached"] for s in stages]),
            (_("Opportunities"), [s["count"] for s in stages]),
        ],
    )


def _funnel_summary(data):
    return [
        (_("Opportunities"), data["total"], ""),
        (_("Amount"), data["amount"], ""),
        (_("Won"), data["won"], ""),
        (_("Won amount"), data["won_amount"], ""),
        (_("Win rate"), data["win_rate"], "win_rate"),
    ]


def _stage_time_tables(data):
    return [
        Table(
            _("Time at each stage"),
            [
                ("label", _("Stage")),
                ("reached", _("Reached")),
                ("moved_on", _("Moved on or closed")),
                ("average_days", _("Average days before moving on")),
                ("still_there", _("Still there")),
                ("average_days_so_far", _("Average days so far")),
            ],
            data["stages"],
            "stages",
        )
    ]


def _stage_time_chart(data):
    stages = data["stages"]
    return Chart(
        "bar",
        [s["label"] for s in stages],
        [
            (_("Average days before moving on"), [s["average_days"] for s in stages]),
            (_("Average days so far"), [s["average_days_so_far"] for s in stages]),
        ],
    )


def _sales_tables(data):
    return [
        Table(
            _("Sales by month"),
            [("period", _("Month")), ("orders", _("Orders")), ("amount", _("Amount"))],
            data["by_period"],
            "period",
        ),
        Table(
            _("Sales by salesperson"),
            [("salesperson", _("Salesperson")), ("orders", _("Orders")), ("amount", _("Amount"))],
            data["by_salesperson"],
            "salesperson",
        ),
        Table(
            _("Sales by product"),
            [
                ("code", _("Code")),
                ("product", _("Product")),
                ("quantity", _("Quantity")),
                ("amount", _("Amount")),
            ],
            data["by_product"],
            "product",
        ),
    ]


def _sales_chart(data):
    rows = data["by_period"]
    return Chart("line", [r["period"] for r in rows], [(_("Amount"), [r["amount"] for r in rows])])


def _sales_summary(data):
    return [(_("Orders"), data["orders"], ""), (_("Amount"), data["amount"], "")]


def _receivables_tables(data):
    return [
        Table(
            _("Ageing of outstanding amounts (days since signing)"),
            [("bucket", _("Days")), ("outstanding", _("Outstanding"))],
            data["ageing"],
            "ageing",
        ),
        Table(
            _("Contracts with money outstanding"),
            [
                ("contract", _("Contract")),
                ("customer", _("Customer")),
                ("owner", _("Owner")),
                ("signed_on", _("Signed")),
                ("ends_on", _("Until")),
                ("amount", _("Amount")),
                ("paid", _("Paid")),
                ("outstanding", _("Outstanding")),
                ("age_days", _("Age (days)")),
                ("overdue", _("Overdue")),
            ],
            data["contracts"],
            "contracts",
        ),
    ]


def _receivables_chart(data):
    rows = data["ageing"]
    return Chart("bar", [r["bucket"] for r in rows], [(_("Outstanding"), [r["outstanding"] for r in rows])])


def _receivables_summary(data):
    return [
        (_("Contracted"), data["contracted"], ""),
        (_("Paid"), data["paid"], ""),
        (_("Outstanding"), data["outstanding"], ""),
        (_("Overdue"), data["overdue"], ""),
        (_("Overdue contracts"), data["overdue_count"], ""),
    ]


def _counts_table(title, rows, slug, header):
    return Table(title, [("label", header), ("count", _("Count"))], rows, slug)


def _service_tables(data):
    complaints, requests = data["complaints"], data["service_requests"]
    return [
        _counts_table(_("Complaints by status"), complaints["by_status"], "complaint_status", _("Status")),
        _counts_table(
            _("Complaints by category"), complaints["by_category"], "complaint_category", _("Category")
        ),
        _counts_table(
            _("Complaints by satisfaction rating"),
            complaints["by_satisfaction"],
            "complaint_rating",
            _("Rating"),
        ),
        _counts_table(_("Service requests by status"), requests["by_status"], "request_status", _("Status")),
        _counts_table(_("Service requests by kind"), requests["by_kind"], "request_kind", _("Kind")),
        Table(
            _("Technician workload"),
            [("technician", _("Technician")), ("open", _("Open")), ("total", _("Total"))],
            requests["technicians"],
            "technicians",
        ),
    ]


def _service_chart(data):
    rows = data["complaints"]["by_category"]
    return Chart("bar", [str(r["label"]) for r in rows], [(_("Complaints"), [r["count"] for r in rows])])


def _service_summary(data):
    complaints, requests = data["complaints"], data["service_requests"]
    return [
        (_("Complaints"), complaints["total"], ""),
        (_("Resolved"), complaints["resolved"], ""),
        (_("Resolved within SLA"), complaints["sla_met"], ""),
        (_("SLA met rate"), complaints["sla_met_rate"], "sla_met_rate"),
        (_("Average resolution (hours)"), complaints["average_resolution_hours"], ""),
        (_("Average complaint satisfaction"), complaints["average_satisfaction"], ""),
        (_("Service requests"), requests["total"], ""),
        (_("Average service satisfaction"), requests["average_satisfaction"], ""),
    ]


def _campaign_tables(data):
    return [
        Table(
            _("Campaigns"),
            [
                ("name", _("Campaign")),
                ("owner", _("Owner")),
                ("status_label", _("Status")),
                ("starts_on", _("From")),
                ("members", _("Members")),
                ("leads", _("Leads")),
                ("opportunities", _("Opportunities")),
                ("won", _("Won")),
                ("won_amount", _("Won amount")),
                ("cost", _("Cost")),
                ("budget", _("Budget")),
                ("budget_used", _("Budget used")),
                ("roi", _("Return on cost")),
            ],
            data["campaigns"],
            "campaigns",
        )
    ]


def _campaign_chart(data):
    rows = data["campaigns"]
    return Chart(
        "bar",
        [r["name"] for r in rows],
        [(_("Cost"), [r["cost"] for r in rows]), (_("Won amount"), [r["won_amount"] for r in rows])],
    )


def _campaign_summary(data):
    return [
        (_("Campaigns"), len(data["campaigns"]), ""),
        (_("Cost"), data["cost"], ""),
        (_("Won"), data["won"], ""),
        (_("Won amount"), data["won_amount"], ""),
        (_("Return on cost"), data["roi"], "roi"),
    ]


def _process_tables(data):
    return [
        Table(
            _("Processes"),
            [
                ("process", _("Process")),
                ("started", _("Started")),
                ("completed", _("Completed")),
                ("running", _("Running")),
                ("cancelled", _("Cancelled")),
                ("average_hours", _("Average cycle (hours)")),
                ("p90_hours", _("90th percentile cycle (hours)")),
                ("open_incidents", _("Open incidents")),
            ],
            data["processes"],
            "processes",
        ),
        Table(
            _("Overdue tasks per person"),
            [("user", _("Assignee")), ("count", _("Overdue"))],
            data["overdue_by_user"],
            "overdue_user",
        ),
        Table(
            _("Overdue unclaimed tasks per group"),
            [("group", _("Group")), ("count", _("Overdue"))],
            data["overdue_by_group"],
            "overdue_group",
        ),
    ]


def _process_chart(data):
    rows = data["processes"]
    return Chart(
        "bar",
        [r["process"] for r in rows],
        [(_("Started"), [r["started"] for r in rows]), (_("Completed"), [r["completed"] for r in rows])],
    )


def _customer_tables(data):
    return [
        _counts_table(_("Customers by level"), data["by_level"], "level", _("Level")),
        _counts_table(_("Customers by source"), data["by_source"], "source", _("Source")),
        _counts_table(_("Customers by region"), data["by_region"], "region", _("Region")),
    ]


def _customer_chart(data):
    rows = data["by_level"]
    return Chart("doughnut", [str(r["label"]) for r in rows], [(_("Customers"), [r["count"] for r in rows])])


def _inventory_tables(data):
    start, end = data["period"]
    period = f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}" if start and end else ""
    return [
        Table(
            _("Stock per warehouse"),
            [
                ("warehouse", _("Warehouse")),
                ("products", _("Products in stock")),
                ("on_hand", _("On hand")),
                ("reserved", _("Reserved")),
                ("value", _("Value")),
                ("low", _("Below reorder level")),
            ],
            data["by_warehouse"],
            "warehouses",
        ),
        Table(
            _("Stock levels, most valuable first"),
            [
                ("code", _("Code")),
                ("product", _("Product")),
                ("warehouse", _("Warehouse")),
                ("on_hand", _("On hand")),
                ("reserved", _("Reserved")),
                ("available", _("Available")),
                ("reorder_level", _("Reorder level")),
                ("price", _("Price")),
                ("value", _("Value")),
                ("low", _("Below reorder level")),
            ],
            data["levels"],
            "levels",
        ),
        Table(
            _("Movements %(period)s") % {"period": period} if period else _("Movements"),
            [
                ("code", _("Code")),
                ("product", _("Product")),
                ("moves", _("Moves")),
                ("received", _("Received")),
                ("issued", _("Issued")),
                ("transferred", _("Transferred")),
                ("counted", _("Count adjustments")),
                ("net", _("Net change")),
                ("net_value", _("Net change in value")),
            ],
            data["movements"],
            "movements",
        ),
    ]


def _inventory_chart(data):
    rows = data["by_warehouse"]
    return Chart("bar", [r["warehouse"] for r in rows], [(_("Value"), [r["value"] for r in rows])])


def _inventory_summary(data):
    return [
        (_("Stock value"), data["value"], ""),
        (_("On hand"), data["on_hand"], ""),
        (_("Levels below reorder level"), data["low"], ""),
        (_("Moves in the period"), data["moves"], ""),
        (_("Received in the period"), data["received"], ""),
        (_("Issued in the period"), data["issued"], ""),
    ]


REPORTS: dict[str, Report] = {
    report.slug: report
    for report in (
        Report(
            "funnel",
            gettext_lazy("Sales funnel"),
            gettext_lazy("Opportunities per stage, amounts and conversion between stages."),
            Opportunity,
            lambda user, filters: selectors.sales_funnel(user=user, filters=filters),
            _funnel_tables,
            _funnel_chart,
            _funnel_summary,
        ),
        Report(
            "stages",
            gettext_lazy("Time at each stage"),
            gettext_lazy(
                "How long opportunities stay at each stage before moving on, and how long the open "
                "ones have waited so far."
            ),
            Opportunity,
            lambda user, filters: selectors.stage_times(user=user, filters=filters),
            _stage_time_tables,
            _stage_time_chart,
            lambda data: [(_("Stage entries"), data["reached"], "")],
        ),
        Report(
            "sales",
            gettext_lazy("Sales"),
            gettext_lazy("Booked orders by month, salesperson and product."),
            Order,
            lambda user, filters: selectors.sales_report(user=user, filters=filters),
            _sales_tables,
            _sales_chart,
            _sales_summary,
        ),
        Report(
            "receivables",
            gettext_lazy("Receivables"),
            gettext_lazy("Contracts against payments, overdue amounts and ageing."),
            Contract,
            lambda user, filters: selectors.receivables(user=user, filters=filters),
            _receivables_tables,
            _receivables_chart,
            _receivables_summary,
        ),
        Report(
            "campaigns",
            gettext_lazy("Campaigns"),
            gettext_lazy("Members, leads, deals won and their amount against each campaign's cost."),
            Campaign,
            lambda user, filters: selectors.campaign_report(user=user, filters=filters),
            _campaign_tables,
            _campaign_chart,
            _campaign_summary,
        ),
        Report(
            "service",
            gettext_lazy("Service"),
            gettext_lazy(
                "Complaints and service requests: status, category, SLA, resolution time, satisfaction."
            ),
            Complaint,
            lambda user, filters: selectors.service_report(user=user, filters=filters),
            _service_tables,
            _service_chart,
            _service_summary,
        ),
        Report(
            "inventory",
            gettext_lazy("Inventory"),
            gettext_lazy(
                "Stock on hand and its value per warehouse and product, and the movements of the "
                "period (the last 30 days unless you choose one)."
            ),
            StockMove,
            lambda user, filters: selectors.inventory_report(user=user, filters=filters),
            _inventory_tables,
            _inventory_chart,
            _inventory_summary,
        ),
        Report(
            "processes",
            gettext_lazy("Process KPIs"),
            gettext_lazy("Instances started and completed, cycle times, overdue tasks and incidents."),
            ProcessInstance,
            lambda user, filters: selectors.process_kpis(user=user, filters=filters),
            _process_tables,
            _process_chart,
        ),
        Report(
            "customers",
            gettext_lazy("Customers"),
            gettext_lazy("Customers by level, source and region."),
            Customer,
            lambda user, filters: selectors.customer_counts(user=user, filters=filters),
            _customer_tables,
            _customer_chart,
            lambda data: [(_("Customers"), data["total"], "")],
        ),
    )
}


def _hr_report() -> Report:
    from hr.models import PositionRecord

    from . import hr

    return Report(
        "hr",
        gettext_lazy("People (HR)"),
        gettext_lazy("Headcount by department, joins and leaves per month, turnover, probation ending soon."),
        PositionRecord,
        hr.build,
        hr.tables,
        hr.chart,
        hr.summary,
    )


REPORTS["hr"] = _hr_report()
