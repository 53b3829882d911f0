"""Reads behind the designer pages: deployed processes, versions with their running instances,
and where instances wait (open tasks per element: the heat-map)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from engine.models import DefinitionVersion, HumanTask, Incident, ProcessInstance


def process_overview() -> list[dict]:
    """One row per process key: latest name, active version, number of versions, running instances."""
    versions = DefinitionVersion.objects.order_by("key", "-version").values(
        "key", "name", "version", "active", "deployed_at"
    )
    running = dict(
        ProcessInstance.objects.filter(status__in=["running", "error"])
        .values_list("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    )
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
    """Every version of a process, newest first, each with `running` and `incidents` counts."""
    return list(
        DefinitionVersion.objects.filter(key=key)
        .select_related("deployed_by")
        .annotate(
            running=Count("instances", filter=Q(instances__status__in=["running", "error"]), distinct=True),
            finished=Count("instances", filter=Q(instances__status="completed"), distinct=True),
        )
        .order_by("-version")
    )


def waiting_by_element(definition: DefinitionVersion) -> dict[str, int]:
    """Open human tasks per BPMN element of one version: where its instances wait right now."""
    return dict(
        HumanTask.objects.open()
        .filter(definition_key=definition.key, definition_version=definition.version)
        .values_list("element_id")
        .annotate(n=Count("pk"))
        .values_list("element_id", "n")
    )


def incidents_by_element(definition: DefinitionVersion) -> dict[str, int]:
    return dict(
        Incident.objects.filter(status=Incident.Status.OPEN, instance__definition=definition)
        .values_list("element_id")
        .annotate(n=Count("pk"))
        .values_list("element_id", "n")
    )


def main_bpmn(definition: DefinitionVersion) -> str:
    files = definition.files or {}
    marker = f'id="{definition.key}"'
    texts = [text for name, text in files.items() if name.lower().endswith(".bpmn")]
    return next((t for t in texts if marker in t), texts[0] if texts else "")


def version_of(key: str, version: int | None) -> DefinitionVersion | None:
    """The given version, else the active one, else the newest."""
    qs = DefinitionVersion.objects.filter(key=key)
    if version is not None:
        return qs.filter(version=version).first()
    return qs.filter(active=True).first() or qs.order_by("-version").first()


def main_bpmn_name(definition: DefinitionVersion) -> str:
    files = definition.files or {}
    marker = f'id="{definition.key}"'
    names = [name for name in files if name.lower().endswith(".bpmn")]
    return next((n for n in names if marker in files[n]), names[0] if names else f"{definition.key}.bpmn")


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
