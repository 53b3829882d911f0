"""The HR area (namespace `hr`): employee files."""

from django.urls import path

from .views import hr

app_name = "hr"

urlpatterns = [
    path("employees/", hr.employee_list, name="employees"),
    path("employees/<int:employee_id>/", hr.employee_file, name="employee"),
    path("documents/<int:document_id>/", hr.document_download, name="document"),
]
