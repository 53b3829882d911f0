"""Administration > Integrations > API tokens (integrations.manage_webhooks): the tokens of the
integration accounts, issued (the secret shown once) and revoked. A staff page of the API app,
since the UI apps may not import one another (import-linter)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError

from .models import ApiToken
from .services import MANAGE_TOKENS, integration_user_create, is_integration_user, token_create, token_revoke


def _pk(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _integration_users():
    users = get_user_model().objects.filter(
        is_active=True, is_superuser=False, employee__isnull=True, is_staff=True
    )
    return [u for u in users.order_by("display_name", "username") if is_integration_user(u)]


@login_required
def tokens(request):
    if not (request.user.is_superuser or request.user.has_perm(MANAGE_TOKENS)):
        raise PermissionDenied
    errors: dict = {}
    secret = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "account":
                account = integration_user_create(
                    actor=request.user,
                    username=request.POST.get("username", ""),
                    display_name=request.POST.get("display_name", ""),
                )
                messages.success(request, _("Integration account created: %(name)s.") % {"name": account})
                return redirect("api_tokens")
            if action == "revoke":
                token = get_object_or_404(ApiToken, pk=_pk(request.POST.get("token")))
                token_revoke(actor=request.user, token=token, request=request)
                messages.success(request, _("Token revoked: %(name)s.") % {"name": token})
                return redirect("api_tokens")
            user = get_user_model().objects.filter(pk=_pk(request.POST.get("user"))).first()
            if user is None:
                errors = {"user": [_("Choose an integration account.")]}
            else:
                token, secret = token_create(
                    user=user,
                    name=request.POST.get("name", ""),
                    read_only=request.POST.get("read_only") == "on",
                    request=request,
                    actor=request.user,
                )
        except DomainError as error:
            errors = {k: [str(m) for m in v] for k, v in error.fields.items()} or {
                "__all__": [str(error.message)]
            }
    context = {
        "tokens": ApiToken.objects.select_related("user")
        .filter(user__employee__isnull=True)
        .order_by("-created_at")[:200],
        "accounts": _integration_users(),
        "secret": secret,
        "errors": errors,
        "post": request.POST if errors else {},
    }
    # the secret is in this answer only: never cached, never shown again
    response = render(request, "api/tokens.html", context, status=400 if errors else 200)
    response["Cache-Control"] = "no-store"
    return response
