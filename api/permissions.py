"""Who may call the staff API, and which entity permission each action needs.

Three checks, in this order: (1) the caller is signed in (session or token); (2) the caller is
staff (an employee, a staff user or a superuser: portal customers have no access to this API);
(3) the caller holds the entity permission for the operation (`<app>.<action>_<model>`). Rows are
scoped separately, by the base viewset's `visible_to(user, action)`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from core.memo import remembered
from org.permissions import user_can, viewable_through_tasks


def is_staff_member(user) -> bool:
    """Employees and staff/superusers; everybody else (portal customers) is kept out."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    from org.models import Employee

    return remembered(
        ("active_employee", user.pk), lambda: Employee.objects.filter(user_id=user.pk, active=True).exists()
    )


class IsStaffMember(permissions.BasePermission):
    message = _("The staff API is for employees only.")

    def has_permission(self, request, view):
        return is_staff_member(request.user)


class IsAdmin(permissions.BasePermission):
    message = _("Only administrators may do this.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_superuser)


class EntityPermission(permissions.BasePermission):
    """The per-entity, per-operation permission for the view's model and `view.required_action()`."""

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view):
        model = view.permission_model()
        action = view.required_action()
        if model is None or action is None:
            return True
        if action == "view" and getattr(view, "action", None) == "retrieve" and viewable_through_tasks(model):
            return True  # a task about the record may open it; visible_to decides (404 otherwise)
        return user_can(request.user, model, action)


class ApiDocsAccess(permissions.BasePermission):
    """The schema and its viewers list every endpoint and field: staff only, unless the operator
    publishes them (API_DOCS_PUBLIC)."""

    message = _("Sign in as a member of staff to read the API documentation.")

    def has_permission(self, request, view):
        return settings.API_DOCS_PUBLIC or is_staff_member(request.user)
