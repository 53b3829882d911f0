"""URLs of the knowledge base (namespace `knowledge`, mounted at /knowledge/)."""

from django.urls import path

from .views import knowledge as views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("new/", views.article_new, name="article_new"),
    path("categories/", views.category_add, name="category_add"),
    path("<int:pk>/", views.article_detail, name="article_detail"),
    path("<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("<int:pk>/versions/<int:number>/", views.article_version, name="article_version"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("cases/<str:kind>/<int:pk>/", views.case_panel, name="case_panel"),
    path("cases/<str:kind>/<int:pk>/link/", views.case_link, name="case_link"),
    path("links/<int:link_id>/helpful/", views.case_link_helpful, name="case_link_helpful"),
    path("links/<int:link_id>/delete/", views.case_unlink, name="case_unlink"),
]
