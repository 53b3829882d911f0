"""Refuse text that no database column can hold before any view sees it.

PostgreSQL rejects the NUL character in text (and `\\u0000` in jsonb) with an error that surfaces as
a 500 wherever a view passes a typed value straight to a service (a comment, a search box, a JSON
form answer). One check here turns all of them into a clear 400 that changes nothing.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    if any("\x00" in value for values in request.GET.lists() for value in values[1]):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type.startswith(FORM_TYPES):
        return any("\x00" in value for _key, values in request.POST.lists() for value in values)
    if content_type.endswith("json"):
        return b"\\u0000" in request.body or b"\x00" in request.body
    return False


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("The text contains a NUL character (\\0), which cannot be stored. Remove it.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "invalid", "message": message, "fields": {}, "location": None}, status=400
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
