from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from . import (
            pickers,
            reminders,  # noqa: F401  (connects the CRM's reminder source)
            summaries,
        )

        summaries.register()
        pickers.register()
