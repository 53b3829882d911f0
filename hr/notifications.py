"""The HR area's notification templates (integrations' registry)."""

from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from integrations.templates_registry import register_template

register_template(
    "hr_hand_over",
    title=_("You take over from {name}"),
    body=_("{summary}\n{items}"),
    channels=(Channel.IN_APP, Channel.EMAIL),
)
