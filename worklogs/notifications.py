"""The notification a comment on a work log sends (integrations' template registry)."""

from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from integrations.templates_registry import register_template


def register() -> None:
    register_template(
        "worklog_comment",
        title=_("{author} commented on your report of {date}"),
        body=_("{author}: {text}"),
        channels=(Channel.IN_APP,),
    )
