from django.urls import path

from . import builder_views, dashboard_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("builder/", builder_views.builder, name="builder"),
    path("builder/save/", builder_views.builder_save, name="builder_save"),
    path("builder/export.xlsx", builder_views.builder_export, name="builder_export"),
    path("saved/", builder_views.saved_list, name="saved_list"),
    path("saved/<int:pk>/", builder_views.saved_report, name="saved"),
    path("saved/<int:pk>/export.xlsx", builder_views.saved_export, name="saved_export"),
    path("saved/<int:pk>/delete/", builder_views.saved_delete, name="saved_delete"),
    path("dashboards/", dashboard_views.dashboards, name="dashboards"),
    path("dashboards/new/", dashboard_views.dashboard_form, name="dashboard_new"),
    path("dashboards/<int:pk>/", dashboard_views.dashboard, name="dashboard"),
    path("dashboards/<int:pk>/edit/", dashboard_views.dashboard_form, name="dashboard_edit"),
    path("dashboards/<int:pk>/delete/", dashboard_views.dashboard_remove, name="dashboard_delete"),
    path("<slug:slug>/", views.report_page, name="report"),
    path("<slug:slug>/export.xlsx", views.report_export, name="export"),
]
