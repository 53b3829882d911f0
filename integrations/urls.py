from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("badge/", views.unread_badge, name="unread_badge"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:notification_id>/open/", views.notification_open, name="open"),
]
