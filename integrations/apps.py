from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from core.memo import forget_on_change

        from . import connectors, receivers  # noqa: F401
        from .models import ConnectorSetting, WebhookSubscription

        forget_on_change(WebhookSubscription, scope="webhooks")
        forget_on_change(ConnectorSetting, scope="connectors")

        connectors.register()
