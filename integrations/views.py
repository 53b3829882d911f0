"""The in-app notification list: read/unread, mark one or all read, open the related record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import selectors
from .models import Notification
from .services import notification_mark_read


@login_required
@require_GET
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = selectors.notification_page(
        user=request.user, unread_only=unread_only, page=request.GET.get("page", 1)
    )
    count, capped = selectors.unread_count(user=request.user)
    return render(
        request,
        "integrations/notifications.html",
        {"page": page, "unread_only": unread_only, "unread": count, "unread_capped": capped},
    )


@login_required
@require_GET
def unread_badge(request):
    count, capped = selectors.unread_count(user=request.user)
    return render(request, "integrations/_unread_badge.html", {"count": count, "capped": capped})


@login_required
@require_POST
def notification_open(request, notification_id: int):
    """Mark the notification read and go to what it is about (only a link inside this site)."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/"):
        return redirect(target)
    return redirect("integrations:notifications")


@login_required
@require_POST
def notification_read_all(request):
    notification_mark_read(user=request.user)
    suffix = "?show=unread" if request.POST.get("show") == "unread" else ""
    return redirect(reverse("integrations:notifications") + suffix)
