"""URLs of the project screens (namespace `projects`)."""

from django.urls import path

from .views import projects

app_name = "projects"

urlpatterns = [
    path("", projects.project_list, name="list"),
    path("new/", projects.project_new, name="new"),
    path("<int:pk>/", projects.project_detail, name="detail"),
    path("<int:pk>/edit/", projects.project_edit, name="edit"),
    path("<int:pk>/tasks/new/", projects.task_form, name="task_new"),
    path("<int:pk>/tasks/<int:task_id>/edit/", projects.task_form, name="task_edit"),
    path("<int:pk>/tasks/<int:task_id>/delete/", projects.task_delete, name="task_delete"),
    path("tasks/<int:pk>/move/", projects.task_move, name="task_move"),
    path("<int:pk>/members/", projects.member_add, name="member_add"),
    path("<int:pk>/members/<int:user_id>/remove/", projects.member_remove, name="member_remove"),
    path("<int:pk>/milestones/", projects.milestone_add, name="milestone_add"),
    path("<int:pk>/milestones/<int:milestone_id>/", projects.milestone_mark, name="milestone_mark"),
    path("<int:pk>/comments/", projects.comment_add, name="comment_add"),
    path("<int:pk>/documents/", projects.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_id>/", projects.document_download, name="document_download"),
]
