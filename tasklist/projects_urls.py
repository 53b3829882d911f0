"""URLs of the project screens (namespace `projects`)."""

from django.urls import path

from .views.projects import pages, tasks, team

app_name = "projects"

urlpatterns = [
    path("", pages.project_list, name="list"),
    path("new/", pages.project_new, name="new"),
    path("<int:pk>/", pages.project_detail, name="detail"),
    path("<int:pk>/edit/", pages.project_edit, name="edit"),
    path("<int:pk>/tasks/new/", tasks.task_form, name="task_new"),
    path("<int:pk>/tasks/<int:task_id>/edit/", tasks.task_form, name="task_edit"),
    path("<int:pk>/tasks/<int:task_id>/delete/", tasks.task_delete, name="task_delete"),
    path("tasks/<int:pk>/move/", pages.task_move, name="task_move"),
    path("<int:pk>/members/", team.member_add, name="member_add"),
    path("<int:pk>/members/<int:user_id>/remove/", team.member_remove, name="member_remove"),
    path("<int:pk>/milestones/", team.milestone_add, name="milestone_add"),
    path("<int:pk>/milestones/<int:milestone_id>/", team.milestone_mark, name="milestone_mark"),
    path("<int:pk>/comments/", team.comment_add, name="comment_add"),
    path("<int:pk>/documents/", team.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_id>/", team.document_download, name="document_download"),
]
