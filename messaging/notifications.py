"""The notification a mention sends (registered with integrations' template registry)."""

from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from integrations.templates_registry import register_template


def register() -> None:
    register_template(
        "message_mention",
        title=_("{author} mentioned you in {conversation}"),
        body=_("{author}: {text}"),
        sms=_("Baton: {author} mentioned you in {conversation}"),
        channels=(Channel.IN_APP,),
    )
