"""The staff address book: who works here, where, and how to reach them (selectors and the vCard
export). External contacts stay in the CRM; portal users never reach these pages (portal wall)."""

from __future__ import annotations

import re

from django.db.models import Count, Q, QuerySet

from .models import Department, Employee
from .selectors import group_labels

PAGE_SIZE = 60


def may_browse(user) -> bool:
    """Colleagues and staff accounts see the address book (an API-only or portal account does not)."""
    return bool(user.is_authenticated and (user.is_staff or hasattr(user, "employee")))


def directory(*, query: str = "", department: Department | None = None) -> QuerySet[Employee]:
    """Active employees matching any part of the name, its pinyin (`wf`, `wangfang`), the employee
    number, phone, e-mail, department or position; a department includes its sub-departments."""
    employees = Employee.objects.filter(active=True, user__is_active=True).select_related(
        "department", "position", "user"
    )
    if department is not None:
        employees = employees.filter(department__in=department_with_children(department))
    words = [w for w in re.split(r"\s+", (query or "").strip()) if w][:5]
    for word in words:
        digits = re.sub(r"\D", "", word)
        match = (
            Q(name__icontains=word)
            | Q(user__display_name__icontains=word)
            | Q(name_pinyin__icontains=word.lower())
            | Q(code__iexact=word)
            | Q(email__icontains=word)
            | Q(department__name__icontains=word)
            | Q(position__name__icontains=word)
        )
        if len(digits) >= 3:
            match |= Q(phone__contains=digits) | Q(user__phone__contains=digits)
        employees = employees.filter(match)
    return employees.order_by("department__sort_order", "department__name", "name")


def department_with_children(department: Department) -> list[int]:
    """The department and every department under it (the tree is small: one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, pending = [], [department.pk]
    while pending:
        pk = pending.pop()
        found.append(pk)
        pending.extend(children.get(pk, []))
    return found


def department_choices() -> list[tuple[Department, int, int]]:
    """(department, depth, active people) in tree order, for the filter and the side tree."""
    departments = list(
        Department.objects.annotate(people=Count("employees", filter=Q(employees__active=True))).order_by(
            "sort_order", "name"
        )
    )
    by_parent: dict[int | None, list[Department]] = {}
    for department in departments:
        by_parent.setdefault(department.parent_id, []).append(department)
    ordered: list[tuple[Department, int, int]] = []

    def walk(parent_id, depth):
        for department in by_parent.get(parent_id, []):
            ordered.append((department, depth, department.people))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return ordered


def profile(employee: Employee) -> dict:
    """The profile page: the person, their manager, their direct reports and their groups."""
    reports = list(
        Employee.objects.filter(manager=employee, active=True).select_related("position").order_by("name")
    )
    groups = sorted(group_labels(employee.user.groups.values_list("name", flat=True)).values())
    return {"employee": employee, "manager": employee.manager, "reports": reports, "groups": groups}


def phone_of(employee: Employee) -> str:
    return employee.phone or getattr(employee.user, "phone", "") or ""


def _vcard_text(value: str) -> str:
    return (value or "").replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def vcards(employees) -> str:
    """vCard 3.0 (what phones and mail clients import) of the given employees, CRLF-separated."""
    lines: list[str] = []
    for employee in employees:
        name = employee.name or employee.user.get_full_name()
        lines += ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_vcard_text(name)}", f"N:{_vcard_text(name)};;;;"]
        organisation = employee.department.name if employee.department_id else ""
        lines.append(f"ORG:{_vcard_text(organisation)}")
        if employee.position_id:
            lines.append(f"TITLE:{_vcard_text(employee.position.name)}")
        if phone_of(employee):
            lines.append(f"TEL;TYPE=WORK,VOICE:{_vcard_text(phone_of(employee))}")
        email = employee.email or employee.user.email
        if email:
            lines.append(f"EMAIL;TYPE=INTERNET,WORK:{_vcard_text(email)}")
        lines.append(f"UID:baton-employee-{employee.pk}")
        lines.append("END:VCARD")
    return "\r\n".join(lines) + ("\r\n" if lines else "")
