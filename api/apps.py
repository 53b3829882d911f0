from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from core.memo import forget_on_change

        from . import schema  # noqa: F401  (registers the OpenAPI extension for token auth)
        from .models import ApiToken

        # token_authenticate remembers tokens with their users: any change to either forgets them
        forget_on_change(ApiToken, scope="tokens")
        post_save.connect(_user_changed, sender=get_user_model(), dispatch_uid="api_memo_user_saved")
        post_delete.connect(_user_changed, sender=get_user_model(), dispatch_uid="api_memo_user_deleted")


def _user_changed(sender, instance=None, update_fields=None, **kwargs) -> None:
    """Anything but a sign-in (last_login only) may change what a token's user may do."""
    from core.memo import forget

    if update_fields is None or set(update_fields) - {"last_login"}:
        forget(scope="tokens")
