"""Export of the company's configuration to one JSON document, and its import with a dry run.

The import runs section by section (core.configdata's order) inside one transaction: each section
is compared with this installation (added / changed / removed, in words), its items checked, and
applied, so a later section may refer to what an earlier one adds (an SLA policy to a new
category). A dry run, or any problem anywhere, rolls the whole transaction back: nothing is half
written. Problems are located: section, item (its natural key and position) and field.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.configdata import Section, SectionDiff, json_safe, sections
from core.errors import DomainError, NotPermitted, ValidationFailed

from .models import ConfigImport

FORMAT, VERSION = "baton-config", 1
MANAGE = "configtransfer.manage_config"
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Problem:
    section: str
    message: str
    item: int | None = None  # 1-based position in the file's section
    name: str = ""  # the item's natural key in words
    field: str = ""

    def __str__(self) -> str:
        where = [self.section]
        if self.item is not None:
            where.append(_("item %(n)d") % {"n": self.item} + (f" ({self.name})" if self.name else ""))
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}"


@dataclass
class ImportPlan:
    """What an import does (or did): per section label, its diff; and every problem found."""

    diffs: list[tuple[Section, SectionDiff]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False
    source: str = ""

    @property
    def changes(self) -> int:
        return sum(len(d.added) + len(d.changed) + len(d.removed) for _s, d in self.diffs)

    def summary(self) -> dict:
        return {
            s.key: {"added": len(d.added), "changed": len(d.changed), "removed": len(d.removed)}
            for s, d in self.diffs
        }


def _require(actor) -> None:
    if not (actor.is_superuser or actor.has_perm(MANAGE)):
        raise NotPermitted(_("You may not export or import the configuration."))


def config_export(*, actor, include_org: bool = True) -> dict:
    """The configuration as a JSON-ready document (audited: who exported what)."""
    _require(actor)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "source": platform.node(),
        "sections": {},
    }
    for section in sections():
        if section.org and not include_org:
            continue
        document["sections"][section.key] = [
            {k: json_safe(v) for k, v in item.items()} for item in section.export()
        ]
    audit_record(
        action="export",
        actor=actor,
        actor_label="",
        extra={"configuration": sorted(document["sections"]), "include_org": include_org},
    )
    return document


def config_dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder)


def config_read(content: bytes | str) -> dict:
    """The document in an uploaded file, or ValidationFailed saying what is wrong with it."""
    if isinstance(content, bytes):
        if len(content) > MAX_BYTES:
            raise ValidationFailed(
                _("The file is larger than 20 MB."), fields={"file": [_("The file is larger than 20 MB.")]}
            )
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(
                _("The file is not UTF-8 text."), fields={"file": [_("The file is not UTF-8 text.")]}
            ) from None
    try:
        document = json.loads(content)
    except ValueError as error:
        message = _("The file is not JSON (line %(line)d, column %(column)d).") % {
            "line": getattr(error, "lineno", 0),
            "column": getattr(error, "colno", 0),
        }
        raise ValidationFailed(message, fields={"file": [message]}) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        message = _("This is not a Baton configuration file (no “format”: “baton-config”).")
        raise ValidationFailed(message, fields={"file": [message]})
    if document.get("version") != VERSION:
        message = _("This file has format version %(v)s; this installation reads version 1.") % {
            "v": document.get("version")
        }
        raise ValidationFailed(message, fields={"file": [message]})
    if not isinstance(document.get("sections"), dict):
        message = _("The file has no “sections”.")
        raise ValidationFailed(message, fields={"file": [message]})
    return document


class _Rollback(Exception):
    pass


def config_import(
    *, actor, document: dict, apply: bool = False, include_org: bool = True, file_name: str = ""
) -> ImportPlan:
    """Compare `document` with this installation and, with `apply`, make it so (one transaction).
    Sections the file does not have are left alone; rows of a section that the file lacks are
    handled by the section's removal rule (deactivated, deleted or kept)."""
    _require(actor)
    plan = ImportPlan(source=str(document.get("source") or ""))
    wanted = document.get("sections", {})
    known = {s.key for s in sections()}
    for key in wanted:
        if key not in known:
            plan.problems.append(
                Problem(
                    str(key),
                    _("unknown section; this installation has: %(keys)s")
                    % {"keys": ", ".join(sorted(known))},
                )
            )
    try:
        with transaction.atomic():
            for section in sections():
                if section.key not in wanted or (section.org and not include_org):
                    continue
                _import_section(section, wanted[section.key], plan, actor)
            if plan.problems or not apply:
                raise _Rollback
            record = ConfigImport.objects.create(
                applied_by=actor, file_name=file_name[:255], source=plan.source[:255], summary=plan.summary()
            )
            words = {
                str(s.label): [
                    None,
                    _("%(a)d added, %(c)d changed, %(r)d removed")
                    % {"a": len(d.added), "c": len(d.changed), "r": len(d.removed)},
                ]
                for s, d in plan.diffs
                if not d.empty
            }
            audit_record(action="create", actor=actor, obj=record, changes=words, extra={"file": file_name})
            plan.applied = True
    except _Rollback:
        pass
    return plan


def _import_section(section: Section, items, plan: ImportPlan, actor) -> None:
    label = str(section.label)
    if not isinstance(items, list):
        plan.problems.append(Problem(label, _("a list of items expected")))
        return
    here = {
        section.identify(item): item
        for item in (({k: json_safe(v) for k, v in i.items()}) for i in section.export())
    }
    diff = SectionDiff()
    section.prepare(items)
    added, changed, seen = [], [], set()
    clean = True
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            plan.problems.append(Problem(label, _("an object expected"), position))
            clean = False
            continue
        name = section.describe(item)
        for field_name, messages in section.check(item).items():
            for message in messages:
                plan.problems.append(Problem(label, message, position, name, field_name))
            clean = False
        identity = section.identify(item)
        if identity in seen:
            plan.problems.append(Problem(label, _("appears twice in the file"), position, name))
            clean = False
        seen.add(identity)
        current = here.get(identity)
        if current is None:
            added.append(item)
            diff.added.append(_change(section, item))
        else:
            fields = section.compare(current, {**current, **item})
            if fields:
                changed.append(item)
                diff.changed.append(_change(section, item, fields))
            else:
                diff.unchanged += 1
    removed = []
    if section.removal != "keep":
        for identity, item in here.items():
            if identity not in seen and item.get("active", True) is not False:
                removed.append(identity)
                diff.removed.append(_change(section, item))
    plan.diffs.append((section, diff))
    if not clean or diff.empty:
        return
    try:
        with transaction.atomic():
            section.apply(actor=actor, added=added, changed=changed, removed=removed)
    except ValidationError as error:
        for field_name, messages in (
            error.message_dict.items() if hasattr(error, "message_dict") else [("", error.messages)]
        ):
            plan.problems.extend(Problem(label, str(m), field=field_name) for m in messages)
    except DomainError as error:
        plan.problems.append(Problem(label, str(error.message)))


def _change(section: Section, item: dict, fields=()):
    from core.configdata import Change

    return Change(section.identify(item), section.describe(item), list(fields))


def _value(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:57] + "…"
    return str(value)


def change_words(change) -> str:
    """“field: here → file; …” for a changed item."""
    return "; ".join(f"{name}: {_value(old)} → {_value(new)}" for name, old, new in change.fields)


def plan_lines(plan: ImportPlan) -> list[str]:
    """The diff and the problems in words, one line each (the command's output)."""
    lines = []
    for section, diff in plan.diffs:
        removal = {"deactivate": _("deactivated"), "delete": _("deleted")}.get(section.removal, "")
        lines.append(
            _("%(section)s: %(added)d added, %(changed)d changed, %(removed)d removed, %(same)d unchanged")
            % {
                "section": section.label,
                "added": len(diff.added),
                "changed": len(diff.changed),
                "removed": len(diff.removed),
                "same": diff.unchanged,
            }
        )
        lines += [f"  + {c.label}" for c in diff.added]
        lines += [f"  ~ {c.label}: {change_words(c)}" for c in diff.changed]
        lines += [f"  - {c.label} ({removal})" for c in diff.removed]
    lines += [f"! {problem}" for problem in plan.problems]
    return lines
