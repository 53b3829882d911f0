"""Row writes in SQL generated once per model and column list, for the few writes every request of
a busy path makes (the engine's step: its instance, state, task and history rows).

Through the ORM, composing and compiling an INSERT or UPDATE costs more CPU than PostgreSQL spends
running it; a task completion makes eight of them. These helpers write the same values the ORM
would write (each field's `pre_save` and `get_db_prep_save`, so defaults, `auto_now` and JSON
are handled alike) with a statement built once per process. Like `bulk_create` and
`QuerySet.update`, they send no model signals and skip `Model.save()` overrides: use them only for
models whose writes need neither (the engine's own tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connections


def _quote(using: str):
    return connections[using].ops.quote_name


@cache
def _update_sql(model, attnames: tuple[str, ...], where: tuple[str, ...], using: str) -> str:
    quote = _quote(using)
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    assignments = ", ".join(f"{quote(columns[name])} = %s" for name in attnames)
    condition = " AND ".join(f"{quote(columns[name])} = %s" for name in where)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {condition}"  # noqa: S608 (names from the model)


def _fields(model, names: Iterable[str]):
    meta = model._meta
    return [meta.get_field(name) for name in names]


def update(obj, fields: Sequence[str], *, using: str = "default") -> int:
    """obj.save(update_fields=fields) without the ORM's statement building: the number of rows
    updated (0: the row is gone)."""
    connection = connections[using]
    model_fields = _fields(type(obj), fields)
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in model_fields]
    sql = _update_sql(type(obj), tuple(f.attname for f in model_fields), (obj._meta.pk.attname,), using)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])
        return cursor.rowcount


def update_where(model, values: dict, *, using: str = "default", **equals) -> int:
    """model.objects.filter(**equals).update(**values) for plain column equalities (attnames)."""
    connection = connections[using]
    set_fields, where_fields = _fields(model, values), _fields(model, equals)
    params = [f.get_db_prep_save(v, connection) for f, v in zip(set_fields, values.values(), strict=True)]
    params += [f.get_db_prep_value(v, connection) for f, v in zip(where_fields, equals.values(), strict=True)]
    sql = _update_sql(
        model, tuple(f.attname for f in set_fields), tuple(f.attname for f in where_fields), using
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@cache
def _insert_sql(model, attnames: tuple[str, ...], rows: int, returning: bool, using: str) -> str:
    quote = _quote(using)
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    row = f"({', '.join(['%s'] * len(attnames))})"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(columns[n]) for n in attnames)})"  # noqa: S608
        f" VALUES {', '.join([row] * rows)}"
    )
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql


def insert(objs: Sequence, *, using: str = "default") -> None:
    """Insert new model instances of one model in one statement and set their primary keys, as
    `bulk_create` does (PostgreSQL; SQLite 3.35+ with RETURNING; older SQLite saves them one by one
    through `Model.save`, which reads each new key back)."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    pk = model._meta.pk
    auto_pk = pk.attname if getattr(objs[0], pk.attname) is None else None
    fields = [f for f in model._meta.concrete_fields if f.attname != auto_pk]
    if auto_pk is not None and not connection.features.can_return_rows_from_bulk_insert:
        for obj in objs:  # (SQLite before 3.35: no RETURNING; the ORM reads each new key)
            obj.save(force_insert=True, using=using)
        return
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")  # (as bulk_create checks)
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    sql = _insert_sql(model, tuple(f.attname for f in fields), len(objs), auto_pk is not None, using)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall() if auto_pk is not None else []
    for index, obj in enumerate(objs):
        if auto_pk is not None:
            setattr(obj, auto_pk, keys[index][0])
        obj._state.adding, obj._state.db = False, using
