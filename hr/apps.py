from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HrConfig(AppConfig):
    name = "hr"
    verbose_name = _("Human resources")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import connectors, notifications, summaries  # noqa: F401 (notifications registers)

        connectors.register()
        summaries.register()
