"""Mass e-mail/SMS (群发)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.models import Channel, Mailing, MailingMessage

from .org import UserBriefSerializer


class MailingProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Recipients who had unsubscribed.")


class MailingSerializer(serializers.ModelSerializer):
    created_by = UserBriefSerializer(read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Mailing
        fields = [
            "id",
            "name",
            "channel",
            "subject",
            "body",
            "source",
            "status",
            "created_by",
            "created_at",
            "finished_at",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(MailingProgressSerializer)
    def get_progress(self, obj) -> dict:
        """Counted by the view's queryset (see MailingViewSet)."""
        return {
            "total": obj.total,
            **{status: getattr(obj, f"count_{status}") for status in MailingMessage.Status.values},
        }


class MailingCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in (Channel.EMAIL, Channel.SMS)])
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=10000)
    source = serializers.RegexField(
        r"^(list|query):[0-9]{1,18}$",
        help_text='Recipients: "list:<favourite list id>" or "query:<saved customer query id>".',
    )
