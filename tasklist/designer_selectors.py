"""Reads behind the designer pages: deployed processes, versions with their running instances,
and where instances wait (open tasks per element: the heat-map)."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _

from engine.selectors import DefinitionVersion, designer


def process_overview() -> list[dict]:
    """One row per process key: latest name, active version, number of versions, running instances."""
    versions = designer.version_summaries()
    running = designer.running_by_key()
    rows: dict[str, dict] = {}
    for v in versions:
        row = rows.setdefault(
            v["key"],
            {
                "key": v["key"],
                "name": v["name"] or v["key"],
                "latest": v["version"],
                "active": None,
                "versions": 0,
                "deployed_at": v["deployed_at"],
                "running": running.get(v["key"], 0),
            },
        )
        row["versions"] += 1
        if v["active"]:
            row["active"] = v["version"]
    return sorted(rows.values(), key=lambda r: r["name"].lower())


def process_versions(key: str) -> list[DefinitionVersion]:
    """Every version of a process, newest first, each with `running` and `finished` counts."""
    return designer.process_versions(key)


def waiting_by_element(definition: DefinitionVersion) -> dict[str, int]:
    """Open human tasks per BPMN element of one version: where its instances wait right now."""
    return designer.waiting_by_element(definition)


def incidents_by_element(definition: DefinitionVersion) -> dict[str, int]:
    return designer.incidents_by_element(definition)


def main_bpmn(definition: DefinitionVersion) -> str:
    files = definition.files or {}
    marker = f'id="{definition.key}"'
    texts = [text for name, text in files.items() if name.lower().endswith(".bpmn")]
    return next((t for t in texts if marker in t), texts[0] if texts else "")


def version_of(key: str, version: int | None) -> DefinitionVersion | None:
    """The given version, else the active one, else the newest."""
    return designer.version_of(key, version)


def main_bpmn_name(definition: DefinitionVersion) -> str:
    from processes.selectors import main_bpmn_name as name

    return name(definition)


# -- comparing two versions -----------------------------------------------------------------------

_SKIP = {
    "definitions",
    "BPMNDiagram",
    "BPMNPlane",
    "BPMNShape",
    "BPMNEdge",
    "BPMNLabel",
    "Bounds",
    "waypoint",
}


def _elements(xml: str) -> dict[str, dict]:
    """id -> what matters about a BPMN element: its kind, name, attributes and condition/script text."""
    from lxml import etree

    if not xml:
        return {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml.encode("utf-8"), parser)  # entities off, no network
    except etree.XMLSyntaxError:
        return {}
    found = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        kind = etree.QName(node).localname
        element_id = node.get("id")
        if not element_id or kind in _SKIP:
            continue
        attributes = {etree.QName(k).localname: v for k, v in node.attrib.items() if k not in ("id", "name")}
        texts = [
            (etree.QName(child).localname, (child.text or "").strip())
            for child in node
            if isinstance(child.tag, str)
            and etree.QName(child).localname in ("conditionExpression", "script", "timeDuration", "timeDate")
        ]
        found[element_id] = {
            "kind": kind,
            "name": node.get("name") or "",
            "attributes": attributes,
            "texts": texts,
        }
    return found


def version_diff(older: DefinitionVersion, newer: DefinitionVersion) -> dict[str, list[dict]]:
    """Elements added, removed and changed between two versions of a process."""
    a, b = _elements(main_bpmn(older)), _elements(main_bpmn(newer))
    added = [{"id": i, **b[i]} for i in sorted(set(b) - set(a))]
    removed = [{"id": i, **a[i]} for i in sorted(set(a) - set(b))]
    changed = []
    for i in sorted(set(a) & set(b)):
        before, after = a[i], b[i]
        what = []
        if before["kind"] != after["kind"]:
            what.append(f"kind: {before['kind']} → {after['kind']}")
        if before["name"] != after["name"]:
            what.append(f"name: “{before['name']}” → “{after['name']}”")
        for key in sorted(set(before["attributes"]) | set(after["attributes"])):
            old, new = before["attributes"].get(key, ""), after["attributes"].get(key, "")
            if old != new:
                what.append(f"{key}: {old or '—'} → {new or '—'}")
        if before["texts"] != after["texts"]:
            what.append("; ".join(f"{k}: {v}" for k, v in after["texts"]) or "expression removed")
        if what:
            changed.append(
                {"id": i, "kind": after["kind"], "name": after["name"] or before["name"], "what": what}
            )
    return {"added": added, "removed": removed, "changed": changed}


OWNER_EXPRESSIONS = (
    ("${initiator}", _("The person who started the process")),
    ("${manager_of(initiator)}", _("The starter's manager")),
    ("${department_head(owner)}", _("Head of the record owner's department")),
    ("${owner}", _("The record's owner")),
)
PRIORITIES = (("30", _("Low")), ("50", _("Normal")), ("70", _("High")), ("90", _("Urgent")))


def _group_options(groups) -> list[tuple[object, str]]:
    """(group, what people read: its display name, else its name) in name order."""
    from org.selectors import group_labels

    groups = list(groups)
    labels = group_labels({g.name for g in groups})
    return [(g, labels.get(g.name, g.name)) for g in groups]


def modeler_choices(definition: DefinitionVersion) -> dict:
    """What the modeler's pickers offer: owners by name (people, groups, org expressions), the
    deployment's forms, the registered connectors, priorities. Values are what the engine reads."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from engine import connectors

    users = (
        get_user_model()
        .objects.filter(is_active=True, employee__isnull=False)
        .select_related("employee__department")
        .order_by("display_name", "username")[:MAX_PEOPLE]
    )
    people = []
    for user in users:
        department = getattr(getattr(user, "employee", None), "department", None)
        label = str(user.display_name or user.get_full_name() or _("(no name)"))
        if department is not None:
            label = f"{label} · {department.name}"
        people.append({"value": user.username, "label": label})
    groups = _group_options(Group.objects.order_by("name"))
    return {
        "assignees": [{"value": v, "label": str(label)} for v, label in OWNER_EXPRESSIONS] + people,
        "groups": [{"value": g.name, "label": label} for g, label in groups],
        "forms": [
            {"value": name, "label": name}
            for name in sorted(definition.files or {})
            if name.lower().endswith(".json") and not name.startswith("called/")
        ],
        "connectors": [{"value": name, "label": name} for name in connectors.registered_names()],
        "priorities": [{"value": v, "label": str(label)} for v, label in PRIORITIES],
    }


MAX_PEOPLE = 500


# The properties panel's own words (bpmn-js asks its translate service for each), in the page's
# language; a label not listed stays English.
MODELER_LABELS = {
    "General": _("General"),
    "Name": _("Name"),
    "ID": _("ID"),
    "Documentation": _("Documentation"),
    "Element documentation": _("Element documentation"),
    "User assignment": _("User assignment"),
    "Assignee": _("Assignee"),
    "Candidate groups": _("Candidate groups"),
    "Candidate users": _("Candidate users"),
    "Due date": _("Due date"),
    "Follow up date": _("Follow-up date"),
    "Priority": _("Priority"),
    "Form": _("Form"),
    "Type": _("Type"),
    "Form key": _("Form key"),
    "Form fields": _("Form fields"),
    "Condition": _("Condition"),
    "Condition type": _("Condition type"),
    "Expression": _("Expression"),
    "Script": _("Script"),
    "Timer": _("Timer"),
    "Value": _("Value"),
    "Message": _("Message"),
    "Signal": _("Signal"),
    "Implementation": _("Implementation"),
    "Topic": _("Topic"),
    "Inputs": _("Inputs"),
    "Outputs": _("Outputs"),
    "Extension properties": _("Extension properties"),
    "Process": _("Process"),
    "Executable": _("Executable"),
    "Version tag": _("Version tag"),
    "(not set)": _("(not set)"),
    "Candidate group": _("Candidate group"),
    "Connector": _("Connector"),
    "Baton: who, form, connector": _("Who, form and connector"),
    "Select an element to edit its properties.": _("Select an element to edit its properties."),
    "Forms": _("Forms"),
    "Task listeners": _("Task listeners"),
    "Execution listeners": _("Execution listeners"),
    "Asynchronous continuations": _("Asynchronous continuations"),
    "The due date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).": _(
        "When the task is due: a duration after it opens (P2D, PT4H), a date (2026-06-26T09:00), or "
        "an expression over the process data."
    ),
    "The follow up date as an EL expression (e.g. ${someDate}) or an ISO date (e.g. 2015-06-26T09:54:00).": _(
        "When to remind the owner: a duration after the task opens (P1D), a date, or an expression."
    ),
    # the timer in words (scripts/modeler/timer-words.js)
    "Timer in words": _("Timer in words"),
    "When it fires": _("When it fires"),
    "{n} year": _("{n} year"),
    "{n} years": _("{n} years"),
    "{n} month": _("{n} month"),
    "{n} months": _("{n} months"),
    "{n} week": _("{n} week"),
    "{n} weeks": _("{n} weeks"),
    "{n} day": _("{n} day"),
    "{n} days": _("{n} days"),
    "{n} hour": _("{n} hour"),
    "{n} hours": _("{n} hours"),
    "{n} minute": _("{n} minute"),
    "{n} minutes": _("{n} minutes"),
    "{n} second": _("{n} second"),
    "{n} seconds": _("{n} seconds"),
    "Monday": _("Monday"),
    "Tuesday": _("Tuesday"),
    "Wednesday": _("Wednesday"),
    "Thursday": _("Thursday"),
    "Friday": _("Friday"),
    "Saturday": _("Saturday"),
    "Sunday": _("Sunday"),
    "after the task is created": _("after the task is created"),
    "after the step starts": _("after the step starts"),
    "after the process is activated": _("after the process is activated"),
    "after the process reaches this point": _("after the process reaches this point"),
    "{duration} {after}": _("{duration} {after}"),
    "No time set yet.": _("No time set yet."),
    "Computed from the process data: {expression}": _("Computed from the process data: {expression}"),
    "Not an ISO 8601 duration (e.g. P2D, PT4H).": _("Not an ISO 8601 duration (e.g. P2D, PT4H)."),
    "Not an ISO 8601 date (e.g. 2026-12-24T09:00).": _("Not an ISO 8601 date (e.g. 2026-12-24T09:00)."),
    "Not an ISO 8601 cycle (e.g. R/2026-12-07T09:00/P1W).": _(
        "Not an ISO 8601 cycle (e.g. R/2026-12-07T09:00/P1W)."
    ),
    "Once, on {day} {time}": _("Once, on {day} {time}"),
    "every {weekday} {time}": _("every {weekday} {time}"),
    "every day at {time}": _("every day at {time}"),
    "every {duration} from {day} {time}": _("every {duration} from {day} {time}"),
    "every {duration}": _("every {duration}"),
    "{words}, {n} times": _("{words}, {n} times"),
}


def modeler_labels() -> dict[str, str]:
    return {english: str(label) for english, label in MODELER_LABELS.items()}


def start_settings(key: str) -> dict:
    """The process page's "who may start it" section: the event that starts it by itself, or
    its manual start (groups, record kind, offered) with the choices to change it."""
    from django.contrib.auth.models import Group

    from processes import selectors as processes
    from processes.models import RecordType

    event = processes.bound_event(key)
    rule = processes.manual_start(key)
    chosen = {g.pk for g in rule.groups.all()} if rule else set()
    return {
        "event": event,
        "rule": rule,
        "groups": [
            {"id": g.pk, "label": label, "chosen": g.pk in chosen}
            for g, label in _group_options(Group.objects.order_by("name"))
        ],
        "record_types": [
            {"value": value, "label": label, "chosen": bool(rule) and rule.record_type == value}
            for value, label in RecordType.choices
        ],
    }


# -- drafts and test runs -------------------------------------------------------------------------


def start_schema(definition: DefinitionVersion) -> dict | None:
    from engine.services import start_form_schema

    return start_form_schema(definition)


def draft_versions(versions: list[DefinitionVersion]) -> set[int]:
    """The drafts: versions saved after the active one (or with none active), waiting for a test
    run and activation. An older inactive version is retired; activating it is a rollback."""
    active = next((v.version for v in versions if v.active), 0)
    return {v.version for v in versions if not v.active and v.version > active}


def test_run_view(run) -> dict:
    """A test run as the page shows it: owners and elements by name, the gateways' choices, the
    diagram's marks (done / waiting / failed)."""
    from org.selectors import group_labels, user_labels

    task = run.task
    names = {element_id: name or element_id for element_id, name, _kind in run.path}
    owners = {}
    if task is not None:
        people = user_labels([task.assignee, *task.users])
        groups = group_labels(task.groups)
        owners = {
            "assignee": people.get(task.assignee, "") if task.assignee else "",
            "users": [people[u] for u in task.users],
            "groups": [groups[g] for g in task.groups],
        }
    return {
        "path": [
            {"id": element_id, "name": name or element_id, "kind": kind}
            for element_id, name, kind in run.path
            if not kind.endswith("StartEvent") or name
        ],
        "decisions": [
            {
                "gateway": d["name"] or d["gateway"],
                "taken": [name or names.get(element_id, element_id) for element_id, name in d["taken"]],
            }
            for d in run.decisions
        ],
        "task": task,
        "owners": owners,
        "waits": run.waits,
        "service_calls": run.service_calls,
        "data": json.dumps(
            {k: v for k, v in run.data.items() if k != "data_objects"},
            ensure_ascii=False,
            indent=2,
            default=str,
        )[:20000],
        "finished": run.finished,
        "error": run.error,
        "error_element": run.error_element,
        "marks": {
            "done": sorted({element_id for element_id, _n, _k in run.path}),
            "current": sorted(
                ([task.element_id] if task else []) + [w.element_id for w in run.waits if not w.boundary]
            ),
            "incident": [run.error_element] if run.error_element else [],
        },
    }


FORM_SOURCES = {
    "file": _("JSON form"),
    "camunda": _("Camunda form fields, converted"),
    "approval": _("No form of its own: the standard approve/reject form"),
    "default": _("No form: only a comment box"),
    "none": _("No start form: it starts without asking anything"),
}


def task_forms(definition: DefinitionVersion) -> list[dict]:
    """Per user task and start event of a version: which form it renders, from where (a JSON
    file, converted Camunda fields, or none — a warning), with the form file's name."""
    metadata = definition.metadata or {}
    rows = []
    for kind, items in (
        ("start", metadata.get("start_forms") or {}),
        ("task", metadata.get("user_tasks") or {}),
    ):
        for element_id, meta in items.items():
            form = meta.get("form") or {}
            source = form.get("source") or ("camunda" if meta.get("form_fields") else "")
            if kind == "start" and not source:
                source = "none"
            props = meta.get("properties") or {}
            file_name = props.get("formJsonSchemaFilename") or (
                meta.get("form_key") if str(meta.get("form_key") or "").endswith(".json") else ""
            )
            rows.append(
                {
                    "id": element_id,
                    "name": meta.get("name") or element_id,
                    "kind": kind,
                    "source": source or "default",
                    "label": FORM_SOURCES.get(source or "default", ""),
                    "file": file_name,
                    "warn": (source or "default") in ("default", "approval"),
                    "fields": len(((form.get("schema") or {}).get("properties")) or {}),
                }
            )
    return rows


def decision_tables(files: dict[str, str]) -> list:
    from engine.services import decision_tables as tables

    return tables(files)
