"""The Celery application. Tasks live in each app's tasks.py as thin wrappers around services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("baton")
app.config_from_object("django.conf:settings", namespace="CELERY")
# With Redis as the broker, beat fires only while it holds a Redis lock (core/beat.py): a second
# beat started by mistake stands by instead of firing every periodic task twice.
app.conf.beat_scheduler = os.environ.get("CELERY_BEAT_SCHEDULER", "core.beat:LockedScheduler")
app.autodiscover_tasks()
