"""URLs of work plans and logs (namespace `worklogs`), mounted at /work-logs/."""

from django.urls import path

from .views import worklogs

app_name = "worklogs"

urlpatterns = [
    path("", worklogs.my_reports, name="mine"),
    path("write/", worklogs.report_write, name="write"),
    path("team/", worklogs.team, name="team"),
    path("<int:pk>/", worklogs.report_detail, name="report"),
    path("<int:pk>/comment/", worklogs.report_comment, name="comment"),
]
