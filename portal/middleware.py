"""The wall between the customer portal and the staff system.

A signed-in portal user reaches /portal/ (and static files, language switching, sign-out) only:
every staff page, the admin and the staff API answer 403. Whether a session is a portal user's is
decided once, at sign-in (portal.receivers marks the session), so staff requests pay no query for
the check; a portal user's account is loaded once per request into `request.portal_account`.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.memo import remembered

from .models import PortalAccount
from .selectors import PORTAL_SESSION_KEY, account_for

ALLOWED_PREFIXES = ("/portal/", "/static/", "/i18n/", "/healthz", "/accounts/logout/")


def has_portal_account(user) -> bool:
    """The other half of the wall: the staff API refuses a token of such a user (core.walls)."""
    return remembered(
        ("portal_account", user.pk), lambda: PortalAccount.objects.filter(user_id=user.pk).exists()
    )


class PortalBoundaryMiddleware:
    """Place after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal_account = None
        session = getattr(request, "session", None)
        marked = session is not None and session.get(PORTAL_SESSION_KEY) is not None
        if not marked:
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        account = account_for(user)
        request.portal_account = account
        if not request.path.startswith(ALLOWED_PREFIXES):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "not_permitted",
                        "message": _("Customer portal accounts cannot use the staff API."),
                    },
                    status=403,
                )
            return render(request, "portal/staff_only.html", {"account": account}, status=403)
        return self.get_response(request)
