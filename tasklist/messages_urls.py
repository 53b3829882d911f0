"""URLs of staff messaging (namespace `chat`), mounted at /messages/."""

from django.urls import path

from .views import messages

app_name = "chat"

urlpatterns = [
    path("", messages.conversation_list, name="list"),
    path("new/", messages.conversation_new, name="new"),
    path("people/", messages.people, name="people"),
    path("unread/", messages.nav_count, name="nav_count"),
    path("records/", messages.record_choices, name="record_choices"),
    path("files/<int:attachment_id>/", messages.attachment_download, name="attachment"),
    path("<int:pk>/", messages.conversation_detail, name="conversation"),
    path("<int:pk>/send/", messages.message_send, name="send"),
    path("<int:pk>/poll/", messages.conversation_poll, name="poll"),
    path("<int:pk>/members/", messages.member_add, name="member_add"),
    path("<int:pk>/members/<int:user_id>/remove/", messages.member_remove, name="member_remove"),
    path("<int:pk>/leave/", messages.conversation_leave, name="leave"),
]
