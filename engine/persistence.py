"""The engine's hand-built SQL, in one place: the read every task step starts with, and the
few reads whose best plan the ORM cannot express. Nothing outside `engine` imports this module
(an import-linter contract); its equivalence with the ORM is tested in tests/engine/test_persistence.py.

Completing, claiming or delegating a task first locks its instance (with the definition, the
state and the starter) and reads the task with the instance's other open tasks, in one statement.
Built through the ORM, composing and compiling those reads cost more CPU than anything else in a
completion (about 2.5 ms of ~13, measured in process; docs/benchmarks.md). The statements here are generated
from the models' metadata on first use, so they follow the models; rows become model instances
through the fields' own database converters, as the ORM's would.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.db import connections

from org.models import GroupProfile

from .models import DefinitionVersion, HumanTask, HumanTaskCandidate, InstanceState, ProcessInstance


class _Columns:
    """A model's concrete columns under a table alias (some fields left deferred), and the turning of
    a row's slice back into an instance."""

    def __init__(self, model, alias: str, *, defer: tuple[str, ...] = ()):
        self.model, self.alias = model, alias
        self.fields = [f for f in model._meta.concrete_fields if f.attname not in defer]
        self.attnames = [f.attname for f in self.fields]

    def sql(self, quote, *, only_when: str = "") -> str:
        """The columns; with `only_when`, each is NULL on rows where that condition is false."""
        columns = [f"{quote(self.alias)}.{quote(f.column)}" for f in self.fields]
        if only_when:
            columns = [f"CASE WHEN {only_when} THEN {column} END" for column in columns]
        return ", ".join(columns)

    @cache  # noqa: B019 (one per model and database alias, for the life of the process)
    def converters(self, using: str) -> list[tuple[int, list, object]]:
        connection = connections[using]
        found = []
        for index, field in enumerate(self.fields):
            column = field.get_col(self.alias)
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if functions:
                found.append((index, functions, column))
        return found

    def instance(self, using: str, values: list):
        connection = connections[using]
        for index, functions, column in self.converters(using):
            for function in functions:
                values[index] = function(values[index], column, connection)
        return self.model.from_db(using, self.attnames, values)


# Server-side prepared statements (PostgreSQL): the read every task step starts with is
# parsed and planned once per database connection instead of at every step (planning was about
# 0.18 ms of each, measured with EXPLAIN (ANALYZE, SUMMARY)). A pooler in transaction mode
# (PgBouncer before 1.21) cannot keep them: ENGINE_PREPARED_STATEMENTS = False turns them off.
# After five executions PostgreSQL may keep a generic plan, made from the statistics of that
# moment, until the tables are analyzed again (autovacuum does so as they grow). A database whose
# tables grow from empty faster than autovacuum looks (a benchmark's, a test's) keeps the plan of
# its nearly empty tables, a sequential scan of the task table, until then; bench.engine.settle.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # raw connection -> names
_PLACEHOLDER = re.compile(r"%s")


def _execute(cursor, using: str, name: str, sql: str, params: list) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql" or not getattr(settings, "ENGINE_PREPARED_STATEMENTS", True):
        cursor.execute(sql, params)
        return
    raw = connection.connection
    names = _prepared.setdefault(raw, set())
    if name not in names:
        numbered = iter(range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS " + _PLACEHOLDER.sub(lambda _m: f"${next(numbered)}", sql))
        names.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)


_INSTANCE = _Columns(ProcessInstance, "i")
_DEFINITION = _Columns(DefinitionVersion, "d", defer=("files", "metadata"))  # (parsed once per process)
_STATE = _Columns(InstanceState, "s")
_STARTER = _Columns(ProcessInstance._meta.get_field("started_by").related_model, "u")
_TASK = _Columns(HumanTask, "t")


def _names(using: str) -> dict[str, str]:
    """Quoted table names, for statements whose identifiers all come from the models' metadata
    (every value is a parameter)."""
    quote = connections[using].ops.quote_name
    models = {"instance": ProcessInstance, "definition": DefinitionVersion, "state": InstanceState,
              "user": _STARTER.model, "task": HumanTask, "candidate": HumanTaskCandidate}  # fmt: skip
    return {name: quote(model._meta.db_table) for name, model in models.items()}


@cache
def _offered_sql(using: str) -> str:
    """Whether task `t` is offered to the worker (two parameters: the worker's id twice): a
    candidate row names them or one of their groups, or a group those are nested in
    (org.selectors.effective_group_ids, read here instead of two to three queries of its own)."""
    n, quote = _names(using), connections[using].ops.quote_name
    membership = _STARTER.model._meta.get_field("groups").remote_field.through._meta
    user_column = quote(membership.get_field("user").column)
    group_column = quote(membership.get_field("group").column)
    nesting = GroupProfile._meta
    child, parent = (quote(nesting.get_field(f).column) for f in ("group", "parent"))
    # OFFSET 0 keeps PostgreSQL probing the candidate index for each task row: without it the
    # planner may turn the EXISTS into a hashed subplan that reads every candidate row offered to
    # the worker at each step (1.5 ms a read in the load test's database, against 0.1 ms).
    fence = " OFFSET 0" if connections[using].vendor == "postgresql" else ""
    return (
        f"EXISTS (SELECT 1 FROM {n['candidate']} c"  # noqa: S608 (see _names)
        " WHERE c.task_id = t.id AND (c.user_id = %s OR c.group_id IN ("
        f"WITH RECURSIVE g(id) AS (SELECT {group_column} FROM {quote(membership.db_table)}"
        f" WHERE {user_column} = %s UNION SELECT p.{parent} FROM {quote(nesting.db_table)} p"
        f" INNER JOIN g ON p.{child} = g.id WHERE p.{parent} IS NOT NULL) SELECT id FROM g)){fence})"
    )


@cache
def _lock_sql(using: str, with_starter: bool, with_worker: bool) -> str:
    """One row per task: the asked-for one and the instance's open ones. The instance's columns
    (with its definition, state and starter) come on the asked-for task's row only, so an
    instance with many open tasks does not send its state once per task; so does the key drawn
    for the next task the step creates."""
    connection = connections[using]
    quote, n = connection.ops.quote_name, _names(using)
    parts = [_INSTANCE, _DEFINITION, _STATE, *([_STARTER] if with_starter else [])]
    # Whether the rows read with the instance are those of its newest version. Waiting for the
    # lock, PostgreSQL re-reads the locked instance row once its holder commits, but not the rows
    # joined to it: those stay as the statement's snapshot saw them, before that commit. Every
    # step that writes the state or its tasks also updates the instance row, so a new row version
    # (xmin) of the instance against the snapshot's says the joined rows may be stale.
    fresh = "TRUE"
    if connection.vendor == "postgresql":
        fresh = f"i.xmin = (SELECT x.xmin FROM {n['instance']} x WHERE x.id = i.id)"  # noqa: S608
    offered = f", {_offered_sql(using)}" if with_worker else ""
    # A key for the task the step may create, drawn on the asked-for task's row (see new_keys).
    spare = f"CASE WHEN t.id = w.id THEN {_next_key(HumanTask, using)} END" if _draws_keys(using) else "NULL"
    sql = (
        f"SELECT {fresh}, {spare}, {_TASK.sql(quote)}{offered}, "  # noqa: S608 (see _names)
        f"{', '.join(p.sql(quote, only_when='t.id = w.id') for p in parts)}"
        f" FROM (SELECT CAST(%s AS bigint) AS id) w, {n['task']} t"
        f" INNER JOIN {n['instance']} i ON i.id = t.instance_id"
        f" INNER JOIN {n['definition']} d ON d.id = i.definition_id"
        f" LEFT OUTER JOIN {n['state']} s ON s.instance_id = i.id"
    )
    if with_starter:
        sql += f" LEFT OUTER JOIN {n['user']} u ON u.id = i.started_by_id"
    sql += (
        f" WHERE t.id = w.id OR (t.instance_id = (SELECT instance_id FROM {n['task']} WHERE id = w.id)"  # noqa: S608
        " AND t.status = %s) ORDER BY t.id"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF i"
    elif connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql


@dataclass(frozen=True)
class TaskRow:
    """A task row read under the instance lock, and whether it is offered to the worker who asked
    (a candidate row names them or one of their groups, nested groups included, as
    HumanTaskQuerySet.with_offered says); None when nobody asked."""

    task: HumanTask
    offered: bool | None = None


class LockedRows(NamedTuple):
    """What a task step's first read brings: the locked instance, the task asked for with the
    instance's open tasks (TaskRow, in key order), and a primary key drawn for the next human
    task the step creates (None where keys are not drawn ahead; see new_keys)."""

    instance: ProcessInstance
    tasks: list[TaskRow]
    task_key: int | None


def lock_task_rows(
    human_task_id: int, *, worker=None, with_starter: bool = False, using: str = "default"
) -> LockedRows | None:
    """The task's process instance, locked for this transaction (row lock on PostgreSQL; SQLite's
    write transactions are exclusive already), with its definition (BPMN source deferred), state
    and, `with_starter`, the user who started it; and the task with the instance's open tasks as
    the lock holder sees them, each saying whether it is offered to `worker` (a signed-in user)
    when one is given. One statement; None when there is no such task."""
    # (in the statement's order: the offered column, then the task asked for, then the status)
    params = [*([worker.pk, worker.pk] if worker is not None else []), human_task_id, HumanTask.Status.READY]
    name = f"baton_lock_{int(with_starter)}{int(worker is not None)}"
    sql = _lock_sql(using, with_starter, worker is not None)
    with connections[using].cursor() as cursor:
        _execute(cursor, using, name, sql, params)
        found = cursor.fetchall()
        if not found or not found[0][0]:
            # The instance changed while this statement waited for its lock (or, when no row came
            # back, the task is gone): read again, now holding the lock, with a snapshot taken
            # after that change.
            _execute(cursor, using, name, sql, params)
            found = cursor.fetchall()
    width = len(_TASK.fields)
    head = 2 + width + (1 if worker is not None else 0)
    tasks, instance, key = [], None, None
    for row in found:
        task = _TASK.instance(using, list(row[2 : 2 + width]))
        tasks.append(TaskRow(task, bool(row[2 + width]) if worker is not None else None))
        if task.pk == human_task_id:
            instance, key = _instance(using, list(row[head:]), with_starter), row[1]
    if instance is None:
        return None
    for row in tasks:
        row.task.instance = instance  # (the same locked instance, not a query of its own)
    return LockedRows(instance, tasks, key)


def _draws_keys(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def _next_key(model, using: str) -> str:
    """SQL drawing the next value of `model`'s primary key sequence (PostgreSQL)."""
    table, column = model._meta.db_table, model._meta.pk.column
    return f"nextval(pg_get_serial_sequence('{table}', '{column}'))"


def new_keys(*models, using: str = "default") -> list[int] | None:
    """A primary key for each model, drawn from its sequence ahead of the insert (PostgreSQL;
    None elsewhere). A step that knows its new rows' keys holds every write until its one write
    statement; without them each new row would cost a round trip to learn its key. A key drawn
    and not used leaves a gap in the sequence, as a rolled-back insert does."""
    if not models or not _draws_keys(using):
        return None
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(_next_key(model, using) for model in models)}")
        return list(cursor.fetchone())


def _instance(using: str, values: list, with_starter: bool) -> ProcessInstance:
    start = 0

    def take(columns: _Columns):
        nonlocal start
        chunk = values[start : start + len(columns.fields)]
        start += len(columns.fields)
        return chunk

    instance = _INSTANCE.instance(using, take(_INSTANCE))
    instance.definition = _DEFINITION.instance(using, take(_DEFINITION))
    state = take(_STATE)
    if state[0] is not None:  # (every instance has one; a LEFT JOIN keeps a broken one readable)
        instance.state = _STATE.instance(using, state)
    if with_starter:
        starter = take(_STARTER)
        instance.started_by = _STARTER.instance(using, starter) if starter[0] is not None else None
    return instance


def task_object_type_ids(limit: int, *, using: str = "default") -> list[int]:
    """The distinct business object types of all tasks (at most `limit`), by a skip scan of the
    (business_object_type, ...) index: a few index probes, where DISTINCT would read every task.
    A recursive CTE with a parenthesised, limited first branch: PostgreSQL."""
    quote = connections[using].ops.quote_name
    table = quote(HumanTask._meta.db_table)
    column = quote(HumanTask._meta.get_field("business_object_type").column)
    sql = f"""
        WITH RECURSIVE kinds(id) AS (
            (SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
            UNION ALL
            SELECT (SELECT {column} FROM {table} WHERE {column} > kinds.id ORDER BY {column} LIMIT 1)
            FROM kinds WHERE kinds.id IS NOT NULL
        )
        SELECT id FROM kinds WHERE id IS NOT NULL LIMIT %s"""  # noqa: S608 (names from the model)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]
