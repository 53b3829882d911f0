from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = _("Workflow engine")

    def ready(self):
        from core.metrics import register

        from .metrics import EngineCollector

        register(EngineCollector())
