"""The HR report (/reports/hr/): headcount by department at the period's end, joins and leaves per
month, turnover by department, probation ending soon. Row rule of hr.selectors: HR sees everyone,
a manager the people below them."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from hr import selectors as hr
from org.selectors import department_ids_below

from .catalogue import Chart, Table


def build(user, filters) -> dict:
    today = timezone.localdate()
    ends_on = filters.date_to or today
    starts_on = filters.date_from or ends_on.replace(month=1, day=1)
    departments = department_ids_below([filters.department_id]) if filters.department_id else None
    figures = hr.turnover_by_department(
        user, starts_on=starts_on, ends_on=ends_on, department_ids=departments
    )
    rows = [
        {
            "department": str(f.department),
            "start_headcount": f.start_headcount,
            "headcount": f.headcount,
            "joined": f.joined,
            "left": f.left,
            "turnover_pct": f.turnover,
        }
        for f in figures
    ]
    starting = sum(r["start_headcount"] for r in rows)
    headcount = sum(r["headcount"] for r in rows)
    left = sum(r["left"] for r in rows)
    average = (starting + headcount) / 2
    probation = [
        {
            "name": e.name,
            "department": str(e.department),
            "manager": str(e.manager or ""),
            "probation_ends_on": e.hr_profile.probation_ends_on,
        }
        for e in hr.probation_ending(user, today=today, within_days=30)
        if departments is None or e.department_id in departments
    ]
    return {
        "starts_on": starts_on,
        "ends_on": ends_on,
        "departments": rows,
        "months": hr.joins_and_leaves_by_month(
            user, starts_on=starts_on, ends_on=ends_on, department_ids=departments
        ),
        "probation": probation,
        "headcount": headcount,
        "joined": sum(r["joined"] for r in rows),
        "left": left,
        "turnover_pct": round(left * 100 / average, 1) if average else None,
    }


def tables(data) -> list[Table]:
    return [
        Table(
            _("Headcount and turnover by department"),
            [
                ("department", _("Department")),
                ("start_headcount", _("Headcount at the start")),
                ("headcount", _("Headcount at the end")),
                ("joined", _("Joined")),
                ("left", _("Left")),
                ("turnover_pct", _("Turnover (%)")),
            ],
            data["departments"],
            "departments",
        ),
        Table(
            _("Joins and leaves per month"),
            [("month", _("Month")), ("joined", _("Joined")), ("left", _("Left"))],
            data["months"],
            "months",
        ),
        Table(
            _("Probation ending within 30 days"),
            [
                ("name", _("Employee")),
                ("department", _("Department")),
                ("manager", _("Manager")),
                ("probation_ends_on", _("Probation end")),
            ],
            data["probation"],
            "probation",
        ),
    ]


def chart(data) -> Chart | None:
    months = data["months"]
    if not months:
        return None
    return Chart(
        "bar",
        [m["month"] for m in months],
        [(_("Joined"), [m["joined"] for m in months]), (_("Left"), [m["left"] for m in months])],
    )


def summary(data) -> list:
    return [
        (_("Headcount on %(date)s") % {"date": data["ends_on"].isoformat()}, data["headcount"], ""),
        (_("Joined"), data["joined"], ""),
        (_("Left"), data["left"], ""),
        (_("Turnover (%)"), data["turnover_pct"] if data["turnover_pct"] is not None else "—", ""),
    ]
