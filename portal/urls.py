"""URLs of the customer portal (namespace `portal`, mounted at /portal/)."""

from django.urls import path

from . import knowledge, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.portal_logout, name="logout"),
    path("invitation/<str:secret>/", views.invitation, name="invitation"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/<str:secret>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("language/", views.language, name="language"),
    path("requests/", views.my_requests, name="requests"),
    path("requests/<str:kind>/<int:pk>/", views.request_detail, name="request"),
    path("requests/<str:kind>/<int:pk>/comment/", views.request_comment, name="request_comment"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("questions/", views.questions, name="questions"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("service/new/", views.service_new, name="service_new"),
    path("submitted/<str:kind>/<int:pk>/", views.submitted, name="submitted"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/image/", views.product_image, name="product_image"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("payments/", views.payments, name="payments"),
    path("documents/", views.documents, name="documents"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("team/", views.team, name="team"),
    path("help/", knowledge.help_centre, name="help"),
    path("help/<int:pk>/", knowledge.help_article, name="help_article"),
    path("help/files/<int:pk>/", knowledge.help_attachment, name="help_attachment"),
    # staff side: the "Invite to the portal" button on the customer card posts here
    path("staff/invite/<int:customer_pk>/", views.staff_invite, name="staff_invite"),
]
