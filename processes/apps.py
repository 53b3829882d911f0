from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcessesConfig(AppConfig):
    name = "processes"
    verbose_name = _("Process definitions")

    def ready(self) -> None:
        from . import receivers  # noqa: F401
