"""URLs of the staff CRM screens (namespace `crm`, the name the navigation looks for)."""

from django.urls import path

from .views.crm import (
    calendar,
    contracts,
    customers,
    documents,
    imports,
    merge,
    pipeline,
    pool,
    quotations,
    records,
    sales,
    search,
    service,
)
from .views.objects import object_urls

app_name = "crm"

urlpatterns = [
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/export/", customers.customer_export, name="customer_export"),
    path("customers/queries/", customers.saved_query_create, name="saved_query_create"),
    path(
        "customers/queries/<int:saved_query_id>/delete/",
        customers.saved_query_delete_view,
        name="saved_query_delete",
    ),
    path("customers/new/", customers.customer_new, name="customer_new"),
    path("customers/duplicates/", customers.customer_duplicates, name="customer_duplicates"),
    path("customers/merge/", merge.customer_merge_view, name="customer_merge"),
    path("customers/pool/", pool.pool_list, name="pool"),
    path("customers/pool/<int:pk>/claim/", pool.pool_claim_view, name="pool_claim"),
    path("customers/import/", imports.import_start, name="import"),
    path("customers/import/run/", imports.import_run, name="import_run"),
    path("customers/import/<int:job_id>/", imports.import_job, name="import_job"),
    path("customers/import/<int:job_id>/errors.xlsx", imports.import_errors, name="import_errors"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/share/", customers.customer_share_add, name="customer_share"),
    path(
        "customers/<int:pk>/share/<int:share_id>/delete/",
        customers.customer_share_remove,
        name="customer_unshare",
    ),
    path("customers/<int:pk>/level/", customers.customer_level_request, name="customer_level"),
    path("customers/<int:pk>/release/", customers.customer_release, name="customer_release"),
    path("customers/<int:pk>/documents/", documents.document_add, name="document_add"),
    path("documents/<int:document_id>/", documents.document_download, name="document_download"),
    path("documents/<int:document_id>/share/", documents.document_share_toggle, name="document_share"),
    path("documents/<int:document_id>/delete/", documents.document_remove, name="document_delete"),
    path("contacts/<int:pk>/", records.contact_detail, name="contact_detail"),
    path("opportunities/<int:pk>/", records.opportunity_detail, name="opportunity_detail"),
    path("orders/<int:pk>/", records.order_detail, name="order_detail"),
    path("complaints/<int:pk>/", service.complaint_detail, name="complaint_detail"),
    path("service-requests/<int:pk>/", service.service_request_detail, name="service_request_detail"),
    *(
        path(f"{kind}/<int:pk>/{page}/", view, {"kind": kind}, name=f"{key}_{page}")
        for kind, key in (("complaints", "complaint"), ("service-requests", "service_request"))
        for page, view in (("messages", service.case_message), ("merge", service.case_merge_view))
    ),
    path(
        "consultations/<int:pk>/convert/<str:target>/",
        service.consultation_convert,
        name="consultation_convert",
    ),
    *(url for otype in service.SERVICE_TYPES for url in object_urls(otype)),
    path(
        "<str:kind>/<int:pk>/portal-files/<int:attachment_id>/",
        records.portal_attachment,
        name="portal_attachment",
    ),
    path("opportunities/board/", pipeline.opportunity_board, name="opportunity_board"),
    path("opportunities/reasons/", pipeline.opportunity_reasons, name="opportunity_reasons"),
    path("opportunities/<int:pk>/move/", pipeline.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/close/", pipeline.opportunity_close_view, name="opportunity_close"),
    path("leads/<int:pk>/convert/", pipeline.lead_convert_view, name="lead_convert"),
    path("leads/<int:pk>/disqualify/", pipeline.lead_disqualify_view, name="lead_disqualify"),
    path("leads/web-form/", pipeline.lead_form_help, name="lead_form_help"),
    path("leads/import/", pipeline.lead_import_view, name="lead_import"),
    path("forms/lead/", pipeline.lead_web_form, name="lead_web_form"),
    path("activities/<int:pk>/done/", calendar.activity_done, name="activity_done"),
    path("calendar/", calendar.my_calendar, name="calendar"),
    path("search/", search.search, name="search"),
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    *(url for otype in sales.SALES_TYPES for url in object_urls(otype)),
    path("quotations/", quotations.quotation_list, name="quotation_list"),
    path("quotations/new/", quotations.quotation_new, name="quotation_new"),
    path("quotations/<int:pk>/", quotations.quotation_detail, name="quotation_detail"),
    path("quotations/<int:pk>/revise/", quotations.quotation_revise_view, name="quotation_revise"),
    path("quotations/<int:pk>/pdf/", quotations.quotation_pdf_view, name="quotation_pdf"),
    path("quotations/<int:pk>/<str:action>/", quotations.quotation_action, name="quotation_action"),
    path("orders/new/", quotations.order_new, name="order_new"),
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/<str:action>/", contracts.contract_action, name="contract_action"),
    path("targets/", contracts.targets, name="targets"),
]
