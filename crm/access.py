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
from django.db.models.expressions import RawSQL

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


def _involving(user) -> tuple[str, tuple]:
    from engine.selectors import involving_sql

    return involving_sql(user)


def _type_id(model) -> int:
    return ContentType.objects.get_for_model(model).pk


def involved(user, model) -> Q:
    """`model` rows `user` holds, held or is offered a task about."""
    # the SQL is the engine's compiled query and fixed text; every value travels as a parameter
    sql, params = _involving(user)
    query = f'SELECT "bo_id" FROM ({sql}) AS "involving" WHERE "bo_type" = %s'  # noqa: S608
    return Q(pk__in=RawSQL(query, (*params, _type_id(model))))  # noqa: S611


def customers_involved(user) -> Q:
    """The customers `user` works on: a task about the customer, or about one of its records.
    One subquery: the engine's involvement SQL once (a CTE), joined to each record's table."""
    sql, params = _involving(user)
    parts = ['SELECT "bo_id" FROM "involving" WHERE "bo_type" = %s']
    type_ids = [_type_id(apps.get_model("crm.Customer"))]
    for label in CUSTOMER_RECORDS:
        model = apps.get_model(label)
        table, pk = model._meta.db_table, model._meta.pk.column
        customer = model._meta.get_field("customer").column
        # names from the models' metadata, values as parameters
        parts.append(
            f'SELECT r."{customer}" FROM "{table}" r '  # noqa: S608
            f'JOIN "involving" i ON i."bo_id" = r."{pk}" AND i."bo_type" = %s'
        )
        type_ids.append(_type_id(model))
    union = " UNION ".join(parts)
    return Q(pk__in=RawSQL(f'WITH "involving" AS ({sql}) {union}', (*params, *type_ids)))  # noqa: S611
