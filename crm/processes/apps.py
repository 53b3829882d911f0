from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmProcessesConfig(AppConfig):
    """A separate app config so the CRM app's own config stays untouched (listed right after crm)."""

    name = "crm.processes"
    label = "crm_processes"
    verbose_name = _("CRM processes")

    def ready(self) -> None:
        from crm import connectors

        connectors.wire()
