"""Org facts and the involvement rule the CRM row rules need besides org.selectors.

`department_chain`: the caller's department chain, remembered by core.memo (once per request, and
across requests until the org chart changes). Groups, row scope and the owners in scope come from
org.selectors (also remembered).

Involvement (DESIGN.md "Additions"): whoever holds, held or is offered a task about a record may
view it, and the customer it belongs to (its card's basics), with or without the entity
permission; the rule is written once here and used by every `visible_to` (UI, API, reports).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from core.memo import remembered
from org.models import Department
from org.selectors import department_ancestors

# The records a task may be about whose customer the task's holder must be able to open.
CUSTOMER_RECORDS = (
    "crm.Order",
    "crm.Opportunity",
    "crm.Contract",
    "crm.Complaint",
    "crm.ServiceRequest",
    "crm.LevelChangeRequest",
)


def department_chain(user) -> list[int]:
    """The user's department and every department above it."""

    def compute() -> tuple[int, ...]:
        department = Department.objects.filter(employees__user_id=user.pk).select_related("parent").first()
        if department is None:
            return ()
        return (department.pk, *(d.pk for d in department_ancestors(department)))

    return list(remembered(("department_chain", user.pk), compute))


def involved_ids(user, model):
    """Subquery: ids of `model` rows `user` holds, held or is offered a task about."""
    from engine.selectors import business_objects_involving

    return business_objects_involving(user, ContentType.objects.get_for_model(model))


def involved(user, model) -> Q:
    return Q(pk__in=involved_ids(user, model))


def customers_involved(user) -> Q:
    """The customers `user` works on: a task about the customer, or about one of its records."""
    condition = involved(user, apps.get_model("crm.Customer"))
    for label in CUSTOMER_RECORDS:
        model = apps.get_model(label)
        condition |= Q(pk__in=model.objects.filter(involved(user, model)).values("customer_id"))
    return condition
