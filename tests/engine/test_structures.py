"""Sub-processes in loops stay compact; multi-instance user tasks give one task per person."""

import logging

import pytest

from engine import services
from engine.models import HumanTask, InstanceState, ProcessInstance

pytestmark = pytest.mark.django_db


def test_loop_over_an_embedded_sub_process_keeps_the_state_small(deploy, org):
    logging.getLogger("spiff").setLevel(logging.WARNING)
    deploy("sub_loop.bpmn")
    instance = services.start_process("sub_loop", started_by=org.alice)
    sizes = {}
    for i in range(1, 61):
        task = HumanTask.objects.get(instance=instance, status="ready")
        assert task.element_id == "round_work"
        services.complete_task(task.pk, user=org.alice, data={"done": i == 60})
        sizes[i] = InstanceState.objects.get(instance=instance).size
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert sizes[59] <= sizes[5] * 1.05, (sizes[5], sizes[59])


def test_multi_instance_user_task_gives_each_reviewer_a_task(deploy, org):
    deploy("multi.bpmn")
    instance = services.start_process(
        "multi", started_by=org.alice, variables={"reviewers": ["alice", "bob", "boss"]}
    )
    tasks = HumanTask.objects.filter(instance=instance, status="ready")
    assert sorted(t.assignee.username for t in tasks) == ["alice", "bob", "boss"]
    for task in tasks:
        services.complete_task(task.pk, user=task.assignee, data={"signed": True})
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
