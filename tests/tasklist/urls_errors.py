"""A URL map with views that fail on purpose, for the error-page tests."""

from django.urls import include, path

from core.errors import Conflict


def conflict(request):
    raise Conflict("Somebody was faster.")


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("conflict/", conflict),
    path("boom/", boom),
    path("", include("config.urls")),
]
