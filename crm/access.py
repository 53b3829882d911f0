"""The org fact CRM row rules need besides org.selectors: the caller's department chain,
remembered by core.memo (once per request, and across requests until the org chart changes).
Groups, row scope and the owners in scope come from org.selectors (also remembered)."""

from __future__ import annotations

from core.memo import remembered
from org.models import Department
from org.selectors import department_ancestors


def department_chain(user) -> list[int]:
    """The user's department and every department above it."""

    def compute() -> tuple[int, ...]:
        department = Department.objects.filter(employees__user_id=user.pk).select_related("parent").first()
        if department is None:
            return ()
        return (department.pk, *(d.pk for d in department_ancestors(department)))

    return list(remembered(("department_chain", user.pk), compute))
