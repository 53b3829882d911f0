"""Reads behind the inbox and the task page, composed over the engine's HumanTask projection.

Every query here is index-friendly and costs a fixed number of round trips per page, whatever the
number of rows: the views' query-count tests hold that line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from engine import selectors as engine_selectors
from engine.selectors import HumanTask, Incident, InstanceEvent, ProcessInstance, worklist

PAGE_SIZE = 25
COUNT_CAP = 1000  # counts above this show as "999+": counting a huge queue exactly buys nothing
DUE_SOON = timedelta(hours=24)

VIEWS = ("mine", "queue", "delegated", "done")
SORTS = ("due", "priority", "created")
DUE_CHOICES = ("overdue", "today", "week")
PRIORITY_CHOICES = ("high", "normal", "low")
HIGH_PRIORITY = 70
LOW_PRIORITY = 30


@dataclass(frozen=True)
class InboxQuery:
    """A validated inbox request: which view, filters, sort and page."""

    view: str = "mine"
    process: str = ""
    task_name: str = ""
    due: str = ""
    priority: str = ""
    text: str = ""
    sort: str = "due"
    page: int = 1
    object_type: str = ""  # "app_label.model" of the business object, e.g. "crm.customer"

    @property
    def filtered(self) -> bool:
        return any((self.process, self.task_name, self.due, self.priority, self.text, self.object_type))


@dataclass
class InboxPage:
    rows: list[HumanTask]
    page: int
    has_next: bool
    has_previous: bool
    counts: dict[str, int] = field(default_factory=dict)


def _view_queryset(user, view: str) -> QuerySet:
    if view not in VIEWS:
        raise ValueError(view)
    return engine_selectors.task_view(user, view)


def _day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _due_condition(query: InboxQuery, now: datetime, field: str) -> Q:
    """The due filter on `field` (the task's due_at, or the copy a candidate row carries)."""
    if query.due == "overdue":
        return Q(**{f"{field}__lt": now})
    start = _day_start(now)
    if query.due == "today":
        return Q(**{f"{field}__gte": start, f"{field}__lt": start + timedelta(days=1)})
    if query.due == "week":
        return Q(**{f"{field}__lt": start + timedelta(days=7 - start.weekday())})
    return Q()


def _filter(qs: QuerySet, query: InboxQuery, now: datetime) -> QuerySet:
    if query.process:
        qs = qs.filter(definition_key=query.process)
    if query.task_name:
        qs = qs.filter(name=query.task_name)
    if query.object_type and "." in query.object_type:
        app_label, model = query.object_type.split(".", 1)
        qs = qs.filter(business_object_type__app_label=app_label, business_object_type__model=model)
    qs = qs.filter(_due_condition(query, now, "due_at"))
    if query.priority == "high":
        qs = qs.filter(priority__gte=HIGH_PRIORITY)
    elif query.priority == "low":
        qs = qs.filter(priority__lte=LOW_PRIORITY)
    elif query.priority == "normal":
        qs = qs.filter(priority__gt=LOW_PRIORITY, priority__lt=HIGH_PRIORITY)
    if query.text:
        words = query.text.split()[:5]
        for word in words:
            qs = qs.filter(Q(search_text__icontains=word) | Q(business_object_label__icontains=word))
    return qs


def _sort(qs: QuerySet, query: InboxQuery) -> QuerySet:
    if query.view == "done" and query.sort == "due":
        return qs.order_by("-completed_at", "-pk")
    if query.sort == "priority":
        return qs.order_by("-priority", F("due_at").asc(nulls_last=True), "pk")
    if query.sort == "created":
        return qs.order_by("-created_at", "-pk")
    return qs.order_by(F("due_at").asc(nulls_last=True), "-priority", "pk")


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> int:
    """COUNT over at most `cap` rows (SELECT COUNT(*) FROM (... LIMIT cap))."""
    return qs.order_by()[:cap].count()


# -- the group queue, one candidate path at a time ------------------------------------------------
#
# "Open, unassigned, offered to me or one of my groups" as `pk IN (candidates)` leaves PostgreSQL
# two bad plans on a big table: walk every open task in due order probing the candidates (slow
# when my groups hold a small share of the work), or hash all my groups' candidates first (slow
# when they hold a big one). Read per candidate path instead (one branch per group, plus me), each
# walking its own (group, open, due_at) index range in due order and stopping at its LIMIT; the
# branches are UNION ALLed in one query and merged here (a task offered twice is counted once).


def _queue_branches(user, query: InboxQuery, now: datetime) -> list[QuerySet]:
    from org.selectors import effective_group_ids

    claimable = _filter(worklist.claimable_tasks(), query, now)
    paths = [{"candidates__group_id": group_id} for group_id in sorted(effective_group_ids(user))]
    paths.append({"candidates__user_id": user.pk})
    # The due filter also narrows each candidate index range (candidates carry the task's due_at).
    due = _due_condition(query, now, "candidates__due_at")
    return [claimable.filter(Q(candidates__open=True, **path) & due) for path in paths]


def _union_rows(
    branches: list[QuerySet], fields: tuple[str, ...], limit: int, total: int | None = None
) -> list[tuple]:
    parts = [branch.values_list(*fields)[:limit] for branch in branches]
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return list(union[:total] if total is not None and len(parts) > 1 else union)


def _queue_count(user, query: InboxQuery, now: datetime, cap: int = COUNT_CAP) -> int:
    """Capped like the other counts: once the branches have offered `cap` rows the answer is
    "cap or more" (the scan stops there), below that it is exact."""
    rows = _union_rows([b.order_by() for b in _queue_branches(user, query, now)], ("pk",), cap, cap)
    return cap if len(rows) >= cap else len({pk for (pk,) in rows})


def _queue_page_ids(user, query: InboxQuery, now: datetime, limit: int) -> list[int]:
    """The first `limit` claimable task ids in due order (soonest first, undated last)."""
    order = (F("candidates__due_at").asc(nulls_last=True), F("priority").desc(), F("pk").asc())
    branches = [b.order_by(*order) for b in _queue_branches(user, query, now)]
    rows = _union_rows(branches, ("pk", "due_at", "priority"), limit)
    ordered = sorted(rows, key=lambda r: (r[1] is None, r[1] or now, -r[2], r[0]))
    return list(dict.fromkeys(pk for pk, _due, _priority in ordered))[:limit]


def _branches_supported() -> bool:
    """UNION ALL of ordered, limited branches (PostgreSQL); SQLite (embedded mode) cannot."""
    from django.db import connection

    return connection.features.supports_slicing_ordering_in_compound


def _view_count(user, view: str, query: InboxQuery, now: datetime) -> int:
    if view == "queue" and _branches_supported():
        return _queue_count(user, query, now)
    return capped_count(_filter(_view_queryset(user, view), query, now))


def inbox_counts(user, query: InboxQuery, *, now: datetime | None = None) -> dict[str, int]:
    """One capped count per view, with the current filters applied."""
    now = now or timezone.now()
    counts = {view: _view_count(user, view, query, now) for view in VIEWS}
    counts["mine"] = min(counts["mine"] + project_task_count(user, query, now=now), COUNT_CAP)
    return counts


def my_open_task_count(user) -> int:
    """Process tasks assigned to me plus my open project tasks (the number beside "Inbox")."""
    return min(
        capped_count(worklist.assigned_tasks(user)) + project_task_count(user, InboxQuery()), COUNT_CAP
    )


# -- project tasks beside process tasks (the "mine" view) --------------------------------------------
#
# Project tasks are no engine tasks (the engine knows nothing of projects): the inbox reads them from
# projects.selectors with the same filters mapped onto their fields and the same order (soonest due
# first, undated last), and shows them as their own, labelled block of the "My tasks" view.

PROJECT_ROWS = 50
PROJECT_TASK_TYPE = "projects.projecttask"  # the inbox's "About" filter: project tasks only


def _project_filters(query: InboxQuery, now: datetime) -> dict | None:
    """The inbox query as project-task filters; None when it asks for process tasks only."""
    if query.process or query.task_name or query.object_type not in ("", PROJECT_TASK_TYPE):
        return None
    today = timezone.localdate(now)
    filters: dict = {"words": query.text.split()[:5]}
    if query.due == "overdue":
        filters["due_before"] = today
    elif query.due == "today":
        filters.update(due_from=today, due_before=today + timedelta(days=1))
    elif query.due == "week":
        filters["due_before"] = today + timedelta(days=7 - today.weekday())
    if query.priority == "high":
        filters["min_priority"] = HIGH_PRIORITY
    elif query.priority == "low":
        filters["max_priority"] = LOW_PRIORITY
    elif query.priority == "normal":
        filters.update(min_priority=LOW_PRIORITY + 1, max_priority=HIGH_PRIORITY - 1)
    return filters


def project_rows(user, query: InboxQuery, *, now: datetime | None = None) -> list:
    from projects.selectors import inbox_tasks

    now = now or timezone.now()
    filters = _project_filters(query, now)
    if filters is None or query.view != "mine":
        return []
    sort = query.sort if query.sort in ("priority", "created") else "due"
    rows = inbox_tasks(user, sort=sort, limit=PROJECT_ROWS, **filters)
    today = timezone.localdate(now)
    for row in rows:
        row.is_project = True
        # due by the end of its day, on the process tasks' clock (for one sort order)
        row.due_at = (
            timezone.make_aware(datetime.combine(row.due_on, datetime.max.time().replace(microsecond=0)))
            if row.due_on
            else None
        )
        row.overdue = bool(row.due_on and row.due_on < today)
        row.due_soon = bool(row.due_on and not row.overdue and row.due_on <= today + timedelta(days=1))
        row.priority_level = (
            "high" if row.priority >= HIGH_PRIORITY else "low" if row.priority <= LOW_PRIORITY else "normal"
        )
        row.bulk_approvable = False
    return rows


def _merge_key(query: InboxQuery):
    """The inbox's order (_sort) over process and project rows alike."""
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())

    def due(row):
        return (row.due_at is None, row.due_at or far)

    if query.sort == "priority":
        return lambda row: (-row.priority, *due(row))
    if query.sort == "created":
        return lambda row: -row.created_at.timestamp()
    return lambda row: (*due(row), -row.priority)


def project_task_count(user, query: InboxQuery, *, now: datetime | None = None) -> int:
    from projects.selectors import inbox_tasks_count

    filters = _project_filters(query, now or timezone.now())
    return 0 if filters is None else inbox_tasks_count(user, **filters)


# An inbox row shows the process's name, not its files (every BPMN and form text of the version, a
# JSON document decoded per row) nor the instance's data: measured, decoding them was the largest
# single cost of an inbox page (bench/ui_actions.py).
ROW_DEFERRED = (
    "instance__definition__files",
    "instance__definition__metadata",
    "instance__variables",
    "instance__completed_elements",
)


def inbox_page(
    user, query: InboxQuery, *, now: datetime | None = None, with_projects: bool = False
) -> InboxPage:
    """The rows of one page (PAGE_SIZE + 1 fetched to know whether a next page exists).

    `with_projects`: "My tasks" also holds my open project tasks (rows with `is_project`), merged
    in the same order; the process rows up to this page's end are then read to place them."""
    now = now or timezone.now()
    start = (query.page - 1) * PAGE_SIZE
    related = ("instance__definition", "assignee", "completed_by")
    projects = project_rows(user, query, now=now) if with_projects and query.view == "mine" else []
    if projects:
        qs = _sort(_filter(_view_queryset(user, query.view), query, now), query)
        process = list(qs.select_related(*related).defer(*ROW_DEFERRED)[: start + PAGE_SIZE + 1])
        rows = sorted([*process, *projects], key=_merge_key(query))[start : start + PAGE_SIZE + 1]
    elif query.view == "queue" and query.sort == "due" and _branches_supported():
        ids = _queue_page_ids(user, query, now, start + PAGE_SIZE + 1)[start:]
        found = worklist.tasks_by_ids(ids).select_related(*related).defer(*ROW_DEFERRED).in_bulk()
        rows = [found[pk] for pk in ids if pk in found]
    else:
        qs = _sort(_filter(_view_queryset(user, query.view), query, now), query)
        rows = list(qs.select_related(*related).defer(*ROW_DEFERRED)[start : start + PAGE_SIZE + 1])
    for row in rows:
        if getattr(row, "is_project", False):
            continue
        row.overdue = bool(row.is_open and row.due_at and row.due_at < now)
        row.due_soon = bool(row.is_open and row.due_at and not row.overdue and row.due_at < now + DUE_SOON)
        row.priority_level = (
            "high" if row.priority >= HIGH_PRIORITY else "low" if row.priority <= LOW_PRIORITY else "normal"
        )
    return InboxPage(
        rows=rows[:PAGE_SIZE],
        page=query.page,
        has_next=len(rows) > PAGE_SIZE,
        has_previous=query.page > 1,
    )


def process_choices() -> list[tuple[str, str]]:
    """(key, name) of every deployed process, for the filter."""
    names: dict[str, str] = {}
    for key, name in worklist.process_names():
        names.setdefault(key, name or key)
    return sorted(names.items(), key=lambda item: item[1].lower())


def object_type_choices(user, view: str) -> list[tuple[str, str]]:
    """The kinds of business objects the user's current view is about, for the filter."""
    from django.contrib.contenttypes.models import ContentType

    if view == "queue" and _branches_supported():
        # DISTINCT over a whole group queue costs a scan of all of it: list the kinds any task is
        # about instead, by a skip scan of the (business_object_type, id) index (a few probes).
        type_ids = engine_selectors.task_object_type_ids(limit=50)
    else:
        ids = (
            _view_queryset(user, view)
            .exclude(business_object_type=None)
            .order_by()
            .values_list("business_object_type_id", flat=True)
            .distinct()
        )
        type_ids = list(ids[:50])
    choices = []
    for type_id in type_ids:
        content_type = ContentType.objects.get_for_id(type_id)  # cached per process
        model = content_type.model_class()
        label = str(model._meta.verbose_name).capitalize() if model else content_type.model
        choices.append((f"{content_type.app_label}.{content_type.model}", label))
    if view == "mine" and project_task_count(user, InboxQuery()):
        from projects.models import ProjectTask

        choices.append((PROJECT_TASK_TYPE, str(ProjectTask._meta.verbose_name).capitalize()))
    return sorted(choices, key=lambda c: c[1].lower())


def task_name_choices(user, view: str, limit: int = 100) -> list[str]:
    """The distinct task names in the user's current view, for the filter. For a group queue
    (possibly huge) the user task names of the active process versions stand in: reading them
    costs one small query instead of a scan of every task the groups are offered."""
    if view == "queue":
        names = set()
        active = worklist.active_user_tasks()
        for user_tasks in active:
            names.update(str(t.get("name") or "") for t in (user_tasks or {}).values() if isinstance(t, dict))
        return sorted(n for n in names if n)[:limit]
    qs = _view_queryset(user, view).order_by("name").values_list("name", flat=True).distinct()
    return list(qs[:limit])


# -- the task page ------------------------------------------------------------------------------


def task_for_user(user, task_id: int) -> HumanTask | None:
    """The task, if `user` may see it (engine.selectors.task_for_user); None is shown as 404."""
    related = ("instance__definition", "instance__started_by", "assignee", "completed_by")
    return engine_selectors.task_for_user(user, task_id, related=related)


def task_is_offered_to(user, task: HumanTask) -> bool:
    return engine_selectors.task_is_offered_to(user, task)


def instance_history(instance: ProcessInstance) -> QuerySet:
    return engine_selectors.instance_history(instance).order_by("id")


def task_history(task: HumanTask) -> list[InstanceEvent]:
    """The whole instance's history, oldest first (the task is one step of it)."""
    return list(instance_history(task.instance))


def delegation_choices(user, limit: int = 200) -> list[tuple[str, str]]:
    """(username, name) of the colleagues a task is usually handed to: people sharing one of the
    user's groups or their department. Anyone active can still be typed in by user name."""
    from org.models import User
    from org.selectors import effective_group_ids

    department_id = User.objects.filter(pk=user.pk).values_list("employee__department_id", flat=True).first()
    near = Q(groups__in=effective_group_ids(user))
    if department_id:
        near |= Q(employee__department_id=department_id)
    qs = (
        User.objects.filter(is_active=True)
        .filter(near)
        .exclude(pk=user.pk)
        .order_by("username")
        .values_list("username", "display_name")
        .distinct()
    )
    return [(username, name or username) for username, name in qs[:limit]]


def colleague_named(typed: str):
    """The active user `typed` names, read back from what delegation_choices suggests: their name
    ("刘洋 Liu Yang"), their user name, or the one name that holds what was typed ("刘洋"); None
    when nobody or several."""
    from org.models import User

    if not typed:
        return None
    active = User.objects.filter(is_active=True)
    for found in (
        active.filter(display_name=typed),
        active.filter(username=typed),
        active.filter(display_name__icontains=typed),
    ):
        matches = list(found[:2])
        if len(matches) == 1:
            return matches[0]
    return None


# -- process instances: the diagram view and "my requests" -----------------------------------------


def instance_for_user(user, instance_id: int) -> ProcessInstance | None:
    return engine_selectors.instance_for_user(user, instance_id, related=("definition", "started_by"))


def instance_open_tasks(instance: ProcessInstance) -> list[HumanTask]:
    return worklist.open_tasks_of(instance)


def instance_open_incidents(instance: ProcessInstance) -> list[Incident]:
    return list(engine_selectors.open_incidents(instance).order_by("pk"))


def instance_diagram(instance: ProcessInstance, open_tasks, incidents) -> tuple[str, dict[str, list[str]]]:
    """(BPMN XML of the instance's process, element ids to highlight by state)."""
    files = instance.definition.files or {}
    marker = f'id="{instance.key}"'
    candidates = [text for name, text in files.items() if name.lower().endswith(".bpmn")]
    xml = next((text for text in candidates if marker in text), candidates[0] if candidates else "")
    current = sorted({t.element_id for t in open_tasks})
    failed = sorted({i.element_id for i in incidents if i.element_id})
    done = sorted(set(instance.completed_elements or []) - set(current) - set(failed))
    return xml, {"done": done, "current": current, "incident": failed}


@dataclass(frozen=True)
class Outcome:
    """Where a request stands, in words: approved / rejected / withdrawn / cancelled / done, or
    running with its current steps. `by` is a person's display name, `reason` their comment."""

    state: str
    by: str = ""
    reason: str = ""
    at: datetime | None = None
    steps: tuple[tuple[str, str], ...] = ()  # (step name, who holds it: a person or the lane/groups)


@dataclass(frozen=True)
class RequestRow:
    instance: ProcessInstance
    outcome: Outcome
    can_withdraw: bool
    resubmit_kind: str = ""  # a rejected or withdrawn request: the kind whose form takes its values


DECISION_KEY = "decision"  # the shipped approval forms' field: "approve" | "reject"


def _holder(task: HumanTask) -> str:
    if task.assignee_id:
        return str(task.assignee)
    # the lane names the role in words ("Sales manager 销售经理"); the groups' names are the fallback
    from org.selectors import group_labels

    groups = task.candidate_groups or []
    return task.lane or ", ".join(group_labels(set(groups)).get(g, g) for g in groups)


def request_outcomes(instances: list[ProcessInstance]) -> dict[int, Outcome]:
    """The outcome of each instance, from its recorded decisions: the last completed task whose
    form carried a decision, and who cancelled it (the requester: withdrawn). One query for all
    rows; running rows need their `open_tasks` prefetched (see `my_requests`)."""
    ids = [i.pk for i in instances]
    last_decision: dict[int, InstanceEvent] = {}
    cancelled: dict[int, InstanceEvent] = {}
    events = worklist.decisions_and_cancellations(ids, DECISION_KEY)
    for event in events if ids else ():
        if event.kind == InstanceEvent.Kind.CANCELLED:
            cancelled[event.instance_id] = event
        else:
            last_decision[event.instance_id] = event
    outcomes: dict[int, Outcome] = {}
    for instance in instances:
        decision = last_decision.get(instance.pk)
        if instance.status == ProcessInstance.Status.CANCELLED:
            event = cancelled.get(instance.pk)
            by_requester = event is not None and event.actor_id and event.actor_id == instance.started_by_id
            outcomes[instance.pk] = Outcome(
                "withdrawn" if by_requester else "cancelled",
                by=str(event.actor) if event is not None and event.actor else "",
                reason=(event.data or {}).get("reason", "") if event is not None else "",
                at=instance.ended_at,
            )
        elif instance.is_running or instance.status == ProcessInstance.Status.ERROR:
            steps = tuple((t.name, _holder(t)) for t in getattr(instance, "open_tasks", []))
            state = "attention" if instance.status == ProcessInstance.Status.ERROR else "running"
            outcomes[instance.pk] = Outcome(state, steps=steps)
        elif decision is not None:
            form = (decision.data or {}).get("data", {})
            rejected = form.get(DECISION_KEY) == "reject"
            outcomes[instance.pk] = Outcome(
                "rejected" if rejected else "approved",
                by=str(decision.actor) if decision.actor else "",
                reason=str(form.get("comment") or ""),
                at=instance.ended_at,
            )
        else:
            outcomes[instance.pk] = Outcome("done", at=instance.ended_at)
    return outcomes


def my_requests(user, *, running: bool, page: int = 1) -> tuple[list[RequestRow], bool]:
    """Instances the user started (running or finished), newest first, each with its outcome in
    words; the open tasks are prefetched so a running row can say who holds the current step."""
    statuses = ["running", "error"] if running else ["completed", "cancelled"]
    qs = worklist.started_by(user, statuses)
    start = (page - 1) * PAGE_SIZE
    instances = list(qs[start : start + PAGE_SIZE + 1])
    has_next = len(instances) > PAGE_SIZE
    instances = instances[:PAGE_SIZE]
    outcomes = request_outcomes(instances)
    kinds = resubmit_kinds() if not running else {}
    rows = [
        RequestRow(
            instance=i,
            outcome=outcomes[i.pk],
            can_withdraw=i.is_running and i.started_by_id == user.pk,
            resubmit_kind=kinds.get(i.business_object_type_id, "")
            if outcomes[i.pk].state in ("rejected", "withdrawn")
            else "",
        )
        for i in instances
    ]
    return rows, has_next


def resubmit_values(user, instance_id: int) -> tuple[str, dict] | None:
    """(kind, form values) of a finished request of the user's, to correct and send again; None for
    someone else's request, a running one, or a kind that cannot be started from a form."""
    from .applications import RESUBMIT

    instance = worklist.finished_request(user, instance_id)
    content_type = instance.business_object_type if instance is not None else None
    if content_type is None or not instance.business_object_id:
        return None
    entry = RESUBMIT.get(f"{content_type.app_label}.{content_type.model}")
    obj = content_type.model_class()._default_manager.filter(pk=instance.business_object_id).first()
    if entry is None or obj is None:
        return None
    kind, values = entry
    return kind, values(obj)


def resubmit_kinds() -> dict[str, str]:
    """business object type id -> the request kind that resubmits it (for the My requests links)."""
    from django.contrib.contenttypes.models import ContentType

    from .applications import RESUBMIT

    found = {}
    for label, (kind, _values) in RESUBMIT.items():
        app_label, model = label.split(".")
        found[ContentType.objects.get_by_natural_key(app_label, model).pk] = kind
    return found


# -- saved filters ----------------------------------------------------------------------------------

MAX_SAVED_FILTERS_SHOWN = 10


def saved_filters_with_counts(user, *, now: datetime | None = None) -> list:
    """The filters a user can use (own + shared with their groups), each with its capped count.
    One count per filter, so the page costs a bounded number of queries (at most 10 filters)."""
    from org.selectors import effective_group_ids

    from .models import SavedFilter

    now = now or timezone.now()
    filters = list(
        SavedFilter.objects.available_to(user, effective_group_ids(user))[:MAX_SAVED_FILTERS_SHOWN]
    )
    for saved in filters:
        query = saved_filter_query(saved)
        saved.count = _view_count(user, query.view, query, now)
        saved.capped = saved.count >= COUNT_CAP
        saved.query_string = urlencode({k: v for k, v in saved.params.items() if v})
    return filters


def saved_filter_query(saved) -> InboxQuery:
    params = saved.params or {}
    return InboxQuery(
        view=params.get("view") if params.get("view") in VIEWS else "mine",
        process=params.get("process", ""),
        task_name=params.get("task_name", ""),
        due=params.get("due", "") if params.get("due") in DUE_CHOICES else "",
        priority=params.get("priority", "") if params.get("priority") in PRIORITY_CHOICES else "",
        text=params.get("text", ""),
        sort=params.get("sort", "due") if params.get("sort") in SORTS else "due",
        object_type=params.get("object_type", ""),
    )


def sharing_groups(user) -> list:
    """The groups a user can share a filter with: the ones they belong to directly."""
    from org.selectors import group_choices

    return group_choices(user.groups.order_by("name"))


def instance_attachments(instance) -> list:
    from .models import TaskAttachment

    return list(
        TaskAttachment.objects.filter(process_instance=instance)
        .select_related("uploaded_by", "human_task")
        .order_by("uploaded_at", "pk")
    )


# -- my applications: what a user may start ---------------------------------------------------------


def request_kinds_for(user) -> list:
    """The kinds of request `user` can start: a process is bound to the kind's event and the user
    may create what the request writes."""
    from processes.models import StartBinding

    from .applications import KINDS

    bound = set(StartBinding.objects.filter(active=True).values_list("event", flat=True))
    return [
        kind
        for kind in KINDS.values()
        if kind.event in bound
        and (kind.permission is None or user.has_perm("{0}.{2}_{1}".format(*kind.permission)))
    ]


def last_instance_id() -> int:
    return worklist.last_instance_id()


def instance_started_since(user, after_id: int) -> ProcessInstance | None:
    """The process instance the user's request just started (the newest one of theirs since)."""
    return worklist.instance_started_since(user, after_id)


def customer_hints(user) -> list[tuple[str, str]]:
    """(code, name) of the user's own customers, offered while typing a customer code."""
    from crm.models import Customer

    from .applications import CUSTOMER_HINTS

    qs = Customer.objects.visible_to(user, "view").filter(owner=user).order_by("name")
    return list(qs.values_list("code", "name")[:CUSTOMER_HINTS])


def product_hints() -> list[tuple[str, str]]:
    from crm.models import Product

    from .applications import CUSTOMER_HINTS

    products = Product.objects.filter(active=True).order_by("code")
    return list(products.values_list("code", "name")[:CUSTOMER_HINTS])


def list_columns_for(*, user, list_key: str) -> list[str] | None:
    """The columns `user` chose for a generic list, or None for the list's defaults."""
    from .models import ListColumns

    row = ListColumns.objects.filter(user=user, list_key=list_key).values_list("columns", flat=True).first()
    return list(row) if row else None


def list_layout_for_group(*, group, list_key: str) -> list[str] | None:
    from .models import ListLayout

    row = ListLayout.objects.filter(group=group, list_key=list_key).values_list("columns", flat=True).first()
    return list(row) if row else None


def list_layout_for_user(*, user, list_key: str) -> list[str] | None:
    """The layout an administrator set for one of the person's roles (their own groups before the
    groups these are nested in; by name when several have one)."""
    from org.selectors import effective_group_ids

    from .models import ListLayout

    direct = set(user.groups.values_list("pk", flat=True))
    rows = list(
        ListLayout.objects.filter(group_id__in=effective_group_ids(user), list_key=list_key)
        .select_related("group")
        .order_by("group__name")
    )
    rows.sort(key=lambda r: r.group_id not in direct)
    return list(rows[0].columns) if rows else None
