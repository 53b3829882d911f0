"""Web-shell middleware: the signed-in user's language, and domain errors shown as pages."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from core.errors import DomainError

_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    """Activate the language saved on the user, over the browser's (which LocaleMiddleware chose).

    Place it after AuthenticationMiddleware. An empty User.language keeps the browser's choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language not in _LANGUAGES:
            return self.get_response(request)
        request.LANGUAGE_CODE = language
        # override() restores the thread's previous language afterwards, so the user's choice never
        # leaks into the next request, a Celery task or a test run on the same thread.
        with translation.override(language):
            return self.get_response(request)


class DomainErrorMiddleware:
    """A domain error that escapes a view (not found, not permitted, conflict) becomes a 4xx page.

    Views catch the errors they can explain in place (e.g. a form's field errors); this is the net
    under them, so a domain error is never a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if request.headers.get("HX-Request"):
            template = "errors/domain_fragment.html"
        else:
            template = "errors/domain.html"
        return render(request, template, {"error": exception}, status=exception.http_status)
