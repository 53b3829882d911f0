"""Read-only helpers offered to scripts, conditions and owner expressions.

They take and return plain data (user names, group names), never ORM objects: scripts run in the
sandbox and whatever they return may end up in the stored task data.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from org import selectors


def user_by_name(username):
    if username is None or username == "":
        return None
    User = get_user_model()
    if isinstance(username, User):
        return username
    return User.objects.filter(username=str(username), is_active=True).first()


def manager_of(username):
    """The user name of the person's manager (explicit manager, else the department head)."""
    user = user_by_name(username)
    manager = selectors.manager_of(user) if user is not None else None
    return manager.get_username() if manager is not None else None


def department_head(username_or_department):
    """The head of the person's department, or of a department given by code or name."""
    from org.models import Department

    user = user_by_name(username_or_department)
    if user is not None:
        head = selectors.department_head(user)
    else:
        department = Department.objects.filter(code=str(username_or_department)).first() or (
            Department.objects.filter(name=str(username_or_department)).first()
        )
        head = selectors.department_head(department) if department is not None else None
    return head.get_username() if head is not None else None


def members_of(group_name):
    """User names of the active members of a group (nested groups included)."""
    group = Group.objects.filter(name=str(group_name)).first()
    if group is None:
        return []
    return sorted(selectors.members_of(group).values_list("username", flat=True))


def user_exists(username) -> bool:
    return user_by_name(username) is not None


def business_days(days) -> str:
    """Now plus `days` working days (Monday to Friday), as an ISO date-time: a due date such as
    `camunda:dueDate="${business_days(2)}"` that does not fall due over a weekend."""
    from datetime import timedelta

    from django.utils import timezone

    when = timezone.localtime()
    left = max(int(days), 0)
    while left:
        when += timedelta(days=1)
        if when.weekday() < 5:
            left -= 1
    while when.weekday() >= 5:  # asked on a weekend: the count starts on Monday
        when += timedelta(days=1)
    return when.isoformat()


def script_helpers() -> dict:
    return {
        "manager_of": manager_of,
        "department_head": department_head,
        "members_of": members_of,
        "user_exists": user_exists,
        "business_days": business_days,
    }
