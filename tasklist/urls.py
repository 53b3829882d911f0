"""URLs of the staff web UI (namespace `tasklist`)."""

from django.urls import path

from .views import (
    account,
    attachments,
    bulk,
    directory,
    filters,
    inbox,
    instance_ops,
    instances,
    mailings,
    starts,
    task,
)
from .views.admin import notices as admin_notices

app_name = "tasklist"

urlpatterns = [
    path("tasks/", inbox.inbox, name="inbox"),
    path("tasks/counts/", inbox.inbox_counts, name="inbox_counts"),
    path("tasks/nav-count/", inbox.nav_count, name="nav_count"),
    path("tasks/bulk/", bulk.bulk_action, name="bulk"),
    path("tasks/filters/", filters.filter_save, name="filter_save"),
    path("tasks/filters/<int:filter_id>/delete/", filters.filter_delete, name="filter_delete"),
    path("tasks/<int:task_id>/", task.task_detail, name="task"),
    path("tasks/<int:task_id>/complete/", task.task_complete, name="task_complete"),
    path("tasks/<int:task_id>/claim/", task.task_claim, name="task_claim"),
    path("tasks/<int:task_id>/unclaim/", task.task_unclaim, name="task_unclaim"),
    path("tasks/<int:task_id>/delegate/", task.task_delegate, name="task_delegate"),
    path("tasks/<int:task_id>/comment/", task.task_comment, name="task_comment"),
    path("tasks/<int:task_id>/pickers/", task.task_picker, name="task_picker"),
    path("tasks/<int:task_id>/attachments/", attachments.attachment_upload, name="attachment_upload"),
    path(
        "tasks/<int:task_id>/attachments/<int:attachment_id>/",
        attachments.attachment_download,
        name="attachment_download",
    ),
    path("instances/<int:instance_id>/", instances.instance_detail, name="instance"),
    path("instances/<int:instance_id>/cancel/", instances.instance_cancel, name="instance_cancel"),
    path(
        "instances/<int:instance_id>/incidents/<int:incident_id>/retry/",
        instances.incident_retry,
        name="incident_retry",
    ),
    path("instances/<int:instance_id>/suspend/", instance_ops.instance_suspend, name="instance_suspend"),
    path(
        "instances/<int:instance_id>/tasks/<int:task_id>/reassign/",
        instance_ops.task_reassign,
        name="instance_task_reassign",
    ),
    path(
        "instances/<int:instance_id>/tasks/<int:task_id>/due/",
        instance_ops.task_due,
        name="instance_task_due",
    ),
    path("requests/", instances.my_requests, name="requests"),
    path("mailings/new/", mailings.mailing_new, name="mailing_new"),
    path("requests/new/<slug:kind>/", instances.request_new, name="request_new"),
    path("requests/start/<str:key>/", starts.process_start, name="process_start"),
    path("requests/<int:instance_id>/withdraw/", instances.request_withdraw, name="request_withdraw"),
    path("account/language/", account.language_switch, name="language"),
    path("people/", directory.address_book, name="directory"),
    path("people/vcard/", directory.vcard, name="directory_vcard"),
    path("people/<int:employee_id>/", directory.person, name="directory_person"),
    path("notices/", admin_notices.my_notices, name="notices"),
    path("notices/<int:pk>/", admin_notices.my_notice, name="notice"),
]
