from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = _("Workflow engine")

    def ready(self):
        from core.memo import forget_on_change
        from core.metrics import register

        from . import tasks  # noqa: F401 (its receivers queue the delivery of thrown messages)
        from .metrics import EngineCollector
        from .models import DefinitionVersion

        register(EngineCollector())
        # the active version of each process key is remembered (definitions.active_definition)
        forget_on_change(DefinitionVersion, scope="definitions")
