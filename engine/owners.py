"""Who gets a human task, when it is due and how urgent it is.

Sources, in order: `camunda:assignee` / `camunda:candidateUsers` / `camunda:candidateGroups`
(or the same names as Spiff/Camunda extension properties), else the lane name taken as a group.
Each entry is a literal user/group name or an expression over the task data and the org-chart
helpers: `manager_of(initiator)`, `department_head(owner)`, `owner`, `${...}` (Camunda syntax).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.memo import remembered

from . import runtime
from .forms import schema_from_camunda_fields
from .terms import split_terms

_CALL = re.compile(r"^[A-Za-z_]\w*\s*\(.*\)$", re.S)
_IDENTIFIER = re.compile(r"^[A-Za-z_][\w.]*$")
_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$", re.I)


@dataclass
class Resolution:
    assignee: object | None = None
    users: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    follow_up_at: datetime | None = None
    priority: int = 50
    groups_empty: bool = False

    @property
    def anybody(self) -> bool:
        return bool(self.assignee or self.users or (self.groups and not self.groups_empty))


def _unwrap(term: str) -> tuple[str, bool]:
    term = term.strip()
    if term.startswith(("${", "#{")) and term.endswith("}"):
        return term[2:-1].strip(), True
    return term, False


def evaluate_term(term: str, context: dict):
    """A literal stays a literal; `${...}`, calls and names of data fields are evaluated."""
    expression, wrapped = _unwrap(term)
    if wrapped or _CALL.match(expression) or (expression in context and _IDENTIFIER.match(expression)):
        return runtime.script_engine().environment.evaluate(expression, dict(context))
    return expression


def _flatten(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set):
        out: list[str] = []
        for item in value:
            out.extend(_flatten(item))
        return out
    if isinstance(value, str) and "," in value:
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(value)]


def _names(spec: str, context: dict, problems: list[str], what: str) -> list[str]:
    names: list[str] = []
    for term in split_terms(spec):
        try:
            names.extend(_flatten(evaluate_term(term, context)))
        except Exception as error:
            problems.append(f"{what} '{term}' could not be evaluated: {error}")
    return names


def _groups_named(names: list[str]) -> dict:
    """The groups by name, each with whether an active user is directly in it (the common case,
    one query); remembered by core.memo until groups, membership or a user's active flag change."""
    User = get_user_model()

    def read() -> dict:
        direct_member = Exists(User.objects.filter(groups=OuterRef("pk"), is_active=True))
        return {g.name: g for g in Group.objects.filter(name__in=names).annotate(has_direct=direct_member)}

    return remembered(("groups_named", tuple(sorted(set(names)))), read)


def resolve(meta: dict, context: dict) -> Resolution:
    result = Resolution()
    User = get_user_model()
    problems = result.problems

    assignee_names = _names(meta.get("assignee", ""), context, problems, "assignee")
    user_names = _names(meta.get("candidate_users", ""), context, problems, "candidate users")
    group_names = _names(meta.get("candidate_groups", ""), context, problems, "candidate groups")
    if not (assignee_names or user_names or group_names) and meta.get("lane"):
        group_names = [meta["lane"]]

    wanted = set(assignee_names) | set(user_names)
    users = (
        {u.username: u for u in User.objects.filter(username__in=wanted, is_active=True)} if wanted else {}
    )
    for name in sorted(wanted - set(users)):
        problems.append(f"no active user named '{name}'")
    groups = _groups_named(group_names) if group_names else {}
    for name in group_names:
        if name not in groups:
            problems.append(f"no group named '{name}'")

    for name in assignee_names:
        if name in users:
            result.assignee = users[name]
            break
    result.users = [users[n] for n in dict.fromkeys(user_names) if n in users]
    result.groups = [groups[n] for n in dict.fromkeys(group_names) if n in groups]
    if result.groups and not (result.assignee or result.users):
        # A queue nobody can see is a lost task too: the groups must have someone in them.
        from org.selectors import members_of

        # The nested group tree is read only when nobody active is directly in the groups.
        direct = any(group.has_direct for group in result.groups)
        if not direct and not any(members_of(group).exists() for group in result.groups):
            names = ", ".join(g.name for g in result.groups)
            problems.append(f"nobody active is in the group(s) {names}")
            result.groups_empty = True

    result.due_at = _when(meta.get("due_date", ""), context, problems, "due date")
    result.follow_up_at = _when(meta.get("follow_up_date", ""), context, problems, "follow-up date")
    result.priority = _priority(meta.get("priority", ""), context, problems)
    return result


def parse_duration(text: str) -> timedelta | None:
    if not isinstance(text, str) or not _DURATION.match(text.strip()):
        return None
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    parsed = TimerEventDefinition.parse_iso_duration(text.strip().upper())
    return TimerEventDefinition.get_timedelta_from_start(parsed, timezone.now())


def as_datetime(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime(value.year, value.month, value.day, 23, 59))
    if isinstance(value, timedelta):
        return timezone.now() + value
    if isinstance(value, int | float):
        return timezone.now() + timedelta(days=value)
    if isinstance(value, str):
        delta = parse_duration(value)
        if delta is not None:
            return timezone.now() + delta
        parsed = parse_datetime(value.strip())
        if parsed is None:
            try:
                parsed_date = date.fromisoformat(value.strip())
            except ValueError:
                return None
            return as_datetime(parsed_date)
        return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    return None


def _when(spec: str, context: dict, problems: list[str], what: str) -> datetime | None:
    spec = (spec or "").strip()
    if not spec:
        return None
    value = spec
    expression, wrapped = _unwrap(spec)
    if wrapped or not (parse_duration(spec) or parse_datetime(spec)):
        try:
            value = evaluate_term(spec if wrapped else "${" + expression + "}", context)
        except Exception as error:
            problems.append(f"{what} '{spec}' could not be evaluated: {error}")
            return None
    when = as_datetime(value)
    if when is None:
        problems.append(f"{what} '{spec}' is not a date, a date-time or an ISO duration")
    return when


def _priority(spec: str, context: dict, problems: list[str]) -> int:
    spec = (spec or "").strip()
    if not spec:
        return 50
    try:
        return int(spec)
    except ValueError:
        pass
    try:
        return int(evaluate_term(spec if spec.startswith(("${", "#{")) else "${" + spec + "}", context))
    except Exception as error:
        problems.append(f"priority '{spec}' could not be evaluated: {error}")
        return 50


def _from_data(meta: dict, context: dict | None, name: str):
    """The value of the task's extension property `name`, an expression over the task data (a
    process whose steps differ only by data, e.g. one loop over configurable stages, names each
    task and gives it its form this way); None when absent or not evaluable."""
    spec = ((meta.get("properties") or {}).get(name) or "").strip()
    if not spec or context is None:
        return None
    try:
        return evaluate_term(spec if spec.startswith(("${", "#{")) else "${" + spec + "}", context)
    except Exception:
        return None


def task_name(meta: dict, context: dict) -> str:
    """The `taskName` property's value (e.g. `${stage_info['task_name']}`), else ''."""
    value = _from_data(meta, context, "taskName")
    return str(value) if value not in (None, "") else ""


def form_schema(meta: dict, context: dict | None = None) -> dict:
    """The task's form from the `formSchema` property (a JSON Schema the process data holds), else
    as deployed (the processes app stores it in the metadata), else its Camunda form fields as a
    JSON Schema."""
    dynamic = _from_data(meta, context, "formSchema")
    if isinstance(dynamic, dict) and dynamic.get("type") == "object":
        return dynamic
    if (meta.get("form") or {}).get("schema"):
        return meta["form"]["schema"]
    fields = meta.get("form_fields") or []
    return schema_from_camunda_fields(fields) if fields else {}
