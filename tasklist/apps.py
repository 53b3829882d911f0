from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasklistConfig(AppConfig):
    name = "tasklist"
    verbose_name = _("Task list")
