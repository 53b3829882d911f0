"""Demo HR data: HR's rights over the files (salaries to finance and the HR manager), a file for
every employee with a position and salary record from the hire date, one person on probation
ending soon. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from org.models import Employee

from .models import EmploymentProfile, EmploymentStatus, EmploymentType, PositionRecord, SalaryRecord

HR_CODENAMES = [
    f"{action}_{model}"
    for model in (
        "employmentprofile",
        "personnelchange",
        "employeedocument",
        "positionrecord",
        "salaryrecord",
    )
    for action in ("view", "add", "change")
]
# (group, codenames): HR keeps the files; salaries are seen by finance (sun.hong, the HR manager,
# is in finance) and by each adjustment's approvers.
REPORT = ["view_positionrecord", "export_positionrecord"]
GRANTS = [
    ("hr", [*HR_CODENAMES, *REPORT]),
    ("finance", ["view_salary"]),
    # managers read the HR report for the people below them (hr.selectors' row rule)
    ("sales_managers", REPORT),
    ("sales_directors", REPORT),
    ("management", REPORT),
]
SALARIES = {"CEO": 60000, "SALES-DIR": 38000, "HR-MGR": 26000, "BPM": 24000}
ON_PROBATION = "wu.tao"  # a technician whose probation ends in ten days


def grant_hr_rights() -> None:
    for group_name, codenames in GRANTS:
        group = Group.objects.filter(name=group_name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="hr", codename__in=codenames)
            )


def _hire_date(n: int, today: datetime.date) -> datetime.date:
    """Spread over the last four years (some this year, for the joins-per-month report)."""
    day = datetime.date(today.year - n % 4, 1 + n * 5 % 12, 1)
    return day if day <= today else day.replace(year=day.year - 1)


def seed_demo(stdout) -> None:
    grant_hr_rights()
    today = timezone.localdate()
    made = 0
    for employee in Employee.objects.select_related("position", "user"):
        hired = employee.hire_date or _hire_date(employee.pk, today)
        if employee.hire_date is None:
            Employee.objects.filter(pk=employee.pk).update(hire_date=hired)
        probation = employee.user.username == ON_PROBATION
        _profile, created = EmploymentProfile.objects.get_or_create(
            employee=employee,
            defaults={
                "employment_type": EmploymentType.PROBATION if probation else EmploymentType.REGULAR,
                "status": EmploymentStatus.PROBATION if probation else EmploymentStatus.ACTIVE,
                "contract_type": "fixed_term",
                "contract_starts_on": hired,
                "contract_ends_on": hired.replace(year=hired.year + 3),
                "probation_ends_on": today + datetime.timedelta(days=10) if probation else None,
                "education": "本科 Bachelor",
            },
        )
        if not created:
            continue
        made += 1
        PositionRecord.objects.create(
            employee=employee,
            starts_on=hired,
            department_id=employee.department_id,
            position_id=employee.position_id,
            manager_id=employee.manager_id,
        )
        code = employee.position.code if employee.position else ""
        SalaryRecord.objects.create(
            employee=employee,
            effective_on=hired,
            monthly_salary=Decimal(SALARIES.get(code, 12000 + 500 * (employee.pk % 7))),
            note="入职定薪 Starting salary",
        )
    if made:
        stdout.write(f"  hr: {made} employee files")
    _probation_review(stdout)


def _probation_review(stdout) -> None:
    """HR has asked wu.tao's manager to review the probation (the task waits in huang.qiang's inbox)."""
    from processes.models import StartBinding

    from .models import PersonnelChange
    from .services import probation_review_request

    if not StartBinding.objects.filter(event="hr.probation_review_requested", active=True).exists():
        return
    employee = Employee.objects.filter(user__username=ON_PROBATION).first()
    hr = Employee.objects.filter(user__username="zhu.lin").select_related("user").first()
    if employee is None or hr is None or PersonnelChange.objects.filter(employee=employee).exists():
        return
    probation_review_request(actor=hr.user, employee=employee, reason="试用期即将结束，请评估。")
    stdout.write("  hr: probation review of wu.tao waiting for huang.qiang")
