"""The engine's admin pages render for a superuser and offer no way to edit running state."""

import pytest
from django.urls import reverse

from engine import services
from engine.models import HumanTask, Incident, InstanceEvent, ProcessInstance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "definitionversion",
        "processinstance",
        "humantask",
        "timer",
        "messagesubscription",
        "instanceevent",
        "incident",
    ],
)
def test_changelists_render_read_only(client, deploy, org, model):
    deploy("approval.bpmn")
    services.start_process("approval", started_by=org.alice)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get(reverse(f"admin:engine_{model}_changelist"))
    assert response.status_code == 200
    assert reverse(f"admin:engine_{model}_add") not in response.content.decode()


def test_instance_page_renders_with_its_tasks(client, deploy, org):
    deploy("approval.bpmn")
    instance = services.start_process("approval", started_by=org.alice)
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get(reverse("admin:engine_processinstance_change", args=[instance.pk]))
    assert response.status_code == 200
    assert "Review the discount" in response.content.decode()
    assert ProcessInstance.objects.count() == 1 and HumanTask.objects.count() == 1
    assert InstanceEvent.objects.exists() and not Incident.objects.exists()
