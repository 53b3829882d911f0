"""URLs of the administration area (namespace `manage`, mounted at /manage/)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse

from .views.admin import (
    SECTIONS,
    connectors,
    data_model,
    integrations,
    may_manage,
    message_templates,
    notices,
    org,
    sales,
    service_settings,
)
from .views.admin import audit as audit_views
from .views.admin import config as config_views

app_name = "manage"


@login_required
def index(request):
    sections = [
        {"section": s, "url": reverse(s.url_name), "audit": reverse("manage:audit", args=[s.key])}
        for s in SECTIONS
        if may_manage(request.user, s.key)
    ]
    if not sections:
        raise PermissionDenied
    return render(request, "tasklist/admin/index.html", {"sections": sections})


@login_required
def audit(request, section: str):
    if section not in audit_views.OBJECT_TYPES:
        from django.http import Http404

        raise Http404
    return audit_views.section_audit(request, section)


urlpatterns = [
    path("", index, name="index"),
    path("<slug:section>/audit/", audit, name="audit"),
    path("org/departments/", org.departments, name="departments"),
    path("org/departments/<int:pk>/", org.department_edit, name="department"),
    path("org/departments/<int:pk>/move/", org.department_move, name="department_move"),
    path("org/positions/", org.positions, name="positions"),
    path("org/employees/", org.employees, name="employees"),
    path("org/employees/<int:pk>/", org.employee_edit, name="employee"),
    path("org/groups/", org.groups, name="groups"),
    path("org/groups/<int:pk>/", org.group_detail, name="group"),
    path("org/groups/<int:pk>/permissions/", org.group_permissions, name="group_permissions"),
    path("org/users/", org.users, name="users"),
    path("org/users/invite/", org.user_invite_view, name="user_invite"),
    path("org/users/<int:pk>/", org.user_detail, name="user"),
    path("org/access/", org.access_explainer, name="access"),
    path("notices/", notices.notices, name="notices"),
    path("notices/new/", notices.notice_form, name="notice_new"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice"),
    path("notices/<int:pk>/edit/", notices.notice_form, name="notice_edit"),
    path("notices/<int:pk>/publish/", notices.notice_publish_view, name="notice_publish"),
    path("integrations/webhooks/", integrations.webhooks, name="webhooks"),
    path("integrations/webhooks/new/", integrations.webhook_form, name="webhook_new"),
    path("integrations/webhooks/<int:pk>/", integrations.webhook_detail, name="webhook"),
    path("integrations/webhooks/<int:pk>/edit/", integrations.webhook_form, name="webhook_edit"),
    path("integrations/webhooks/<int:pk>/do/", integrations.webhook_action, name="webhook_action"),
    path("integrations/connectors/", connectors.connectors, name="connectors"),
    path("integrations/connectors/<slug:key>/", connectors.connector_edit, name="connector"),
    path("integrations/connectors/<slug:key>/test/", connectors.connector_test, name="connector_test"),
    path("integrations/notifications/", connectors.deliveries, name="notification_deliveries"),
    path("integrations/accounts/", connectors.accounts, name="messenger_accounts"),
    path(
        "integrations/notifications/<int:pk>/retry/",
        connectors.delivery_retry_view,
        name="notification_delivery_retry",
    ),
    path("integrations/templates/", message_templates.templates, name="notification_templates"),
    path(
        "integrations/templates/<slug:name>/<str:language>/",
        message_templates.template_edit,
        name="notification_template",
    ),
    path(
        "integrations/templates/<slug:name>/<str:language>/preview/",
        message_templates.template_preview,
        name="notification_template_preview",
    ),
    path(
        "integrations/templates/<slug:name>/<str:language>/reset/",
        message_templates.template_reset,
        name="notification_template_reset",
    ),
    path("config/", config_views.config_page, name="config"),
    path("config/export.json", config_views.config_download, name="config_export"),
    path("config/import/", config_views.config_compare, name="config_compare"),
    path("config/import/apply/", config_views.config_apply, name="config_apply"),
    path("sales/processes/", sales.processes, name="sales_processes"),
    path("sales/processes/new/", sales.process_form, name="sales_process_new"),
    path("sales/processes/<int:pk>/", sales.process_detail, name="sales_process"),
    path("sales/processes/<int:pk>/edit/", sales.process_form, name="sales_process_edit"),
    path("sales/stages/<int:pk>/", sales.stage_form, name="sales_stage"),
    path("sales/stages/<int:pk>/do/", sales.stage_action, name="sales_stage_action"),
    path("sales/pools/", sales.pools, name="sales_pools"),
    path("sales/pools/<int:pk>/", sales.pool_form, name="sales_pool"),
    path("sales/levels/", sales.levels, name="sales_levels"),
    path("sales/levels/<int:pk>/", sales.level_form, name="sales_level"),
    path("sales/levels/suggestions/", sales.level_suggestion_list, name="sales_level_suggestions"),
    path("data/", data_model.custom_fields, name="custom_fields"),
    path("data/fields/new/", data_model.custom_field_form, name="custom_field_new"),
    path("data/fields/<int:pk>/", data_model.custom_field_form, name="custom_field"),
    path("data/choices/", data_model.choice_lists, name="choice_lists"),
    path("data/choices/<slug:key>/", data_model.choice_list, name="choice_list"),
    path("data/layouts/", data_model.list_layouts, name="list_layouts"),
    path("service/", service_settings.sla_policies, name="sla_policies"),
    path("service/sla/new/", service_settings.sla_policy_form, name="sla_policy_new"),
    path("service/sla/<int:pk>/", service_settings.sla_policy_form, name="sla_policy"),
    path("service/calendar/", service_settings.calendar, name="calendar"),
]
