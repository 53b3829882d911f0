"""Settings for the Celery workers the fault tests start: production settings, plus a short
visibility timeout so a message whose worker was killed is handed out again within seconds (in
production it is an hour: CELERY_BROKER_TRANSPORT_OPTIONS unset)."""

from config.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2}
