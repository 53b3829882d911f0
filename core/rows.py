"""Row writes in SQL generated once per model and column list, for the few writes every request of
a busy path makes (the engine's step: its instance, state, task and history rows).

Through the ORM, composing and compiling an INSERT or UPDATE costs more CPU than PostgreSQL spends
running it; a task completion makes eight of them. These helpers write the same values the ORM
would write (each field's `pre_save` and `get_db_prep_save`, so defaults, `auto_now` and JSON
are handled alike) with a statement built once per process. Like `bulk_create` and
`QuerySet.update`, they send no model signals and skip `Model.save()` overrides: use them only for
models whose writes need neither (the engine's own tables).

Inside `batched()`, writes made with `defer=True` are held and sent together: on PostgreSQL as one
statement (each write a data-modifying CTE), elsewhere one by one. They are sent before anything
else touches their tables or makes a savepoint (a rollback to one drops them), ahead of the next
insert that needs its new keys back (as CTEs of that statement), and when the block ends; so the
transaction never reads around them, and a step's writes cost one round trip. An update of an
object whose insert is still held rewrites that insert with the object's new values (the
statements of one WITH do not see each other's rows).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from functools import cache

from django.db import connections, models


class _Batch:
    """The writes held back on one connection (see the module docstring)."""

    def __init__(self, connection):
        self.connection = connection
        self.writes: list[tuple[str, list, str]] = []  # (sql, params, table name)
        self.sending = False
        # Held inserts of one row each, by the object written: an update of that object before
        # they are sent rewrites the insert with its new values instead of following it (the
        # statements of one WITH cannot see each other's rows: the update would find none).
        # (the object is kept with its entry, so that no other object takes its id meanwhile)
        self.inserts: dict[int, tuple[int, object, tuple]] = {}  # id(obj) -> (index, obj, plan)

    def add(self, sql: str, params: list, table: str, *, row=None, plan=None) -> None:
        if row is not None:
            self.inserts[id(row)] = (len(self.writes), row, plan)
        self.writes.append((sql, params, table))

    def rewrite(self, obj) -> bool:
        """Rewrite the held insert of `obj` with its current values; False when none is held."""
        held = self.inserts.get(id(obj))
        if held is None:
            return False
        index, _obj, plan = held
        sql, _params, table = self.writes[index]
        params: list = []
        _field_values(obj, plan, self.connection, params)
        self.writes[index] = (sql, params, table)
        return True

    def drain(self) -> list[tuple[str, list, str]]:
        """The held writes, no longer held (sent or dropped by the caller)."""
        writes, self.writes = self.writes, []
        self.inserts.clear()
        return writes

    def take(self) -> tuple[str, list]:
        """The held writes as the WITH clause of the next statement, and its parameters."""
        writes = self.drain()
        clause = ", ".join(f"w{index} AS ({sql})" for index, (sql, _params, _table) in enumerate(writes))
        return f"WITH {clause} ", [p for _sql, params, _table in writes for p in params]

    def send(self) -> None:
        if not self.writes:
            return
        self.sending = True
        try:
            with self.connection.cursor() as cursor:
                if len(self.writes) > 1 and self.connection.vendor == "postgresql":
                    *others, (sql, params, _table) = self.writes
                    self.writes = others
                    prefix, prefix_params = self.take()
                    cursor.execute(prefix + sql, prefix_params + params)
                else:
                    for sql, params, _table in self.drain():
                        cursor.execute(sql, params)
        finally:
            self.sending = False

    def before(self, execute, sql, params, many, context):
        """Send the held writes before a statement that could see them or a savepoint (so the
        writes held at a rollback to a savepoint were all made after it: they are dropped)."""
        if self.writes and not self.sending:
            head = sql.lstrip()[:10].upper()
            if head.startswith("ROLLBACK"):
                self.drain()
            elif head.startswith(("SAVEPOINT", "RELEASE")) or any(
                table in sql for _sql, _params, table in self.writes
            ):
                self.send()
        return execute(sql, params, many, context)


def _batch(using: str) -> _Batch | None:
    return getattr(connections[using], "_rows_batch", None)


@contextmanager
def batched(*, using: str = "default"):
    """Hold the deferred writes made inside and send them together (see the module docstring).
    Use it inside the transaction (`with transaction.atomic(), rows.batched():`): what is held
    when an exception leaves the block is dropped with the transaction. Nested: the outer block
    sends."""
    connection = connections[using]
    if _batch(using) is not None:
        yield
        return
    batch = _Batch(connection)
    connection._rows_batch = batch
    try:
        with connection.execute_wrapper(batch.before):
            yield
            batch.send()
    finally:
        connection._rows_batch = None


def _run(sql: str, params: list, table: str, *, using: str, defer: bool) -> int | None:
    """Execute a write, or hold it in the open batch (`defer`): None then (no row count yet)."""
    batch = _batch(using)
    if defer and batch is not None:
        batch.add(sql, params, table)
        return None
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


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


def update(obj, fields: Sequence[str], *, using: str = "default", defer: bool = False) -> int | None:
    """obj.save(update_fields=fields) without the ORM's statement building: the number of rows
    updated (0: the row is gone; None: held in the open batch, `defer`)."""
    batch = _batch(using)
    if defer and batch is not None and batch.rewrite(obj):
        return None  # (its insert is still held: it now carries these values)
    attnames = tuple(f.attname for f in _fields(type(obj), fields))
    values: list = []
    _field_values(obj, _plan(type(obj), attnames, using), connections[using], values, add=False)
    sql = _update_sql(type(obj), attnames, (obj._meta.pk.attname,), using)
    return _run(sql, [*values, obj.pk], _table(type(obj)), using=using, defer=defer)


def update_where(model, values: dict, *, using: str = "default", defer: bool = False, **equals) -> int | None:
    """model.objects.filter(**equals).update(**values) for plain column equalities (attnames);
    None when held in the open batch (`defer`)."""
    connection = connections[using]
    set_fields, where_fields = _fields(model, values), _fields(model, equals)
    params = [f.get_db_prep_save(v, connection) for f, v in zip(set_fields, values.values(), strict=True)]
    params += [f.get_db_prep_value(v, connection) for f, v in zip(where_fields, equals.values(), strict=True)]
    sql = _update_sql(
        model, tuple(f.attname for f in set_fields), tuple(f.attname for f in where_fields), using
    )
    return _run(sql, params, _table(model), using=using, defer=defer)


def _table(model) -> str:
    """The table name a statement touching it contains (unquoted: a prefix of another table's name
    matches too, which only sends the held writes earlier)."""
    return model._meta.db_table


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


# Field classes (exactly these, not subclasses) whose conversion for the database leaves a value of
# the listed types as it is: such values skip `pre_save` and `get_db_prep_save` (what the ORM would
# compute is the value itself). Anything else, and every value of another type, takes the ORM's way.
_KEEPS = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
}


def _kept_types(field, connection) -> tuple[type, ...] | None:
    """The value types `field` writes unchanged on `connection` (see _KEEPS), or None."""
    if isinstance(field, models.ForeignKey):
        return _kept_types(field.target_field, connection) if type(field) is models.ForeignKey else None
    ops = connection.ops
    if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        # aware datetimes (checked per value), where the backend passes them through (PostgreSQL)
        probe = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        return (datetime.datetime,) if ops.adapt_datetimefield_value(probe) is probe else None
    kept = _KEEPS.get(type(field))
    if kept and kept[0] is int:
        probe = 10**6 + 1  # (integers are adapted where the driver needs it, e.g. psycopg 3)
        if ops.adapt_integerfield_value(probe, field.get_internal_type()) is not probe:
            return None
    return kept


@cache
def _plan(model, attnames: tuple[str, ...], using: str) -> tuple:
    """(field, attname, types kept unchanged or None) for each column of an insert."""
    connection = connections[using]
    meta = model._meta
    return tuple(
        (field, field.attname, _kept_types(field, connection))
        for field in (meta.get_field(name) for name in attnames)
    )


def _field_values(obj, plan, connection, values: list, *, add: bool = True) -> None:
    """Append what the ORM's insert (`add`) or update would send for `obj` (each field's
    `pre_save`, then `get_db_prep_save`)."""
    for field, attname, kept in plan:
        if kept is not None:
            value = getattr(obj, attname)
            if value is None and field.null:
                values.append(None)
                continue
            if type(value) in kept and (type(value) is not datetime.datetime or value.tzinfo is not None):
                values.append(value)
                continue
        values.append(field.get_db_prep_save(field.pre_save(obj, add), connection))


def insert(objs: Sequence, *, using: str = "default", defer: bool = False) -> None:
    """Insert new model instances of one model in one statement and set their primary keys, as
    `bulk_create` does (PostgreSQL; SQLite 3.35+ with RETURNING; older SQLite saves them one by one
    through `Model.save`, which reads each new key back). `defer`: the caller needs no new key,
    the rows may wait in the open batch (their primary keys stay unset)."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    pk = model._meta.pk
    auto_pk = pk.attname if getattr(objs[0], pk.attname) is None else None
    fields = [f for f in model._meta.concrete_fields if f.attname != auto_pk]
    batch = _batch(using)
    attnames = tuple(f.attname for f in fields)
    plan = _plan(model, attnames, using)
    if defer and batch is not None:
        params = []
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="insert")
            _field_values(obj, plan, connection, params)
        batch.add(
            _insert_sql(model, attnames, len(objs), False, using),
            params,
            _table(model),
            row=objs[0] if len(objs) == 1 and auto_pk is None else None,
            plan=plan,
        )
        for obj in objs:
            obj._state.adding, obj._state.db = False, using
        return
    if auto_pk is not None and not connection.features.can_return_rows_from_bulk_insert:
        for obj in objs:  # (SQLite before 3.35: no RETURNING; the ORM reads each new key)
            obj.save(force_insert=True, using=using)
        return
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")  # (as bulk_create checks)
        _field_values(obj, plan, connection, params)
    sql = _insert_sql(model, attnames, len(objs), auto_pk is not None, using)
    if batch is not None and batch.writes and connection.vendor == "postgresql":
        prefix, prefix_params = batch.take()  # (the held writes ride along, as CTEs)
        sql, params = prefix + sql, prefix_params + params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall() if auto_pk is not None else []
    for index, obj in enumerate(objs):
        if auto_pk is not None:
            setattr(obj, auto_pk, keys[index][0])
        obj._state.adding, obj._state.db = False, using
