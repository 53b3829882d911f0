"""A URL map with views that fail on purpose, for the error-page tests."""

from django.http import HttpResponse
from django.urls import include, path

from core.errors import Conflict


def conflict(request):
    raise Conflict("Somebody was faster.")


def boom(request):
    raise RuntimeError("boom")


def overflow(request):
    from decimal import Decimal

    from crm.models import Product

    # A value no service checked, beyond its column: PostgreSQL refuses it (DataError), SQLite
    # stores it and fails reading it back (InvalidOperation).
    product = Product.objects.create(code="HUGE", name="huge", price=Decimal("1e20"))
    return HttpResponse(Product.objects.get(pk=product.pk).price)


urlpatterns = [
    path("conflict/", conflict),
    path("boom/", boom),
    path("overflow/", overflow),
    path("", include("config.urls")),
]
