"""URL map. Each app mounts its own URL space as it lands."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api import pages as api_pages
from core import views as core_views
from integrations import views as integrations_views
from tasklist.views import dashboard as dashboard_views

urlpatterns = [
    path("", dashboard_views.dashboard, name="home"),
    path("healthz", core_views.health, name="health"),
    path("metrics", core_views.metrics_view, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The URL spaces with their own prefix come before the two mounted at the root: Django tries
    # patterns in order, and an API call used to be matched against every inbox and CRM page
    # first (about 14% of the CPU of a small API answer).
    path("api/", include("api.urls")),
    path("portal/", include("portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("designer/", include("tasklist.designer_urls")),
    path("reports/", include("reports.urls")),
    path("projects/", include("tasklist.projects_urls")),
    path("supplies/", include("tasklist.supplies_urls")),
    path("hr/", include("tasklist.hr_urls")),
    path("notifications/", include("integrations.urls")),
    path("account/notifications/", include("tasklist.notify_urls")),
    path("knowledge/", include("tasklist.knowledge_urls")),
    path("training/", include("tasklist.training_urls")),
    path("unsubscribe/<str:token>/", integrations_views.unsubscribe, name="unsubscribe"),
    path("m/o/<str:token>.gif", integrations_views.mailing_opened, name="mailing_opened"),
    path("messages/", include("tasklist.messages_urls")),
    path("work-logs/", include("tasklist.worklogs_urls")),
    path("admin/", admin.site.urls),
    path("manage/integrations/tokens/", api_pages.tokens, name="api_tokens"),
    path("manage/", include("tasklist.admin_urls")),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/login/?password_set=1"),
        name="set_password",
    ),
    path("", include("tasklist.urls")),
    path("", include("tasklist.crm_urls")),
]
