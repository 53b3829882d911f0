"""URLs of the office supplies shelf (namespace `supplies`)."""

from django.urls import path

from .views import supplies

app_name = "supplies"

urlpatterns = [
    path("", supplies.catalogue, name="catalogue"),
    path("<int:pk>/restock/", supplies.restock, name="restock"),
]
