from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("badge/", views.unread_badge, name="unread_badge"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:notification_id>/open/", views.notification_open, name="open"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:plan_id>/done/", views.plan_mark_done, name="plan_done"),
    path("mailings/<int:mailing_id>/", views.mailing_detail, name="mailing"),
    path("mailings/<int:mailing_id>/progress/", views.mailing_progress, name="mailing_progress"),
]
