"""Staff messaging: direct and group conversations, their members and messages.

Glossary: 会话 = conversation, 群聊 = group conversation, 单聊 = direct conversation,
@提及 = mention, 未读 = unread.

A member's unread count is kept on the membership row (raised for every other member when a
message is sent, zeroed when they read), so the header's badge is one indexed SUM per poll.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """Conversations `user` is a current member of (every action: reading, writing, managing
        members is then checked by the service)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__left_at__isnull=True)


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("Direct")
        GROUP = "group", _("Group")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("name"), max_length=100, blank=True)
    # "<smaller user id>:<larger user id>" for a direct conversation: one per pair of people
    direct_key = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class Membership(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    unread = models.PositiveIntegerField(_("unread"), default=0)
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="messaging_one_membership")
        ]
        indexes = [
            models.Index(
                fields=["user", "conversation"],
                name="messaging_member_current",
                condition=Q(left_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.conversation}"


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Message")
        EVENT = "event", _("Event")  # "Wang Fang added Li Ming", written by the service

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("text"), blank=True)
    # an event's code and names (messaging.events puts them into the reader's words)
    event = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    # a linked record, shown as a card to those who may open it
    record_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record_id = models.CharField(max_length=64, blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["conversation", "id"], name="messaging_message_page")]

    def __str__(self) -> str:
        return self.body[:50]


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="messages/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name
