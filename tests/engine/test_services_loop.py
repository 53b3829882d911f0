"""The persisted step costs the same late in a long loop as early: same queries, same bytes."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import services
from engine.models import HumanTask, InstanceEvent, InstanceState

pytestmark = pytest.mark.django_db


def test_bytes_and_queries_per_step_do_not_grow_over_a_long_loop(deploy, org):
    logging.getLogger("spiff").setLevel(logging.WARNING)
    deploy("loop.bpmn")
    instance = services.start_process("loop", started_by=org.alice)
    steps = 150
    sizes, queries = {}, {}
    for i in range(1, steps + 1):
        task = HumanTask.objects.get(instance=instance, status="ready")
        with CaptureQueriesContext(connection) as captured:
            services.complete_task(task.pk, user=org.alice, data={"done": i == steps, "i": i})
        sizes[i] = InstanceState.objects.get(instance=instance).size
        queries[i] = len(captured)
    instance.refresh_from_db()
    assert instance.status == "completed"
    assert instance.variables["i"] == steps
    # the state written at step 140 is the size of the one at step 10, and so is the work
    assert sizes[140] <= sizes[10] * 1.05, (sizes[10], sizes[140])
    assert queries[140] == queries[10], (queries[10], queries[140])
    # every completion is in the history exactly once
    assert InstanceEvent.objects.filter(instance=instance, kind="task_completed").count() == steps
