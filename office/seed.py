"""Demo office data: leave types, this and next year's balances for every employee, three vehicles
and a first notice."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from org.models import Employee

from .models import LeaveBalance, LeaveType, Notice, Vehicle

LEAVE_TYPES = [
    # code, name, days per year, limited by a balance, may start this many days back
    ("annual", "Annual leave 年假", Decimal(10), True, 0),
    ("sick", "Sick leave 病假", Decimal(5), True, 30),
    ("personal", "Personal leave 事假", Decimal(0), False, 0),
]

VEHICLES = [
    ("沪A·12345", "Buick GL8 别克GL8", 7),
    ("沪B·67890", "VW Passat 大众帕萨特", 5),
    ("沪C·24680", "Toyota Hiace 丰田海狮", 12),
]


def seed_demo(stdout) -> None:
    types = []
    for code, name, days, limited, backdate in LEAVE_TYPES:
        leave_type, _created = LeaveType.objects.get_or_create(
            code=code,
            defaults={"name": name, "annual_days": days, "needs_balance": limited, "backdate_days": backdate},
        )
        types.append(leave_type)
    year = timezone.localdate().year
    for employee in Employee.objects.select_related("user"):
        for leave_type in types:
            if not leave_type.needs_balance:
                continue
            for y in (year, year + 1):
                LeaveBalance.objects.get_or_create(
                    user=employee.user,
                    leave_type=leave_type,
                    year=y,
                    defaults={"entitled_days": leave_type.annual_days},
                )
    for plate, name, seats in VEHICLES:
        Vehicle.objects.get_or_create(plate=plate, defaults={"name": name, "seats": seats})
    if not Notice.objects.exists():
        Notice.objects.create(
            kind=Notice.Kind.POLICY,
            title="Leave and vehicle rules 请假与用车制度",
            body="Leave over 3 days needs the department head; "
            "vehicles are booked through the vehicle request.",
            requires_receipt=True,
        )
    _seed_notices()
    _seed_supplies()
    stdout.write(f"  office: {len(types)} leave types, {Vehicle.objects.count()} vehicles")


# title, body, kind, audience department codes, group names, who has read it already
NOTICES = [
    (
        "Q1 sales kick-off 一季度销售启动会",
        "All sales staff meet on Monday 9:00 in the large meeting room 大会议室. Bring your Q1 pipeline.",
        "meeting",
        ["SALES"],
        [],
        ["li.ming", "wang.fang", "zhang.wei"],
    ),
    (
        "New service hotline 客服热线升级",
        "From next week the service hotline 400-820-1234 also answers on Saturdays.",
        "notice",
        [],
        ["service"],
        ["huang.qiang"],
    ),
]


def _seed_notices() -> None:
    """Notices addressed to a department and to a group, some already read (receipts)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from org.models import Department

    from .models import NoticeReceipt

    users = get_user_model().objects
    author = users.filter(username="sun.hong").first()
    for title, body, kind, departments, groups, readers in NOTICES:
        if Notice.objects.filter(title=title).exists():
            continue
        notice = Notice.objects.create(
            title=title, body=body, kind=kind, author=author, requires_receipt=True
        )
        notice.departments.set(Department.objects.filter(code__in=departments))
        notice.groups.set(Group.objects.filter(name__in=groups))
        for reader in users.filter(username__in=readers):
            NoticeReceipt.objects.get_or_create(notice=notice, user=reader)


SUPPLIES = [
    # code, name, unit, stock, reorder level
    ("A4", "A4 paper 复印纸", "box 箱", 12, 5),
    ("PEN-B", "Gel pen, black 黑色中性笔", "pack 盒", 30, 10),
    ("NOTE", "Notebook 笔记本", "piece 本", 40, 15),
    ("TONER", "Printer toner 打印机硒鼓", "piece 个", 2, 2),
    ("STAPLE", "Staples 订书钉", "box 盒", 25, 5),
    ("FOLDER", "File folder 文件夹", "piece 个", 60, 20),
]


def _seed_supplies() -> None:
    """The office shelf, and the warehouse clerk (group `warehouse`) keeps its stock."""
    from django.contrib.auth.models import Group, Permission

    from .models import SupplyItem

    for code, name, unit, stock, reorder in SUPPLIES:
        SupplyItem.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "stock": stock, "reorder_level": reorder}
        )
    keepers = Group.objects.filter(name="warehouse").first()
    if keepers is not None:
        keepers.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="office", codename__in=["view_supplyitem", "change_supplyitem"]
            )
        )
