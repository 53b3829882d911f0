"""URLs of the designer pages (namespace `designer`)."""

from django.urls import path

from .views import designer, designer_decisions, designer_forms, designer_runs, instance_ops

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
    path("processes/<str:key>/versions/<int:version>/test-run/", designer_runs.test_run, name="test_run"),
    path(
        "processes/<str:key>/versions/<int:version>/forms/<str:element_id>/",
        designer_forms.form_edit,
        name="form",
    ),
    path(
        "processes/<str:key>/versions/<int:version>/forms/<str:element_id>/preview/",
        designer_forms.form_preview,
        name="form_preview",
    ),
    path(
        "processes/<str:key>/versions/<int:version>/decisions/",
        designer_decisions.decisions,
        name="decisions",
    ),
]
