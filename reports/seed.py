"""Demo saved reports and a dashboard: the sales managers' pipeline and orders, shared with the
sales teams and on the sales managers' home page; service's complaints by category."""

from __future__ import annotations

from django.contrib.auth.models import Group

from org.models import User

from .models import Dashboard, DashboardTile, SavedReport

REPORTS = [
    (
        "wang.fang",
        "销售漏斗（按阶段）",
        "未结商机按阶段的数量与金额。",
        {
            "entity": "opportunity",
            "filters": [{"field": "status", "op": "eq", "value": "open"}],
            "group_by": [{"field": "stage"}],
            "measures": [{"fn": "count"}, {"fn": "sum", "field": "amount"}],
            "chart": "bar",
            "sort": "m1",
            "descending": True,
        },
        ["sales"],
    ),
    (
        "wang.fang",
        "每月订单金额",
        "近一年按下单月份的订单金额。",
        {
            "entity": "order",
            "filters": [{"field": "ordered_on", "op": "last_days", "value": 365}],
            "group_by": [{"field": "ordered_on", "period": "month"}],
            "measures": [{"fn": "sum", "field": "total_amount"}],
            "chart": "line",
        },
        ["sales"],
    ),
    (
        "huang.qiang",
        "投诉（按类别）",
        "",
        {
            "entity": "complaint",
            "group_by": [{"field": "category"}],
            "measures": [{"fn": "count"}],
            "chart": "pie",
        },
        ["service"],
    ),
]


def seed_demo(stdout) -> None:
    saved = {}
    for username, name, description, spec, groups in REPORTS:
        owner = User.objects.filter(username=username).first()
        if owner is None:
            continue
        report, _created = SavedReport.objects.get_or_create(
            owner=owner, name=name, defaults={"description": description, "spec": spec}
        )
        report.shared_with.add(*Group.objects.filter(name__in=groups))
        saved[name] = report
    manager = User.objects.filter(username="wang.fang").first()
    if manager is None or len(saved) < 2:
        return
    board, created = Dashboard.objects.get_or_create(owner=manager, name="销售概览")
    if created:
        DashboardTile.objects.create(
            dashboard=board, report=saved["销售漏斗（按阶段）"], size="medium", position=0
        )
        DashboardTile.objects.create(dashboard=board, report=saved["每月订单金额"], size="medium", position=1)
        board.shared_with.add(*Group.objects.filter(name="sales"))
        board.home_for.add(*Group.objects.filter(name="sales_managers"))
    stdout.write(
        f"  reports: {len(saved)} saved reports, dashboard {board.name} on the sales managers' home page\n"
    )
