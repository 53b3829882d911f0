"""Business events: how a domain service says "a complaint was submitted" without knowing who
listens. The process definitions app listens and starts the process bound to the event.

`emit_business_event` runs listeners synchronously, inside the caller's transaction, so the record
and the process start commit (or roll back) together; it returns what the listeners returned
(e.g. the started process instances).
"""

from __future__ import annotations

from django.dispatch import Signal

business_event = Signal()  # kwargs: name, business_object, actor, variables


def emit_business_event(
    name: str, *, business_object=None, actor=None, variables: dict | None = None
) -> list:
    responses = business_event.send(
        sender=name, name=name, business_object=business_object, actor=actor, variables=variables or {}
    )
    return [response for _receiver, response in responses if response is not None]


notification_requested = Signal()  # kwargs: recipients, template, context, url, channels


def request_notification(
    *, recipients, template: str, context: dict, url: str = "", channels: list[str] | None = None
) -> list:
    """Ask for people to be notified (in-app / e-mail / SMS by their preferences) without
    depending on the notifications app: domain apps call this, integrations delivers it.
    Returns the notifications created."""
    responses = notification_requested.send(
        sender=template,
        recipients=list(recipients),
        template=template,
        context=context,
        url=url,
        channels=channels,
    )
    return [n for _receiver, created in responses for n in (created or [])]
