"""Configuration as data: the registry of sections a company's configuration is exported in and
imported from (configtransfer runs the export, the dry-run diff and the import).

How a section plugs in (an app that adds configuration, e.g. sales processes or SLA calendars):

    from core.configdata import Column, ModelSection, register

    register(ModelSection(
        key="sales_processes", label=_("Sales processes"), model=SalesProcess, order=40,
        identity=("code",),
        columns=(Column("code"), Column("name"), Column("active", "bool")),
    ))

from the app's `AppConfig.ready()`. `identity` names an item across installations (never a
primary key); a foreign key is written as the referenced row's natural key (`Column(..., "ref",
ref=(Model, "code"))`). `order` puts sections that others refer to first. `removal` says what
an import does with rows that the file does not have: "deactivate" (sets `active` false),
"delete", or "keep". A section that is not one table subclasses `Section` and implements
`export()` and `apply()` (groups with their permissions, process definitions).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.dateparse import parse_duration
from django.utils.duration import duration_iso_string
from django.utils.translation import gettext as _

_REGISTRY: dict[str, Section] = {}


def register(section: Section) -> Section:
    _REGISTRY[section.key] = section
    return section


def sections() -> list[Section]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))


def section(key: str) -> Section | None:
    return _REGISTRY.get(key)


@dataclass(frozen=True)
class Column:
    """One value of an item: `name` in the file, `attr` on the model (default: the same)."""

    name: str
    kind: str = "text"  # text, int, decimal, bool, json, duration, time, date, ref
    attr: str = ""
    ref: tuple | None = None  # (model, natural-key field[, filter dict]) for kind "ref"
    required: bool = True
    max_length: int | None = None
    choices: tuple = ()

    @property
    def field(self) -> str:
        return self.attr or self.name

    def dump(self, obj):
        value = getattr(obj, self.field)
        if self.kind == "ref":
            return getattr(value, self.ref[1]) if value is not None else None
        if self.kind == "decimal":
            return str(value) if value is not None else None
        if self.kind == "duration":
            return duration_iso_string(value) if value is not None else None
        if self.kind in ("time", "date"):
            return value.isoformat() if value is not None else None
        return value

    def same(self, here, there) -> bool:
        """Whether two file values mean the same (P1D and P1DT00H00M00S, 5 and 5.0)."""
        if self.kind in ("duration", "decimal") and here is not None and there is not None:
            return self.load(here, []) == self.load(there, [])
        return here == there

    def load(self, value, errors: list[str]):
        """The model value for a file value, or an error appended (in words)."""
        if value is None or value == "":
            if self.required and self.kind not in ("bool", "json", "text"):
                errors.append(_("a value is required"))
            return None if self.kind != "text" else ""
        if self.kind == "text":
            if not isinstance(value, str):
                errors.append(_("text expected"))
            elif self.max_length and len(value) > self.max_length:
                errors.append(_("at most %(n)d characters") % {"n": self.max_length})
            elif self.choices and value not in self.choices:
                errors.append(
                    _("“%(value)s” is not one of %(choices)s")
                    % {"value": value, "choices": ", ".join(c or "—" for c in self.choices)}
                )
            return value
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.append(_("a whole number expected"))
            return value
        if self.kind == "decimal":
            try:
                return Decimal(str(value))
            except InvalidOperation:
                errors.append(_("a number expected"))
                return None
        if self.kind == "bool":
            if not isinstance(value, bool):
                errors.append(_("true or false expected"))
            return value
        if self.kind == "duration":
            parsed = parse_duration(value) if isinstance(value, str) else None
            if parsed is None:
                errors.append(_("a duration expected (ISO 8601, e.g. P1DT2H)"))
            return parsed
        if self.kind in ("time", "date"):
            parse = datetime.time.fromisoformat if self.kind == "time" else datetime.date.fromisoformat
            try:
                return parse(value) if isinstance(value, str) else parse("")
            except ValueError:
                errors.append(
                    _("a time expected (e.g. 09:00)")
                    if self.kind == "time"
                    else _("a date expected (e.g. 2027-01-01)")
                )
                return None
        if self.kind == "ref":
            model, key, *where = self.ref
            found = model._default_manager.filter(**(where[0] if where else {}), **{key: value}).first()
            if found is None:
                errors.append(
                    _("no %(what)s “%(value)s”") % {"what": model._meta.verbose_name, "value": value}
                )
            return found
        return value  # json


@dataclass
class Change:
    """One item of a section's diff: what it is called, and for a change, the fields in words."""

    identity: tuple
    label: str
    fields: list[tuple[str, object, object]] = field(default_factory=list)  # (name, here, file)


@dataclass
class SectionDiff:
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


class Section:
    key: str
    label: object
    order: int = 100
    identity: tuple[str, ...] = ()
    removal: str = "keep"
    org: bool = False  # part of the organisation (left out on request)

    def export(self) -> list[dict]:
        raise NotImplementedError

    def prepare(self, items: list) -> None:
        """Called with the file's items before any is checked (e.g. to allow references between them)."""

    def check(self, item: dict) -> dict[str, list[str]]:
        """Field -> problems of one item from a file (before anything is written)."""
        return {}

    def apply(self, *, actor, added: list[dict], changed: list[dict], removed: list[tuple]) -> None:
        raise NotImplementedError

    def identify(self, item: dict) -> tuple:
        return tuple(item.get(name) for name in self.identity)

    def describe(self, item: dict) -> str:
        return " · ".join(
            "—" if item.get(name) in (None, "") else str(item.get(name)) for name in self.identity
        )

    def compare(self, here: dict, there: dict) -> list[tuple[str, object, object]]:
        return [
            (k, here.get(k), there.get(k))
            for k in sorted(set(here) | set(there))
            if here.get(k) != there.get(k)
        ]


@dataclass
class ModelSection(Section):
    """A section that is one table: items are rows, identified by natural-key columns."""

    key: str
    label: object
    model: type[models.Model]
    columns: tuple[Column, ...]
    identity: tuple[str, ...] = ()
    order: int = 100
    removal: str = "deactivate"
    org: bool = False
    where: dict = field(default_factory=dict)  # which rows take part (e.g. active only)

    def rows(self):
        related = [c.field for c in self.columns if c.kind == "ref"]
        return self.model._default_manager.filter(**self.where).select_related(*related)

    def export(self) -> list[dict]:
        return [{c.name: c.dump(row) for c in self.columns} for row in self.rows()]

    def compare(self, here: dict, there: dict) -> list[tuple[str, object, object]]:
        return [
            (c.name, here.get(c.name), there.get(c.name))
            for c in self.columns
            if not c.same(here.get(c.name), there.get(c.name))
        ]

    def _self_refs(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "ref" and c.ref[0] is self.model]

    def prepare(self, items: list) -> None:
        # a department may name as parent one that the same file adds
        key = self.identity[0] if len(self.identity) == 1 else None
        self._in_file = {
            i.get(key) for i in items if key and isinstance(i, dict) and isinstance(i.get(key), str)
        }

    def check(self, item: dict) -> dict[str, list[str]]:
        problems: dict[str, list[str]] = {}
        for column in self.columns:
            errors: list[str] = []
            if column.name not in item and column.required and column.kind not in ("bool", "json"):
                errors.append(_("missing"))
            elif column in self._self_refs() and item.get(column.name) in getattr(self, "_in_file", ()):
                pass
            elif column.name in item:
                column.load(item[column.name], errors)
            if errors:
                problems[column.name] = errors
        return problems

    def _find(self, identity: tuple):
        lookup = {}
        for name, value in zip(self.identity, identity, strict=True):
            column = next(c for c in self.columns if c.name == name)
            if column.kind == "ref":
                lookup[f"{column.field}__{column.ref[1]}"] = value
            else:
                lookup[column.field] = value
        return self.rows().filter(**lookup).first()

    def _write(self, row, item: dict) -> None:
        for column in self.columns:
            if column.name in item:
                value = column.load(item[column.name], [])
                setattr(
                    row,
                    column.field,
                    value if value is not None or column.kind == "ref" else _default(column),
                )
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()

    def apply(self, *, actor, added, changed, removed) -> None:
        waiting = list(added)
        for column in self._self_refs():  # parents before their children
            done = {key for key in self.rows().values_list(column.ref[1], flat=True)}
            ordered = []
            while waiting:
                ready = [i for i in waiting if i.get(column.name) in (None, "") or i[column.name] in done]
                if not ready:  # a cycle: the rows' own validation reports it
                    ordered += waiting
                    break
                ordered += ready
                done |= {i.get(column.ref[1]) for i in ready}
                waiting = [i for i in waiting if i not in ready]
            waiting = ordered
        for item in waiting:
            self._write(self.model(**self.where), item)
        for item in changed:
            self._write(self._find(self.identify(item)), item)
        for identity in removed:
            row = self._find(identity)
            if row is None:
                continue
            if self.removal == "deactivate":
                row.active = False
                row.save(update_fields=["active"])
            elif self.removal == "delete":
                row.delete()


def _default(column: Column):
    return {"bool": False, "json": None, "text": ""}.get(column.kind)


def json_safe(value):
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, Decimal):
        return str(value)
    return value
