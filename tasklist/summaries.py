"""What the staff UI shows about a task's business object and its people, in words.

The business object's faces come from the registry (`engine.summaries`, filled by the domain apps):
the panel on the task page, one line per inbox row. Who a task is offered to reads as group display
names and people's names, never group ids or user names. Each helper works on a whole page of rows
at once (one query per kind of object, one for the groups and people named)."""

from __future__ import annotations

from engine import summaries


def business_object_summary(user, *, type_id: int | None, object_id: str) -> dict | None:
    """The panel beside (or above, `placement: "main"`) the task's form; None when there is none
    or the user may not see the record."""
    return summaries.panel(user, type_id=type_id, object_id=object_id)


def about_line(user, task) -> str:
    """The task's business object in one line (its stored label where the user may not see it)."""
    return summaries.task_lines(user, [task]).get(task.pk, "")


def set_about_lines(user, rows) -> None:
    """`row.about` on every row of a page: one query per kind of business object on it."""
    rows = list(rows)
    lines = summaries.task_lines(user, rows)
    for row in rows:
        row.about = lines.get(row.pk, "") or row.business_object_label


def set_offered_to(rows) -> None:
    """`row.offered_to`: the groups (display names) and people (names) a task is offered to."""
    from org.selectors import group_labels, user_labels

    rows = list(rows)
    groups = group_labels({g for row in rows for g in row.candidate_groups or []})
    people = user_labels({u for row in rows for u in row.candidate_users or []})
    for row in rows:
        names = [groups.get(g, g) for g in row.candidate_groups or []]
        names += [people.get(u, u) for u in row.candidate_users or []]
        row.offered_to = ", ".join(names)
