"""The page django-axes shows when repeated failed sign-ins lock a username + address out.

A customer locked out of the portal's sign-in sees it in the portal's look, with the way back to
the portal (password reset); staff see the staff page. Both answer 429 and never tell whether the
account exists.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    template = (
        "portal/locked_out.html" if request.path.startswith("/portal/") else settings.AXES_LOCKOUT_TEMPLATE
    )
    minutes = round(settings.AXES_COOLOFF_TIME * 60) if settings.AXES_COOLOFF_TIME else None
    return render(request, template, {"cooloff_minutes": minutes}, status=settings.AXES_HTTP_RESPONSE_CODE)
