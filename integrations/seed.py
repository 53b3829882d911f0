"""Demo integrations: one webhook subscription (an ERP) with a short delivery log, so the
administration area's Integrations section has something to show."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.utils import timezone

from .models import ChannelAccount, WebhookDelivery, WebhookSubscription

DELIVERIES = [
    # event, status, response code, duration ms, attempts, error, hours ago
    ("customer.created", "delivered", 200, 84, 1, "", 30),
    ("order.status_changed", "delivered", 200, 112, 1, "", 20),
    ("order.status_changed", "failed", 503, 2004, 8, "HTTP 503", 6),
    ("task.completed", "delivered", 204, 67, 2, "", 2),
]


def seed_demo(stdout) -> None:
    subscription, created = WebhookSubscription.objects.get_or_create(
        name="ERP sync 金蝶ERP同步",
        defaults={
            "url": "https://erp.example.com/baton/hook",
            "secret": secrets.token_hex(32),
            "events": ["customer.created", "order.status_changed", "task.completed"],
            # off: the demo's own events must not go out to a made-up host while it seeds
            "active": False,
            "disabled_reason": "Demo subscription: switch it on once the ERP's URL is real.",
        },
    )
    if created:
        now = timezone.now()
        for event, status, code, duration, attempts, error, hours in DELIVERIES:
            WebhookDelivery.objects.create(
                subscription=subscription,
                event=event,
                event_id=uuid.uuid4().hex,
                payload={"demo": True},
                status=status,
                response_status=code,
                duration_ms=duration,
                attempts=attempts,
                last_error=error,
                created_at=now - timedelta(hours=hours),
                delivered_at=now - timedelta(hours=hours) if status == "delivered" else None,
            )
    _seed_messenger_ids()
    stdout.write(f"  integrations: {WebhookSubscription.objects.count()} webhook subscription(s)")


# The demo staff's WeCom user ids (as the company's WeCom address book would have them), so switching
# WeCom on under Administration > Connectors reaches them at once. The connectors stay off: the
# demo has no real WeCom to talk to.
WECOM_IDS = {"wang.fang": "WangFang", "zhang.wei": "ZhangWei", "zhou.jie": "ZhouJie", "xu.li": "XuLi"}


def _seed_messenger_ids() -> None:
    from org.models import User

    for user in User.objects.filter(username__in=WECOM_IDS):
        ChannelAccount.objects.get_or_create(
            user=user, channel="wecom", defaults={"account_id": WECOM_IDS[user.username]}
        )
