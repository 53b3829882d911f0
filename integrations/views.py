"""The in-app notification list: read/unread, mark one or all read, open the related record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ValidationFailed

from . import mailings, selectors
from .mailings import opt_out
from .models import Mailing, Notification, PersonalPlan
from .plans import plan_create, plan_done
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
    # Stripped: a badge with only a newline in it is not :empty and shows as a blank pill.
    html = render_to_string("integrations/_unread_badge.html", {"count": count, "capped": capped}, request)
    return HttpResponse(html.strip())


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


@require_http_methods(["GET", "POST"])
@csrf_exempt  # mail clients post the one-click unsubscribe (RFC 8058) without a session
def unsubscribe(request, token: str):
    """Public: GET asks to confirm, POST records the unsubscribe."""
    done = False
    error = ""
    if request.method == "POST":
        try:
            opt_out(token=token)
            done = True
        except ValidationFailed as failure:
            error = failure.message
    else:
        try:
            signing.loads(token, salt=mailings.SALT)
        except signing.BadSignature:
            error = _("This unsubscribe link is not valid.")
    status = 400 if error else 200
    return render(request, "integrations/unsubscribe.html", {"done": done, "error": error}, status=status)


# a transparent 1x1 GIF
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@require_http_methods(["GET"])
def mailing_opened(request, token: str):
    """Public: the tracking image of a mailing's e-mail; its first load marks the message opened."""
    mailings.mailing_opened(token=token)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def _visible_mailing(user, mailing_id: int) -> Mailing:
    return get_object_or_404(Mailing.objects.visible_to(user), pk=mailing_id)


@login_required
@require_GET
def mailing_detail(request, mailing_id: int):
    mailing = _visible_mailing(request.user, mailing_id)
    context = {"mailing": mailing, "progress": mailings.mailing_progress(mailing)}
    return render(request, "integrations/mailing.html", context)


@login_required
@require_GET
def mailing_progress(request, mailing_id: int):
    mailing = _visible_mailing(request.user, mailing_id)
    context = {"mailing": mailing, "progress": mailings.mailing_progress(mailing)}
    return render(request, "integrations/_mailing_progress.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_list(request):
    errors: dict = {}
    if request.method == "POST":
        try:
            plan_create(
                owner=request.user,
                title=request.POST.get("title", ""),
                remind_at=request.POST.get("remind_at", ""),
                notes=request.POST.get("notes", ""),
            )
        except ValidationFailed as failure:
            errors = {k: [str(m) for m in v] for k, v in failure.fields.items()}
        else:
            return redirect("integrations:plans")
    plans = PersonalPlan.objects.filter(owner=request.user, done=False)[:200]
    context = {"plans": plans, "errors": errors, "form": request.POST}
    return render(request, "integrations/plans.html", context, status=400 if errors else 200)


@login_required
@require_POST
def plan_mark_done(request, plan_id: int):
    plan_done(owner=request.user, plan_id=plan_id)
    return redirect("integrations:plans")
