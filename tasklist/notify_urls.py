"""The signed-in person's notification settings (namespace `notify`, mounted at
/account/notifications/)."""

from django.urls import path

from .views import notification_prefs

app_name = "notify"

urlpatterns = [
    path("", notification_prefs.preferences, name="preferences"),
]
