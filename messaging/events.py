"""The lines a conversation shows for what happened in it ("Wang Fang added Li Ming"): stored as
a code and names, put into words in the reader's language when shown."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "created": _("%(actor)s created the group with %(names)s."),
    "added": _("%(actor)s added %(name)s."),
    "removed": _("%(actor)s removed %(name)s."),
    "left": _("%(actor)s left the group."),
}


def event_text(event: dict) -> str:
    template = TEXTS.get(event.get("code", ""))
    if template is None:
        return ""
    try:
        return str(template) % event
    except (KeyError, TypeError, ValueError):
        return ""
