"""URLs of training (namespace `training`, mounted at /training/)."""

from django.urls import path

from .views import training as views

app_name = "training"

urlpatterns = [
    path("", views.my_courses, name="my_courses"),
    path("learn/<int:pk>/", views.learn, name="learn"),
    path("learn/<int:pk>/materials/<int:material_id>/", views.material_open, name="material_open"),
    path("learn/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path(
        "courses/<int:pk>/questions/<int:question_id>/delete/", views.question_delete, name="question_delete"
    ),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_export, name="report_export"),
]
