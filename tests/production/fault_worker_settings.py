"""Settings for the Celery workers the fault tests start: production settings, plus a short
visibility timeout and a restore scan every second, so a message whose worker was killed is handed
out again within seconds (in production: an hour's timeout, a scan every ~100 s; both unset)."""

from config.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
