"""Mass e-mail/SMS through the API: recipients from a favourites list or a saved customer query
(only records the sender may see), the mailing's progress, sent after commit and throttled by
the integrations app like one started from the staff UI."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from core.errors import ValidationFailed
from crm.selectors.reminders import mailing_recipients
from integrations.mailings import mailing_create
from integrations.models import Mailing, MailingMessage

from ..serializers.integrations import MailingCreateInput, MailingSerializer
from ..viewsets import BatonReadOnlyViewSet


@extend_schema_view(
    list=extend_schema(summary="List the mailings I sent (a manager: their team's, by row scope)"),
    retrieve=extend_schema(summary="A mailing with its progress (queued, sent, failed, unsubscribed)"),
)
class MailingViewSet(BatonReadOnlyViewSet):
    queryset = Mailing.objects.select_related("created_by").order_by("-created_at", "-id")
    serializer_class = MailingSerializer
    filterset_fields = ["channel", "status"]
    search_fields = ["name"]
    action_permissions = {"create": "add"}

    def base_queryset(self):
        counts = {
            f"count_{status}": Count("messages", filter=Q(messages__status=status))
            for status in MailingMessage.Status.values
        }
        return super().base_queryset().annotate(total=Count("messages"), **counts)

    @extend_schema(
        summary="Send a mass e-mail or SMS to a favourites list or a saved customer query",
        request=MailingCreateInput,
        responses={201: MailingSerializer},
    )
    def create(self, request):
        data = MailingCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        found = mailing_recipients(user=request.user, source=fields["source"], channel=fields["channel"])
        if found is None:
            message = _("No such favourites list or saved customer query.")
            raise ValidationFailed(message, fields={"source": [message]})
        recipients, source = found
        mailing = mailing_create(
            actor=request.user,
            name=fields["name"],
            channel=fields["channel"],
            subject=fields["subject"],
            body=fields["body"],
            recipients=recipients,
            source=source,
        )
        return Response(MailingSerializer(self.base_queryset().get(pk=mailing.pk)).data, status=201)
