"""Reads behind the inbox and the task page, composed over the engine's HumanTask projection.

Every query here is index-friendly and costs a fixed number of round trips per page, whatever the
number of rows: the views' query-count tests hold that line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from engine.models import (
    DefinitionVersion,
    HumanTask,
    HumanTaskCandidate,
    Incident,
    InstanceEvent,
    ProcessInstance,
)

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
    if view == "mine":
        return HumanTask.objects.inbox(user)
    if view == "queue":
        return HumanTask.objects.queue(user)
    if view == "delegated":
        delegated = InstanceEvent.objects.filter(
            kind=InstanceEvent.Kind.TASK_DELEGATED, actor=user, human_task__isnull=False
        ).values("human_task_id")
        return HumanTask.objects.open().filter(pk__in=delegated).exclude(assignee=user)
    if view == "done":
        return HumanTask.objects.filter(status=HumanTask.Status.COMPLETED, completed_by=user)
    raise ValueError(view)


def _day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _filter(qs: QuerySet, query: InboxQuery, now: datetime) -> QuerySet:
    if query.process:
        qs = qs.filter(definition_key=query.process)
    if query.task_name:
        qs = qs.filter(name=query.task_name)
    if query.object_type and "." in query.object_type:
        app_label, model = query.object_type.split(".", 1)
        qs = qs.filter(business_object_type__app_label=app_label, business_object_type__model=model)
    if query.due == "overdue":
        qs = qs.filter(due_at__lt=now)
    elif query.due == "today":
        start = _day_start(now)
        qs = qs.filter(due_at__gte=start, due_at__lt=start + timedelta(days=1))
    elif query.due == "week":
        start = _day_start(now)
        end_of_week = start + timedelta(days=7 - start.weekday())
        qs = qs.filter(due_at__lt=end_of_week)
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


def inbox_counts(user, query: InboxQuery, *, now: datetime | None = None) -> dict[str, int]:
    """One capped count per view, with the current filters applied."""
    now = now or timezone.now()
    return {view: capped_count(_filter(_view_queryset(user, view), query, now)) for view in VIEWS}


def my_open_task_count(user) -> int:
    return capped_count(HumanTask.objects.inbox(user))


def inbox_page(user, query: InboxQuery, *, now: datetime | None = None) -> InboxPage:
    """The rows of one page (PAGE_SIZE + 1 fetched to know whether a next page exists)."""
    now = now or timezone.now()
    qs = _sort(_filter(_view_queryset(user, query.view), query, now), query)
    qs = qs.select_related("instance__definition", "assignee", "completed_by")
    start = (query.page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    for row in rows:
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
    for key, name in DefinitionVersion.objects.order_by("key", "-version").values_list("key", "name"):
        names.setdefault(key, name or key)
    return sorted(names.items(), key=lambda item: item[1].lower())


def object_type_choices(user, view: str) -> list[tuple[str, str]]:
    """The kinds of business objects the user's current view is about, for the filter."""
    from django.contrib.contenttypes.models import ContentType

    ids = (
        _view_queryset(user, view)
        .exclude(business_object_type=None)
        .order_by()
        .values_list("business_object_type_id", flat=True)
        .distinct()
    )
    choices = []
    for type_id in list(ids[:50]):
        content_type = ContentType.objects.get_for_id(type_id)  # cached per process
        model = content_type.model_class()
        label = str(model._meta.verbose_name).capitalize() if model else content_type.model
        choices.append((f"{content_type.app_label}.{content_type.model}", label))
    return sorted(choices, key=lambda c: c[1].lower())


def task_name_choices(user, view: str, limit: int = 100) -> list[str]:
    """The distinct task names in the user's current view, for the filter."""
    qs = _view_queryset(user, view).order_by("name").values_list("name", flat=True).distinct()
    return list(qs[:limit])


# -- the task page ------------------------------------------------------------------------------


def task_for_user(user, task_id: int) -> HumanTask | None:
    """The task, if `user` may see it: assignee, candidate, completer, starter of the instance,
    someone who acted on it (e.g. delegated it), or within the user's permission scope over tasks.
    None otherwise (shown as 404)."""
    from org.selectors import effective_group_ids

    offered = HumanTaskCandidate.objects.filter(Q(user=user) | Q(group_id__in=effective_group_ids(user)))
    base = HumanTask.objects.filter(pk=task_id)
    acted = InstanceEvent.objects.filter(human_task_id=task_id, actor=user).values("human_task_id")
    mine = base.filter(
        Q(assignee=user)
        | Q(completed_by=user)
        | Q(instance__started_by=user)
        | Q(pk__in=offered.filter(task_id=task_id).values("task_id"))
        | Q(pk__in=acted)
    )
    visible = mine | base.visible_to(user, "view")
    return visible.select_related(
        "instance__definition", "instance__started_by", "assignee", "completed_by"
    ).first()


def task_is_offered_to(user, task: HumanTask) -> bool:
    from org.selectors import effective_group_ids

    return (
        HumanTaskCandidate.objects.filter(task=task)
        .filter(Q(user=user) | Q(group_id__in=effective_group_ids(user)))
        .exists()
    )


def instance_history(instance: ProcessInstance) -> QuerySet:
    from engine.selectors import instance_history as engine_history

    return engine_history(instance).order_by("id")


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


# -- process instances: the diagram view and "my requests" -----------------------------------------


def _involved_instances(user) -> Q:
    """Instances a user took part in: started, holds or held a task, is offered one, or acted on."""
    from org.selectors import effective_group_ids

    offered = HumanTaskCandidate.objects.filter(Q(user=user) | Q(group_id__in=effective_group_ids(user)))
    tasks = HumanTask.objects.filter(
        Q(assignee=user) | Q(completed_by=user) | Q(pk__in=offered.values("task_id"))
    )
    acted = InstanceEvent.objects.filter(actor=user).values("instance_id")
    return Q(started_by=user) | Q(pk__in=tasks.values("instance_id")) | Q(pk__in=acted)


def instance_for_user(user, instance_id: int) -> ProcessInstance | None:
    base = ProcessInstance.objects.filter(pk=instance_id)
    visible = base.filter(_involved_instances(user)) | base.visible_to(user, "view")
    return visible.select_related("definition", "started_by").first()


def instance_open_tasks(instance: ProcessInstance) -> list[HumanTask]:
    return list(
        HumanTask.objects.open()
        .filter(instance=instance)
        .select_related("assignee")
        .order_by("created_at", "pk")
    )


def instance_open_incidents(instance: ProcessInstance) -> list[Incident]:
    return list(Incident.objects.filter(instance=instance, status=Incident.Status.OPEN).order_by("pk"))


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


def my_requests(user, *, running: bool, page: int = 1) -> tuple[list[ProcessInstance], bool]:
    """Instances the user started (running or finished), newest first, with their open tasks
    prefetched so each row can say who holds the current step."""
    statuses = ["running", "error"] if running else ["completed", "cancelled"]
    qs = (
        ProcessInstance.objects.filter(started_by=user, status__in=statuses)
        .select_related("definition")
        .prefetch_related(
            Prefetch(
                "human_tasks",
                queryset=HumanTask.objects.open().select_related("assignee").order_by("pk"),
                to_attr="open_tasks",
            )
        )
        .order_by("-started_at", "-pk")
    )
    start = (page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


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
        saved.count = capped_count(_filter(_view_queryset(user, query.view), query, now))
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
    return list(user.groups.order_by("name"))


def instance_attachments(instance) -> list:
    from .models import TaskAttachment

    return list(
        TaskAttachment.objects.filter(process_instance=instance)
        .select_related("uploaded_by", "human_task")
        .order_by("uploaded_at", "pk")
    )
