"""An instance's history in words: "王芳 rejected: 折扣过高", "Assigned to 陈静", "Offered to
Service dispatchers 客服调度", a form's answers under their form labels — never user names,
group ids or form field names. Built for a whole history at once (one query for the people and
groups it names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from engine.selectors import InstanceEvent

# Answers said in the sentence itself, not repeated as facts.
_SAID = {"decision", "comment", "reason", "note"}


@dataclass
class HistoryLine:
    event: InstanceEvent
    kind: str
    title: str
    task_name: str
    actor: str
    at: datetime
    text: str = ""
    quote: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def data(self) -> dict:  # the comment list reads event data (text, public)
        return self.event.data or {}


def _schema_properties(schema: dict) -> dict:
    return (schema or {}).get("properties") or {}


def _choice_title(prop: dict, value) -> str | None:
    for option in prop.get("oneOf") or prop.get("anyOf") or []:
        if isinstance(option, dict) and option.get("const") == value:
            return option.get("title")
    return None


def _names_in(events) -> tuple[set[str], set[str], set[str]]:
    users, groups, codes = set(), set(), set()
    for event in events:
        data = event.data or {}
        if event.kind == InstanceEvent.Kind.TASK_CREATED:
            users.add(data.get("assignee") or "")
            users.update(data.get("candidate_users") or [])
            groups.update(data.get("candidate_groups") or [])
        elif event.kind == InstanceEvent.Kind.TASK_DELEGATED:
            users.update([data.get("from") or "", data.get("to") or ""])
        elif event.kind == InstanceEvent.Kind.TASK_COMPLETED:
            for value in (data.get("data") or {}).values():
                if isinstance(value, str) and len(value) <= 150:
                    users.add(value)
                    codes.add(value)
    return users, groups, codes


def _department_names(codes: set[str]) -> dict[str, str]:
    from org.models import Department

    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(Department.objects.filter(code__in=codes).values_list("code", "name"))


def _value_words(prop: dict, value, people: dict, departments: dict) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    title = _choice_title(prop, value)
    if title:
        return title
    if isinstance(value, str):
        # (user_labels answers an unknown name with itself: a department code is not a person)
        person = people.get(value)
        if person and person != value:
            return person
        return departments.get(value) or value
    if isinstance(value, list):
        return ", ".join(_value_words({}, v, people, departments) for v in value if not isinstance(v, dict))
    return "" if value is None else str(value)


def _completed(line: HistoryLine, answers: dict, schema: dict, people: dict, departments: dict) -> None:
    who = line.actor or _("Someone")
    decision = answers.get("decision")
    if decision == "approve":
        line.text = _("%(who)s approved") % {"who": who}
    elif decision == "reject":
        line.text = _("%(who)s rejected") % {"who": who}
    else:
        line.text = _("%(who)s completed it") % {"who": who}
    line.quote = str(next((answers[k] for k in ("comment", "reason", "note") if answers.get(k)), ""))
    properties = _schema_properties(schema)
    for key, value in answers.items():
        if key in _SAID or value in (None, "", []):
            continue
        prop = properties.get(key)
        if not isinstance(prop, dict) or not prop.get("title"):
            continue  # a value the form does not name (set by the process): not shown as a raw key
        words = _value_words(prop, value, people, departments)
        if words:
            line.facts.append((str(prop["title"]), words))


def history_lines(events) -> list[HistoryLine]:
    from org.selectors import group_labels, user_labels

    events = list(events)
    users, groups, codes = _names_in(events)
    people = user_labels(users)
    group_names = group_labels(groups)
    departments = _department_names(codes)
    lines = []
    for event in events:
        task = event.human_task
        line = HistoryLine(
            event=event,
            kind=event.kind,
            title=str(event.get_kind_display()),
            task_name=task.name if task is not None and event.kind != InstanceEvent.Kind.STARTED else "",
            actor=str(event.actor) if event.actor else "",
            at=event.at,
        )
        data = event.data or {}
        if event.kind == InstanceEvent.Kind.TASK_CREATED:
            if data.get("assignee"):
                line.text = _("Assigned to %(who)s") % {"who": people.get(data["assignee"], data["assignee"])}
            else:
                offered = [group_names.get(g, g) for g in data.get("candidate_groups") or []]
                offered += [people.get(u, u) for u in data.get("candidate_users") or []]
                if offered:
                    line.text = _("Offered to %(whom)s") % {"whom": ", ".join(offered)}
        elif event.kind == InstanceEvent.Kind.TASK_DELEGATED:
            line.text = _("From %(a)s to %(b)s") % {
                "a": people.get(data.get("from") or "", "—") if data.get("from") else "—",
                "b": people.get(data.get("to") or "", data.get("to") or "—"),
            }
        elif event.kind == InstanceEvent.Kind.TASK_COMPLETED and task is not None:
            _completed(line, data.get("data") or {}, task.form_schema, people, departments)
        elif event.kind == InstanceEvent.Kind.COMMENT:
            line.quote = data.get("text", "")
        elif event.kind == InstanceEvent.Kind.INCIDENT:
            line.text = data.get("message", "")
        elif event.kind in (InstanceEvent.Kind.CANCELLED, InstanceEvent.Kind.SUSPENDED) and data.get(
            "reason"
        ):
            line.quote = data["reason"]
        lines.append(line)
    return lines


def decisions(lines: list[HistoryLine]) -> list[HistoryLine]:
    """The earlier decisions on the instance (approvals and rejections), oldest first."""
    return [
        line
        for line in lines
        if line.kind == InstanceEvent.Kind.TASK_COMPLETED
        and (line.event.data or {}).get("data", {}).get("decision") in ("approve", "reject")
    ]
