"""My notification settings (the account menu): which events reach me over which channels, and my
account ids in the messengers the company uses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from integrations.connector_settings import enabled_messengers
from integrations.models import MESSENGERS, Channel
from integrations.preferences import (
    accounts_of,
    available_channels,
    channel_account_set,
    preference_table,
    preferences_save,
)


def _addresses(user, accounts: dict) -> dict[str, bool]:
    """Which channels can reach the person at all (an address or account id is known)."""
    phone = user.phone or getattr(getattr(user, "employee", None), "phone", "")
    return {
        Channel.IN_APP: True,
        Channel.EMAIL: bool(user.email),
        Channel.SMS: bool(phone),
        **{c.value: bool(accounts.get(c.value)) for c in MESSENGERS},
    }


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    user = request.user
    messengers = enabled_messengers()
    channels = available_channels(messengers)
    errors: dict = {}
    posted_accounts: dict = {}
    if request.method == "POST":
        posted_accounts = {c: request.POST.get(f"account__{c}", "") for c in messengers}
        choices = {
            name: [c for c in request.POST.getlist(f"event__{name}") if c]
            for name in {k.split("__", 1)[1] for k in request.POST if k.startswith("event__")}
            | {row["name"] for row in preference_table(user)}
        }
        try:
            with transaction.atomic():
                for channel, value in posted_accounts.items():
                    channel_account_set(actor=user, user=user, channel=channel, account_id=value)
                preferences_save(user=user, choices=choices)
        except DomainError as error:
            errors = {k: [str(m) for m in v] for k, v in error.fields.items()} or {
                "__all__": [str(error.message)]
            }
        else:
            messages.success(request, _("Your notification settings are saved."))
            reach = _addresses(user, accounts_of(user))
            unreachable = sorted(
                {str(label) for c, label in channels for ch in choices.values() if c in ch and not reach[c]}
            )
            if unreachable:
                messages.warning(
                    request,
                    _("Nothing can reach you over %(channels)s yet: your address there is missing.")
                    % {"channels": ", ".join(unreachable)},
                )
            return redirect("notify:preferences")
    accounts = accounts_of(user)
    rows = preference_table(user)
    if request.method == "POST":
        for row in rows:  # show what was ticked, not what is stored
            row["channels"] = request.POST.getlist(f"event__{row['name']}")
    reach = _addresses(user, accounts)
    for row in rows:
        row["errors"] = errors.get(row["name"], [])
        row["cells"] = [
            {"channel": c, "label": label, "checked": c in row["channels"]} for c, label in channels
        ]
    account_fields = [
        {
            "channel": channel,
            "label": str(Channel(channel).label),
            "value": posted_accounts.get(channel, accounts.get(channel, "")),
            "errors": errors.get(channel, []),
        }
        for channel in messengers
    ]
    context = {
        "rows": rows,
        "channels": [{"channel": c, "label": label, "reachable": reach[c]} for c, label in channels],
        "account_fields": account_fields,
        "phone": user.phone or getattr(getattr(user, "employee", None), "phone", ""),
        "errors": errors,
        "general_errors": errors.get("__all__", []),
    }
    return render(request, "tasklist/notification_preferences.html", context, status=400 if errors else 200)
