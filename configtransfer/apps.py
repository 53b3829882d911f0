from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigTransferConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "configtransfer"
    verbose_name = _("Configuration transfer")

    def ready(self) -> None:
        from . import sections  # noqa: F401  (registers the built-in sections)
