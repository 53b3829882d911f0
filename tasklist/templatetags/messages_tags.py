"""`{% message_about obj %}`: the "Message about this" button on a record's page (customer, order,
opportunity, complaint, service request, task), opening a new conversation with its card."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from messaging.records import KINDS

register = template.Library()


@register.simple_tag
def message_about(obj) -> str:
    label = getattr(getattr(obj, "_meta", None), "label_lower", "")
    if label not in KINDS or obj.pk is None:
        return ""
    return format_html(
        '<a class="btn" href="{}?record={}:{}" data-action="message-about">{}</a>',
        reverse("chat:new"),
        label,
        obj.pk,
        _("Message about this"),
    )
