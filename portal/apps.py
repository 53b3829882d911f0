from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Customer portal")

    def ready(self) -> None:
        from core.memo import forget_on_change
        from core.walls import register_staff_refusal

        from . import receivers  # noqa: F401
        from .middleware import has_portal_account
        from .models import PortalAccount

        forget_on_change(PortalAccount)
        # A customer's account never uses the staff API, not even with a token (see core.walls).
        register_staff_refusal(has_portal_account)
