"""The inbox (/tasks/): my tasks, my groups' queue, delegated by me, completed by me."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import selectors
from ..forms import InboxFilterForm, bulk_approvable, parse_inbox_query
from ..summaries import set_about_lines, set_offered_to


def _view_labels() -> dict[str, str]:
    return {
        "mine": _("My tasks"),
        "queue": _("My groups' queue"),
        "delegated": _("Delegated by me"),
        "done": _("Completed by me"),
    }


def _query_string(query: selectors.InboxQuery, **changes) -> str:
    params = {
        "view": query.view,
        "process": query.process,
        "task_name": query.task_name,
        "due": query.due,
        "priority": query.priority,
        "text": query.text,
        "object_type": query.object_type,
        "sort": query.sort,
        "page": query.page,
    }
    params.update(changes)
    if params["page"] == 1:
        params.pop("page")
    if params["sort"] == "due":
        params.pop("sort")
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _tabs(query: selectors.InboxQuery, counts: dict[str, int]) -> list[dict]:
    labels = _view_labels()
    return [
        {
            "view": view,
            "label": labels[view],
            "count": counts.get(view, 0),
            "capped": counts.get(view, 0) >= selectors.COUNT_CAP,
            "query": _query_string(query, view=view, page=1),
            "current": view == query.view,
        }
        for view in selectors.VIEWS
    ]


def _bulk_actions(view: str, rows) -> list[tuple[str, str, str]]:
    """(action, label, button style) offered for the selected rows of this view."""
    if view == "queue":
        return [("claim", _("Claim selected"), "btn-primary")]
    if view == "mine":
        actions = [("unclaim", _("Release selected"), ""), ("delegate", _("Delegate selected"), "")]
        if any(row.bulk_approvable for row in rows):
            actions.insert(0, ("approve", _("Approve selected"), "btn-ok"))
        return actions
    return []


@login_required
@require_GET
def inbox(request):
    user = request.user
    view = request.GET.get("view") if request.GET.get("view") in selectors.VIEWS else "mine"
    form = InboxFilterForm(
        request.GET,
        processes=selectors.process_choices(),
        task_names=selectors.task_name_choices(user, view),
        object_types=selectors.object_type_choices(user, view),
    )
    query = form.inbox_query()
    page = selectors.inbox_page(user, query, with_projects=True)
    process_rows = [row for row in page.rows if not getattr(row, "is_project", False)]
    set_about_lines(user, process_rows)
    set_offered_to(process_rows)
    for row in process_rows:
        row.bulk_approvable = query.view == "mine" and bulk_approvable(row.form_schema)
    counts = selectors.inbox_counts(user, query)
    saved_filters = selectors.saved_filters_with_counts(user)
    current = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "saved_filters": saved_filters,
        "current_saved": next((f for f in saved_filters if f.params == current), None),
        "sharing_groups": selectors.sharing_groups(user) if query.filtered else [],
        "bulk_actions": _bulk_actions(query.view, page.rows),
        "colleagues": selectors.delegation_choices(user) if query.view == "mine" and page.rows else [],
        "form": form,
        "query": query,
        "page": page,
        "tabs": _tabs(query, counts),
        "view_label": _view_labels()[query.view],
        "current_query": _query_string(query),
        "next_query": _query_string(query, page=query.page + 1) if page.has_next else "",
        "previous_query": _query_string(query, page=query.page - 1) if page.has_previous else "",
        "counts_query": _query_string(query, page=1),
    }
    template = (
        "tasklist/_inbox_results.html" if request.htmx and request.htmx.target == "inbox-results" else None
    )
    return render(request, template or "tasklist/inbox.html", context)


@login_required
@require_GET
def inbox_counts(request):
    """The tab bar with fresh counts (polled by htmx)."""
    query = parse_inbox_query(request.GET)
    counts = selectors.inbox_counts(request.user, query)
    context = {"tabs": _tabs(query, counts), "query": query, "counts_query": _query_string(query, page=1)}
    # Rendered without the request: polled fragments skip the context processors (navigation).
    return HttpResponse(render_to_string("tasklist/_inbox_tabs.html", context))


@login_required
@require_GET
def nav_count(request):
    """The number beside "Inbox" in the top bar (polled by htmx); empty when nothing is waiting."""
    count = selectors.my_open_task_count(request.user)
    context = {"count": count, "capped": count >= selectors.COUNT_CAP}
    return HttpResponse(render_to_string("tasklist/_nav_count.html", context).strip())
