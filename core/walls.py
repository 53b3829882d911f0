"""Who is kept off the staff side, decided by the apps that know, asked by the apps that guard.

The customer portal registers "this user has a portal account"; the staff API asks before it
accepts a token, so a customer's account never reaches the staff API by any credential (the
session path is walled off by portal.middleware at sign-in time). Registered checks are plain
callables `user -> bool`; any True refuses.
"""

from __future__ import annotations

from collections.abc import Callable

_staff_refusals: list[Callable] = []


def register_staff_refusal(check: Callable) -> None:
    if check not in _staff_refusals:
        _staff_refusals.append(check)


def staff_access_refused(user) -> bool:
    return any(check(user) for check in _staff_refusals)
