"""Records a message can link to, shown as cards.

A card says what the record is only to someone who may open it (the owning app's summary reads
through `visible_to(user, "view")`, a task through the tasks the user may see); anyone else sees
"a record you cannot open". A record is linked by choosing it ("message about this") or by pasting
its address into the text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy as _

from engine import selectors as engine_selectors
from engine import summaries

TASK = "engine.humantask"

# model label -> (what it is, in words; the staff page that shows it)
KINDS: dict[str, tuple[str, str]] = {
    "crm.customer": (_("Customer"), "crm:customer_detail"),
    "crm.order": (_("Order"), "crm:order_detail"),
    "crm.opportunity": (_("Opportunity"), "crm:opportunity_detail"),
    "crm.complaint": (_("Complaint"), "crm:complaint_detail"),
    "crm.servicerequest": (_("Service request"), "crm:service_request_detail"),
    TASK: (_("Task"), "tasklist:task"),
}
_BY_URL_NAME = {url_name: label for label, (_kind, url_name) in KINDS.items()}


@dataclass(frozen=True)
class RecordRef:
    model_label: str
    object_id: str

    @property
    def content_type(self) -> ContentType:
        app_label, model = self.model_label.split(".")
        return ContentType.objects.get_by_natural_key(app_label, model)


@dataclass(frozen=True)
class Card:
    kind: str  # "Customer", "Task"…; shown to everyone (it says nothing about the record)
    text: str  # the record's line; empty for a record the viewer may not open
    url: str

    @property
    def visible(self) -> bool:
        return bool(self.text)


def parse(value: str) -> RecordRef | None:
    """ "crm.customer:12" (what a "message about this" link carries) or None."""
    label, _sep, object_id = (value or "").partition(":")
    if label.lower() in KINDS and object_id.isdigit():
        return RecordRef(label.lower(), object_id)
    return None


def from_text(text: str) -> RecordRef | None:
    """The first address of a record in this site pasted into `text` (absolute or a path)."""
    for word in (text or "").split():
        path = urlsplit(word.strip("<>()[]\"'，。")).path if "/" in word else ""
        if not path.startswith("/"):
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue
        label = _BY_URL_NAME.get(match.view_name)
        object_id = str(match.kwargs.get("pk") or match.kwargs.get("task_id") or "")
        if label and object_id.isdigit():
            return RecordRef(label, object_id)
    return None


def _url(model_label: str, object_id: str) -> str:
    try:
        return reverse(KINDS[model_label][1], args=[int(object_id)])
    except (NoReverseMatch, KeyError, ValueError):
        return ""


def _task_lines(user, ids: list[str]) -> dict[str, str]:
    tasks = engine_selectors.viewable_tasks(user).filter(pk__in=[int(i) for i in ids if i.isdigit()])
    return {
        str(t.pk): " · ".join(p for p in (t.name, t.business_object_label, t.get_status_display()) if p)
        for t in tasks.only("pk", "name", "business_object_label", "status")
    }


def lines_for(user, refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(model label, id) -> the record's line, for those the user may open; one query per kind."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for label, object_id in refs:
        wanted[label].add(str(object_id))
    found: dict[tuple[str, str], str] = {}
    for label, ids in wanted.items():
        if label == TASK:
            answered = _task_lines(user, sorted(ids))
        else:
            type_id = RecordRef(label, "").content_type.pk
            answered = {
                object_id: text
                for (_t, object_id), text in summaries.lines(user, ((type_id, i) for i in ids)).items()
            }
        found.update({(label, object_id): text for object_id, text in answered.items()})
    return found


def may_open(user, ref: RecordRef) -> bool:
    return bool(lines_for(user, [(ref.model_label, ref.object_id)]))


def cards_for(user, messages: Iterable) -> dict[int, Card]:
    """Message pk -> its record's card as `user` may see it."""
    linked = []
    for message in messages:
        if message.record_type_id and message.record_id:
            content_type = ContentType.objects.get_for_id(message.record_type_id)
            label = f"{content_type.app_label}.{content_type.model}"
            if label in KINDS:
                linked.append((message.pk, label, message.record_id))
    lines = lines_for(user, ((label, object_id) for _pk, label, object_id in linked))
    cards = {}
    for pk, label, object_id in linked:
        text = lines.get((label, object_id), "")
        cards[pk] = Card(kind=str(KINDS[label][0]), text=text, url=_url(label, object_id) if text else "")
    return cards


# what a person types to find a record of each kind
SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "crm.customer": ("name", "code"),
    "crm.order": ("code", "customer__name"),
    "crm.opportunity": ("name", "customer__name"),
    "crm.complaint": ("code", "subject"),
    "crm.servicerequest": ("code", "subject"),
    TASK: ("name", "business_object_label"),
}
CHOICE_LIMIT = 10


def choices(user, *, model_label: str, query: str) -> list[tuple[RecordRef, str]]:
    """Records of one kind the user may open, matching `query`, newest first, with their lines."""
    from django.apps import apps
    from django.db.models import Q

    query = (query or "").strip()[:100]
    if model_label not in SEARCH_FIELDS or not query:
        return []
    match = Q()
    for name in SEARCH_FIELDS[model_label]:
        match |= Q(**{f"{name}__icontains": query})
    if model_label == TASK:
        rows = engine_selectors.viewable_tasks(user)
    else:
        rows = apps.get_model(model_label).objects.visible_to(user, "view")
    ids = [str(pk) for pk in rows.filter(match).order_by("-pk").values_list("pk", flat=True)[:CHOICE_LIMIT]]
    lines = lines_for(user, ((model_label, i) for i in ids))
    return [(RecordRef(model_label, i), lines[(model_label, i)]) for i in ids if (model_label, i) in lines]
