"""Starting a process by hand: a designer offers it (to whom, from which record); the request menu,
the record's page and the API all follow that one rule, and the start form holds what is sent."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.errors import Conflict, NotPermitted, ValidationFailed
from engine.models import ProcessInstance
from processes import selectors
from processes.services import definition_deploy, manual_start_set, process_start_by_hand
from tests.crm.factories import CustomerFactory
from tests.factories import EmployeeFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs" targetNamespace="http://bpmn.io">\n'
)
VISIT = (
    HEAD
    + """
  <bpmn:process id="visit_report" name="Customer visit report" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="purpose" label="Purpose of the visit" type="string">
          <camunda:validation><camunda:constraint name="required" /></camunda:validation>
        </camunda:formField>
        <camunda:formField id="visitors" label="Visitors" type="long" />
      </camunda:formData></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="review" name="Review the report" camunda:assignee="${initiator}">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
)


@pytest.fixture
def people():
    designer = UserFactory(username="designer", perms=["processes.add_deploymentlog"])
    sales = GroupFactory(name="sales_team")
    rep = EmployeeFactory(user=UserFactory(username="rep", perms=["crm.view_customer"])).user
    rep.groups.add(sales)
    clerk = EmployeeFactory(user=UserFactory(username="clerk")).user
    definition_deploy(files={"visit.bpmn": VISIT.encode()})
    return designer, sales, rep, clerk


def test_an_offered_process_is_listed_only_for_its_groups_and_starts_with_its_form(people):
    designer, sales, rep, clerk = people
    # given the designer offers the visit report to the sales team
    manual_start_set(actor=designer, key="visit_report", groups=[sales])
    # then the rep sees it in the request menu and the clerk does not
    assert [p["name"] for p in selectors.startable_processes(rep)] == ["Customer visit report"]
    assert selectors.startable_processes(clerk) == []
    with pytest.raises(NotPermitted):
        process_start_by_hand(actor=clerk, key="visit_report", form_data={"purpose": "x"})
    # and the start form holds what the rep sends: the required field is required
    with pytest.raises(ValidationFailed) as refused:
        process_start_by_hand(actor=rep, key="visit_report", form_data={"visitors": 2})
    assert "purpose" in refused.value.fields
    assert not ProcessInstance.objects.exists()
    instance = process_start_by_hand(
        actor=rep, key="visit_report", form_data={"purpose": "Quarterly review", "visitors": 2}
    )
    assert instance.started_by == rep and instance.variables["purpose"] == "Quarterly review"
    # and the offer is audited with what changed
    row = AuditEvent.objects.filter(object_label="visit_report").latest("at")
    assert row.changes["groups"] == [None, ["sales_team"]]


def test_a_process_offered_from_customers_starts_about_a_customer_the_starter_sees(people):
    designer, sales, rep, _clerk = people
    manual_start_set(actor=designer, key="visit_report", groups=[sales], record_type="crm.customer")
    own = CustomerFactory(owner=rep)
    other = CustomerFactory()
    # the menu does not list it (it starts from a customer's page)
    assert selectors.startable_processes(rep) == []
    assert [p["key"] for p in selectors.startable_processes(rep, record_type="crm.customer")] == [
        "visit_report"
    ]
    with pytest.raises(ValidationFailed):
        process_start_by_hand(actor=rep, key="visit_report", form_data={"purpose": "x"})
    with pytest.raises(Exception) as hidden:
        process_start_by_hand(actor=rep, key="visit_report", form_data={"purpose": "x"}, record=other)
    assert "not visible" in str(hidden.value.message)
    instance = process_start_by_hand(actor=rep, key="visit_report", form_data={"purpose": "x"}, record=own)
    assert instance.business_object_id == str(own.pk)


def test_an_event_bound_process_cannot_be_offered_by_hand(people):
    from processes.services import binding_set

    designer, sales, *_ = people
    binding_set(actor=None, event="opportunity.created", process_key="visit_report")
    with pytest.raises(Conflict):
        manual_start_set(actor=designer, key="visit_report", groups=[sales])


def test_withdrawing_the_offer_stops_every_way_of_starting(people, client):
    designer, sales, rep, _clerk = people
    manual_start_set(actor=designer, key="visit_report", groups=[sales])
    manual_start_set(actor=designer, key="visit_report", groups=[sales], active=False)
    client.force_login(rep)
    assert client.get(reverse("tasklist:process_start", args=["visit_report"])).status_code == 404
    answer = client.post(
        "/api/v1/process-instances/",
        {"key": "visit_report", "variables": {"purpose": "x"}},
        content_type="application/json",
    )
    assert answer.status_code == 403


def test_the_start_page_shows_the_form_and_errors_on_their_fields(people, client):
    designer, sales, rep, _clerk = people
    manual_start_set(actor=designer, key="visit_report", groups=[sales])
    client.force_login(rep)
    requests = client.get(reverse("tasklist:requests")).content.decode()
    assert "Customer visit report" in requests
    url = reverse("tasklist:process_start", args=["visit_report"])
    page = client.get(url).content.decode()
    assert "Purpose of the visit" in page
    refused = client.post(url, {"purpose": "", "visitors": "two"})
    assert refused.status_code == 400
    assert not ProcessInstance.objects.exists()
    started = client.post(url, {"purpose": "Site survey", "visitors": "3"})
    instance = ProcessInstance.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse(
        "tasklist:instance", args=[instance.pk]
    )
    assert instance.variables["visitors"] == 3


def test_the_designer_sets_who_may_start_it_on_the_process_page(people, client):
    designer, sales, rep, _clerk = people
    client.force_login(designer)
    page = client.get(reverse("designer:process", args=["visit_report"])).content.decode()
    assert "Who may start it" in page and "sales_team" in page
    client.post(
        reverse("designer:start_settings", args=["visit_report"]),
        {"active": "on", "groups": [sales.pk], "record_type": ""},
    )
    assert selectors.may_start_by_hand(rep, "visit_report")
