"""Reads of the HR area: whose file a person may open, salaries, and the HR reports' figures.

Row rule (one place): HR (`hr.view_employmentprofile`) sees every employee; anyone else the people
below them in the org chart (their reports, and theirs, ...)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast

from org.models import Department, Employee

from .models import VIEW_FILES, VIEW_SALARY, PersonnelChange


def is_hr(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or user.has_perm(VIEW_FILES)))


def employee_ids_below(user) -> set[int]:
    """The employees below `user` in the org chart (not the person themself)."""
    me = Employee.objects.filter(user_id=getattr(user, "pk", None)).values_list("pk", flat=True).first()
    if me is None:
        return set()
    children: dict[int, list[int]] = defaultdict(list)
    for pk, manager_id in Employee.objects.values_list("pk", "manager_id"):
        if manager_id is not None:
            children[manager_id].append(pk)
    found: set[int] = set()
    stack = list(children.get(me, ()))
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children.get(node, ()))
    return found


def employees_visible_to(user) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return Employee.objects.none()
    if is_hr(user):
        return Employee.objects.all()
    return Employee.objects.filter(pk__in=employee_ids_below(user))


def involved_change_ids(user) -> QuerySet:
    """Personnel changes `user` holds, held or is offered a task on (the approvers)."""
    from engine.selectors.work import tasks_involving_about

    tasks = tasks_involving_about(user, ContentType.objects.get_for_model(PersonnelChange))
    return tasks.annotate(change_id=Cast("business_object_id", BigIntegerField())).values("change_id")


def may_see_salary(user, change: PersonnelChange | None = None) -> bool:
    """The salary permission, or (for one salary adjustment) being one of its approvers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.has_perm(VIEW_SALARY):
        return True
    if change is None:
        return False
    return PersonnelChange.objects.filter(pk=change.pk, pk__in=involved_change_ids(user)).exists()


def employee_file(user, employee_id: int):
    """The employee (with department, position, manager, profile) if `user` may open the file."""
    return (
        employees_visible_to(user)
        .select_related("user", "department", "position", "manager", "hr_profile")
        .filter(pk=employee_id)
        .first()
    )


def file_history(user, employee: Employee) -> dict:
    """What the file page lists under the person: position history, salary history (only with
    the permission), personnel changes with their process instances, documents."""
    from engine.selectors.work import visible_instances_about

    changes = list(
        PersonnelChange.objects.filter(employee=employee).select_related(
            "requested_by", "department", "position"
        )
    )
    # a link only where the instance page will open for this person (took part, or in their scope)
    visible = visible_instances_about(
        user, ContentType.objects.get_for_model(PersonnelChange), [c.pk for c in changes]
    )
    instances = dict(visible.values_list("business_object_id", "pk"))
    for change in changes:
        change.instance_id = instances.get(str(change.pk))
    return {
        "positions": list(
            employee.position_records.select_related("department", "position", "manager", "change")
        ),
        "salaries": list(employee.salary_records.all()) if may_see_salary(user) else None,
        "changes": changes,
        "documents": list(employee.hr_documents.select_related("uploaded_by")),
    }


def employee_list(user, *, query: str = "", department: str = "", status: str = "") -> QuerySet:
    rows = employees_visible_to(user).select_related(
        "department", "position", "manager", "hr_profile", "user"
    )
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(name_pinyin__icontains=query.lower())
        )
    if department:
        rows = rows.filter(department__code=department)
    if status == "left":
        rows = rows.filter(active=False)
    elif status:
        rows = rows.filter(active=True, hr_profile__status=status)
    else:
        rows = rows.filter(active=True)
    return rows.order_by("department__sort_order", "code")


# -- reports ---------------------------------------------------------------------------------------


@dataclass
class DepartmentFigures:
    department: Department
    headcount: int = 0
    joined: int = 0
    left: int = 0
    start_headcount: int = 0

    @property
    def turnover(self) -> float | None:
        """Leavers over the average headcount of the period, in percent."""
        average = (self.start_headcount + self.headcount) / 2
        return round(self.left * 100 / average, 1) if average else None


def _people(user, department_ids=None) -> list[Employee]:
    rows = employees_visible_to(user).select_related("department", "hr_profile")
    if department_ids is not None:
        rows = rows.filter(department_id__in=department_ids)
    return list(rows)


def _left_on(employee: Employee):
    profile = getattr(employee, "hr_profile", None)
    if profile is not None and profile.left_on:
        return profile.left_on
    return None if employee.active else datetime.date.min


def _employed_at(employee: Employee, day: datetime.date) -> bool:
    joined = employee.hire_date or datetime.date.min
    left = _left_on(employee)
    return joined <= day and (left is None or left >= day)


def headcount_by_department(user, *, at: datetime.date, department_ids=None) -> list[DepartmentFigures]:
    """People employed on `at` per department (where the position history places them then)."""
    return turnover_by_department(user, starts_on=at, ends_on=at, department_ids=department_ids)


def _department_at(employee: Employee, day: datetime.date, records: dict) -> int:
    for starts_on, department_id in records.get(employee.pk, ()):
        if starts_on <= day:
            return department_id
    return employee.department_id


def turnover_by_department(
    user, *, starts_on: datetime.date, ends_on: datetime.date, department_ids=None
) -> list[DepartmentFigures]:
    """Per department: headcount at the start and the end, joins and leaves in between, turnover."""
    from .models import PositionRecord

    people = _people(user, department_ids)
    records: dict[int, list] = defaultdict(list)
    for employee_id, day, department_id in (
        PositionRecord.objects.filter(employee_id__in=[p.pk for p in people])
        .values_list("employee_id", "starts_on", "department_id")
        .order_by("-starts_on", "-pk")
    ):
        records[employee_id].append((day, department_id))
    rows = {d.pk: DepartmentFigures(d) for d in Department.objects.all()}
    for person in people:
        left = _left_on(person)
        department_id = _department_at(person, ends_on, records)
        figures = rows.get(department_id)
        if figures is None:
            continue
        if _employed_at(person, ends_on):
            figures.headcount += 1
        start_department = rows.get(_department_at(person, starts_on, records))
        if start_department is not None and _employed_at(person, starts_on):
            start_department.start_headcount += 1
        if person.hire_date and starts_on <= person.hire_date <= ends_on:
            figures.joined += 1
        if left and left != datetime.date.min and starts_on <= left <= ends_on:
            figures.left += 1
    return [f for f in rows.values() if f.headcount or f.start_headcount or f.joined or f.left]


def joins_and_leaves_by_month(
    user, *, starts_on: datetime.date, ends_on: datetime.date, department_ids=None
) -> list[dict]:
    """Hires and leavers per calendar month of the period."""
    months, day = [], starts_on.replace(day=1)
    while day <= ends_on:
        months.append({"month": day.strftime("%Y-%m"), "joined": 0, "left": 0})
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    index = {row["month"]: row for row in months}
    for person in _people(user, department_ids):
        left = _left_on(person)
        for when, key in ((person.hire_date, "joined"), (left, "left")):
            if when and when != datetime.date.min and starts_on <= when <= ends_on:
                index[when.strftime("%Y-%m")][key] += 1
    return months


def probation_ending(user, *, today: datetime.date, within_days: int = 30) -> list[Employee]:
    """People on probation whose probation ends within `within_days` (or has already ended)."""
    return list(
        employees_visible_to(user)
        .filter(
            active=True,
            hr_profile__status="probation",
            hr_profile__probation_ends_on__lte=today + datetime.timedelta(days=within_days),
        )
        .select_related("department", "position", "manager", "hr_profile")
        .order_by("hr_profile__probation_ends_on")
    )
