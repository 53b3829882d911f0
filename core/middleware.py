"""Refuse text that no database column can hold before any view sees it.

PostgreSQL rejects the NUL character in text (and `\\u0000` in jsonb) with an error that surfaces as
a 500 wherever a view passes a typed value straight to a service (a comment, a search box, a JSON
form answer). One check here turns all of them into a clear 400 that changes nothing.
"""

from __future__ import annotations

from decimal import InvalidOperation

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
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
        try:
            has_nul = _has_nul(request)
        except RequestDataTooBig:
            if not request.path.startswith("/api/"):
                raise  # Django's own 400 page
            message = _("The request body is larger than %(n)d bytes.") % {
                "n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            }
            return JsonResponse(
                {"code": "too_large", "message": message, "fields": {}, "location": None}, status=413
            )
        if has_nul:
            message = _("The text contains a NUL character (\\0), which cannot be stored. Remove it.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "invalid", "message": message, "fields": {}, "location": None}, status=400
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class DatabaseInterruptedMiddleware:
    """A request whose database connection broke mid-way (a failover, a restarted server, an
    administrator's pg_terminate_backend) answers 503 "nothing was saved, try again": its
    transaction was rolled back by the server, and Django opens a new connection for the next
    request. Anything else is left to the normal error handling."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError, connection

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # No SQLSTATE: the socket went away; 08: connection exception; 57P: server shutting down /
        # an administrator ended the session; 40: the transaction was rolled back (deadlock,
        # serialization). In each case the server rolled back the whole transaction.
        code = getattr(exception.__cause__, "pgcode", None)
        if code is not None and not code.startswith(("08", "57P", "40")):
            return None
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        message = _("The connection to the database was interrupted and nothing was saved. Please try again.")
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"code": "unavailable", "message": message, "fields": {}, "location": None}, status=503
            )
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "1"
        return response


class ValueOutOfRangeMiddleware:
    """The last line for the HTML pages, as `api.errors` is for the API: a value that reaches the
    database beyond its column (PostgreSQL: DataError; SQLite: InvalidOperation or OverflowError)
    was bad input, so it answers 400, not a 500. Services check the ranges they
    know first, naming the field (`core.ranges`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import DataError

        if not isinstance(exception, DataError | InvalidOperation | OverflowError):
            return None
        # Plain text, like the 503 above: the page template would query a connection whose
        # transaction may still be marked broken.
        message = _("A value is out of range or malformed. Go back and correct it.")
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
