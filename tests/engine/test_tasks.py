"""The beat entry: Celery beat in production and the embedded ticker both run engine.fire_due_timers."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from engine import services
from engine.models import HumanTask, Timer

pytestmark = pytest.mark.django_db


def test_beat_schedule_runs_the_engine_task_which_fires_due_timers(deploy, org):
    # given an instance whose timer is already due
    deploy("timers.bpmn")
    instance = services.start_process("timers", started_by=org.alice, variables={"reminders": 0})
    Timer.objects.filter(instance=instance).update(due_at=timezone.now() - timedelta(seconds=1))
    # when the task of the beat entry runs (as beat or the embedded ticker would run it)
    entry = settings.CELERY_BEAT_SCHEDULE["engine-fire-due-timers"]
    app.loader.import_default_modules()
    result = app.tasks[entry["task"]].apply().get()
    # then the timer fired and the process moved on to the task
    assert result == {"timers": 1, "retries": 0}
    assert HumanTask.objects.filter(instance=instance, element_id="answer", status="ready").exists()
