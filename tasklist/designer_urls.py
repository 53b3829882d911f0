"""URLs of the designer pages (namespace `designer`)."""

from django.urls import path

from .views import designer, instance_ops

app_name = "designer"

urlpatterns = [
    path("", designer.index, name="index"),
    path("upload/", designer.upload, name="upload"),
    path("processes/<str:key>/", designer.process_detail, name="process"),
    path("processes/<str:key>/edit/", designer.edit, name="edit"),
    path("processes/<str:key>/starting/", designer.start_settings, name="start_settings"),
    path("processes/<str:key>/diff/", designer.diff, name="diff"),
    path("processes/<str:key>/versions/<int:version>/save/", designer.save, name="save"),
    path("processes/<str:key>/versions/<int:version>/activate/", designer.activate, name="activate"),
    path("processes/<str:key>/migrate/", instance_ops.migrate, name="migrate"),
]
