"""Token authentication for integrations: `Authorization: Bearer <secret>` (or `Token <secret>`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from core.walls import staff_access_refused

from .services import token_authenticate


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: give one token after the keyword.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if staff_access_refused(token.user):
            raise exceptions.AuthenticationFailed(_("Customer portal accounts cannot use the staff API."))
        # Checked here, where every token-authenticated call passes, rather than in each view's
        # permission list (several views declare their own).
        if token.read_only and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied(_("This API token is read-only: it cannot change anything."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
