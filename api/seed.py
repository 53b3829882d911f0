"""Demo integration account: the ERP's technical user with one token (its secret is not kept)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import ApiToken
from .services import token_create


def seed_demo(stdout) -> None:
    account, created = get_user_model().objects.get_or_create(
        username="erp.sync", defaults={"display_name": "ERP sync 金蝶ERP同步账号", "is_staff": True}
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    if not ApiToken.objects.filter(user=account).exists():
        token_create(user=account, name="ERP nightly sync 夜间同步", read_only=True)
    stdout.write("  api: integration account erp.sync with a read-only token")
