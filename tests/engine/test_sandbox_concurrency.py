"""While a hostile script runs, the rest of the system keeps working: on PostgreSQL another
instance's task is completed meanwhile; in the embedded mode (SQLite file, one process) the
hostile step ends at the limit as an incident and a write waiting behind it succeeds (issue 19,
defect 4: the write failed with 503 for the 89 s the script ran)."""

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from engine import runtime, services
from engine.models import HumanTask, Incident, ProcessInstance
from engine.sandbox import SandboxLimits
from engine.sandbox_worker import pool

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://baton">
  <bpmn:process id="hostile" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="attack"/>
    <bpmn:scriptTask id="attack" name="Attack"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="attack" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
# One C-level call chain: in-process it held the GIL, so no other thread of the process ran.
C_CHAIN = "L = [0] * 100000\nx = all(map(sorted, [L] * 100000))"
DEFECT_4 = "L=[0]*100000\nall(map(lambda i: len(sorted(L))&gt;=0, L))"


def _wait_for_the_script(thread: threading.Thread) -> list[int]:
    """The busy worker(s) once the hostile script is in one, or [] if the thread already ended."""
    while thread.is_alive():
        pids = pool.busy_pids()
        if pids:
            return pids
        threading.Event().wait(0.01)
    return []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_another_instance_is_completed_while_a_hostile_script_runs(deploy, org, monkeypatch):
    # given a hostile script that would run for minutes (the limit raised so it is still running
    # when the other completion is done, however slow the machine)
    monkeypatch.setattr(runtime.script_engine().environment, "limits", SandboxLimits(time_limit_ms=600_000))
    deploy("approval.bpmn")
    services.definition_deploy(files={"hostile.bpmn": HOSTILE.replace("{script}", C_CHAIN).encode()})
    other = services.start_process("approval", started_by=org.alice)
    review = HumanTask.objects.get(instance=other, element_id="review")
    outcome = []

    def hostile():
        try:
            outcome.append(services.start_process("hostile", started_by=org.alice))
        finally:
            connection.close()

    thread = threading.Thread(target=hostile)
    thread.start()
    busy = _wait_for_the_script(thread)

    # when another instance's task is completed meanwhile (its gateway condition runs in the sandbox too)
    services.complete_task(review.pk, user=org.boss, data={"approved": True})

    # then it advanced while the hostile script was still running
    assert thread.is_alive()
    assert HumanTask.objects.filter(instance=other, element_id="fulfil", status="ready").exists()

    # and when the hostile script's worker is killed, its step ends as an incident
    for pid in busy:
        os.kill(pid, signal.SIGKILL)
    thread.join()
    hostile_instance = outcome[0]
    hostile_instance.refresh_from_db()
    assert hostile_instance.status == ProcessInstance.Status.ERROR
    assert Incident.objects.get(instance=hostile_instance).element_id == "attack"


EMBEDDED_PROBE = r"""
import json, sys, threading
import django
django.setup()
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from engine import services
from engine.models import HumanTask, Incident
from engine.sandbox_worker import pool

with connection.schema_editor() as editor:
    for model in apps.get_models():
        editor.create_model(model)
alice = get_user_model().objects.create_user("alice", "a@example.com", "x")
hostile, other = sys.argv[1], sys.argv[2]
services.definition_deploy(files={"hostile.bpmn": hostile.encode()})
services.definition_deploy(files={"other.bpmn": other.encode()})
task = HumanTask.objects.get(instance=services.start_process("other", started_by=alice))
result = {}

def run_hostile():
    try:
        instance = services.start_process("hostile", started_by=alice)
        result["hostile"] = instance.status
        result["incident"] = Incident.objects.get(instance=instance).message
    except Exception as error:
        result["hostile"] = repr(error)
    finally:
        connection.close()

thread = threading.Thread(target=run_hostile)
thread.start()
# The other write goes once the script runs in a worker (or after 3 s, whatever runs it).
for _ in range(300):
    if pool.busy_pids() or not thread.is_alive():
        break
    threading.Event().wait(0.01)
try:
    services.complete_task(task.pk, user=alice, data={})
    result["other"] = "completed"
except Exception as error:
    result["other"] = repr(error)
thread.join()
print(json.dumps(result))
"""

OTHER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="o" targetNamespace="http://baton">
  <bpmn:process id="other" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:userTask id="work" name="Work" camunda:assignee="alice"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_embedded_mode_is_not_blocked_longer_than_the_limit(tmp_path):
    # given the embedded mode (a SQLite file, one process, threads) running the defect's script
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'baton.sqlite3'}",
        BATON_TICKER_SECONDS="0",
    )
    hostile = HOSTILE.replace("{script}", DEFECT_4)

    # when another user's write arrives while the script runs
    probe = subprocess.run(
        [sys.executable, "-c", EMBEDDED_PROBE, hostile, OTHER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    # then the hostile step ended at the limit as an incident and the write succeeded
    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["hostile"] == "error", result
    assert "ran longer than 1000 ms" in result["incident"]
    assert result["other"] == "completed", result
