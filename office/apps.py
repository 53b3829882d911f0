from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    name = "office"
    verbose_name = _("Office")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import connectors, pickers, summaries

        connectors.register()
        summaries.register()
        pickers.register()
