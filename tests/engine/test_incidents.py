"""Service tasks call registered connectors; a failing connector or script parks the instance at
the element with an Incident; retry_incident (or the automatic backoff) resumes it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engine import services
from engine.connectors import register_connector, unregister_connector
from engine.errors import IncidentNotOpen, NotPermitted
from engine.models import HumanTask, Incident, ProcessInstance

pytestmark = pytest.mark.django_db


@pytest.fixture
def erp():
    calls = []
    state = {"fail": False}

    def update_erp(params, data):
        calls.append(params)
        if state["fail"]:
            raise ConnectionError("ERP is down")
        return {"total": params["amount"]}

    register_connector("test.erp", update_erp)
    yield calls, state
    unregister_connector("test.erp")


def test_service_task_calls_the_connector_with_evaluated_parameters(deploy, org, erp):
    calls, _state = erp
    deploy("service.bpmn")
    instance = services.start_process("service", started_by=org.alice, variables={"amount": 21, "divisor": 2})
    assert calls == [{"amount": 42}]
    instance.refresh_from_db()
    assert instance.variables["erp"] == {"total": 42}
    assert instance.variables["share"] == 21
    assert HumanTask.objects.get(instance=instance).element_id == "check"


def test_failing_connector_leaves_an_incident_and_retry_resumes(deploy, org, erp):
    _calls, state = erp
    state["fail"] = True
    deploy("service.bpmn")
    # when the ERP is down
    instance = services.start_process("service", started_by=org.alice, variables={"amount": 1, "divisor": 1})
    # then the instance waits at the service task with an incident, no task was created
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.ERROR
    incident = Incident.objects.get(instance=instance)
    assert (incident.kind, incident.element_id, incident.connector) == ("connector", "call", "test.erp")
    assert "ERP is down" in incident.message
    assert "ConnectionError" in incident.traceback
    assert incident.next_retry_at is None  # not a retryable connector
    assert not HumanTask.objects.filter(instance=instance).exists()
    # a retry while it is still down keeps one incident, counting attempts
    services.retry_incident(incident.pk, user=org.boss)
    incident.refresh_from_db()
    assert (incident.status, incident.attempts) == ("open", 2)
    # after the fix, the retry resumes the process
    state["fail"] = False
    services.retry_incident(incident.pk, user=org.boss)
    incident.refresh_from_db()
    instance.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_by == org.boss
    assert instance.status == ProcessInstance.Status.RUNNING
    assert HumanTask.objects.get(instance=instance).element_id == "check"
    with pytest.raises(IncidentNotOpen):
        services.retry_incident(incident.pk, user=org.boss)
    with pytest.raises(NotPermitted):
        services.retry_incident(incident.pk, user=org.alice)


def test_retryable_connector_is_retried_with_backoff(deploy, org):
    attempts = []

    def flaky(params, data):
        attempts.append(timezone.now())
        if len(attempts) < 3:
            raise TimeoutError("slow")
        return {"total": 10}

    register_connector("test.erp", flaky, retryable=True, backoff_seconds=60)
    try:
        deploy("service.bpmn")
        instance = services.start_process(
            "service", started_by=org.alice, variables={"amount": 1, "divisor": 5}
        )
        incident = Incident.objects.get(instance=instance)
        first_retry = incident.next_retry_at
        assert timedelta(seconds=55) < first_retry - timezone.now() <= timedelta(seconds=60)
        assert services.retry_due_incidents(now=timezone.now()) == 0  # not yet
        services.retry_due_incidents(now=first_retry + timedelta(seconds=1))
        incident.refresh_from_db()
        assert incident.attempts == 2
        assert incident.next_retry_at - timezone.now() > timedelta(seconds=110)  # doubled
        services.retry_due_incidents(now=incident.next_retry_at + timedelta(seconds=1))
        incident.refresh_from_db()
        assert incident.status == "resolved"
        instance.refresh_from_db()
        assert instance.variables["share"] == 2
    finally:
        unregister_connector("test.erp")


def test_failing_script_is_an_incident_and_retry_after_data_fix(deploy, org, erp):
    deploy("service.bpmn")
    instance = services.start_process("service", started_by=org.alice, variables={"amount": 1, "divisor": 0})
    incident = Incident.objects.get(instance=instance)
    assert (incident.kind, incident.element_id) == ("script", "compute")
    assert "division by zero" in incident.message
    # the connector before it is not called again by the retry
    calls, _state = erp
    assert len(calls) == 1
    services.retry_incident(incident.pk, user=org.boss)
    assert len(calls) == 1
    incident.refresh_from_db()
    assert incident.status == "open"


def test_hostile_script_is_refused_with_an_incident(deploy, org, erp):
    from engine.models import DefinitionVersion

    deploy("service.bpmn")
    definition = DefinitionVersion.objects.get(key="service")
    files = {
        name: body.replace(
            'share = erp["total"] / divisor', "share = ().__class__.__mro__[1].__subclasses__()"
        )
        for name, body in definition.files.items()
    }
    from engine.errors import DefinitionInvalid

    # the sandbox refuses it already at deployment, located on the element
    with pytest.raises(DefinitionInvalid) as caught:
        services.definition_deploy(files=files)
    assert caught.value.findings[0]["element_id"] == "compute"


def test_failing_post_script_keeps_the_task_open_for_a_corrected_submission(deploy, org):
    deploy("post_script.bpmn")
    instance = services.start_process("post_script", started_by=org.alice)
    task = HumanTask.objects.get(instance=instance)
    # when the submitted data makes the task's post-script fail
    services.complete_task(task.pk, user=org.alice, data={"parts": 0})
    # then an incident is raised and the task is still the user's to do
    incident = Incident.objects.get(instance=instance, status="open")
    assert incident.element_id == "enter" and "division by zero" in incident.message
    task.refresh_from_db()
    assert task.status == "ready"
    # a corrected submission completes the process and resolves the incident
    services.complete_task(task.pk, user=org.alice, data={"parts": 4})
    instance.refresh_from_db()
    incident.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.variables["share"] == 25
    assert incident.status == "resolved" and incident.resolved_by == org.alice
