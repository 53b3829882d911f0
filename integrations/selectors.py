"""Reads of the notifications app: a person's notification list and their unread count."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

from .models import Notification

PAGE_SIZE = 25
# The badge stops counting here: "99+" says enough and keeps the count query bounded.
UNREAD_CAP = 99


def notification_page(*, user, unread_only: bool = False, page: int | str = 1) -> Page:
    """One page of the user's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=user).only(
        "pk", "title", "body", "url", "created_at", "read_at", "template"
    )
    if unread_only:
        rows = rows.unread()
    return Paginator(rows, PAGE_SIZE).get_page(page)


def unread_count(*, user) -> tuple[int, bool]:
    """How many unread notifications the user has (capped), and whether the cap was hit."""
    ids = Notification.objects.filter(recipient=user).unread().values_list("pk", flat=True)[: UNREAD_CAP + 1]
    count = len(ids)
    return min(count, UNREAD_CAP), count > UNREAD_CAP
