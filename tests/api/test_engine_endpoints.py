"""Processes and tasks through the API: start by key, the inbox and queue, claim/complete (409 when
already completed), history, cancel, messages, and definition upload/validate/deploy."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engine.models import HumanTask, ProcessInstance
from org.models import User
from tests.api.conftest import bpmn_files
from tests.crm.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _start(client, **extra):
    return client.post(
        "/api/v1/process-instances/", {"key": "api_review", "variables": {"amount": 5}, **extra}
    )


def test_start_by_key_with_variables_and_business_object(demo, client_for, review_process):
    # given a customer of zhang.wei
    customer = CustomerFactory(owner=demo["salesperson"], name="Acme")
    zhang = client_for(demo["salesperson"])
    # when he starts the review about it
    response = _start(zhang, business_object={"type": "crm.customer", "id": str(customer.pk)})
    # then the instance runs, carries the variables and the business object
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "running" and body["variables"]["amount"] == 5
    assert body["business_object"] == {"type": "crm.customer", "id": str(customer.pk), "label": str(customer)}
    # and it is visible to him and his manager, not to a colleague (row scope own)
    ids = lambda user: [i["id"] for i in client_for(user).get("/api/v1/process-instances/").json()["results"]]  # noqa: E731
    liu = User.objects.get(username="liu.yang")
    assert body["id"] in ids(demo["salesperson"]) and body["id"] in ids(demo["sales_manager"])
    assert body["id"] not in ids(liu)
    assert client_for(liu).get(f"/api/v1/process-instances/{body['id']}/").status_code == 404


def test_starting_about_an_invisible_record_or_unknown_key_is_refused(demo, client_for, review_process):
    other = CustomerFactory(owner=User.objects.get(username="liu.yang"))
    zhang = client_for(demo["salesperson"])
    hidden = _start(zhang, business_object={"type": "crm.customer", "id": str(other.pk)})
    assert hidden.status_code == 400 and "business_object" in hidden.json()["fields"]
    unknown = zhang.post("/api/v1/process-instances/", {"key": "no_such_process"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "definition_not_found"
    assert ProcessInstance.objects.count() == 0


def test_start_and_complete_answer_with_the_callers_next_tasks(demo, client_for, review_process):
    # zhang.wei is in the sales group the review is offered to: the start hands him the task
    zhang = client_for(demo["salesperson"])
    started = _start(zhang).json()
    next_tasks = [(t["name"], t["instance"]) for t in started["next_tasks"]]
    assert next_tasks == [("Review the request", started["id"])]
    # a technician may start it too, but the task is not his to do
    technician_start = _start(client_for(demo["technician"]))
    assert technician_start.status_code == 201 and technician_start.json()["next_tasks"] == []
    # completing the only task ends the process: nothing next
    task_id = started["next_tasks"][0]["id"]
    done = zhang.post(f"/api/v1/tasks/{task_id}/complete/", {"data": {"approved": True}}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["next_tasks"] == []


def test_queue_claim_complete_and_a_second_completion_is_409(demo, client_for, review_process):
    instance_id = _start(client_for(demo["sales_manager"])).json()["id"]
    liu = client_for(User.objects.get(username="liu.yang"))
    # the task sits in the sales group's queue
    queue = liu.get("/api/v1/tasks/", {"view": "queue"}).json()["results"]
    assert [t["name"] for t in queue] == ["Review the request"]
    task_id = queue[0]["id"]
    assert liu.get("/api/v1/tasks/counts/").json()["queue"] == 1
    # claim → in my inbox
    claimed = liu.post(f"/api/v1/tasks/{task_id}/claim/")
    assert claimed.status_code == 200 and claimed.json()["assignee"]["username"] == "liu.yang"
    assert [t["id"] for t in liu.get("/api/v1/tasks/").json()["results"]] == [task_id]
    # another salesperson may not claim it now
    taken = client_for(demo["salesperson"]).post(f"/api/v1/tasks/{task_id}/claim/")
    assert taken.status_code == 409 and taken.json()["code"] == "task_not_claimable"
    # form validation: the required field is reported per field
    bad = liu.post(f"/api/v1/tasks/{task_id}/complete/", {"data": {}})
    assert bad.status_code == 400 and "approved" in bad.json()["fields"]
    done = liu.post(f"/api/v1/tasks/{task_id}/complete/", {"data": {"approved": True}})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    again = liu.post(f"/api/v1/tasks/{task_id}/complete/", {"data": {"approved": True}})
    assert again.status_code == 409 and again.json()["code"] == "task_already_completed"
    # the history tells the story (to the starter: instances are scoped by who started them)
    history = client_for(demo["sales_manager"]).get(f"/api/v1/process-instances/{instance_id}/history/")
    kinds = [e["kind"] for e in history.json()["results"]]
    assert kinds[0] == "started" and "task_claimed" in kinds and "task_completed" in kinds


def test_delegate_and_unclaim(demo, client_for, review_process):
    _start(client_for(demo["sales_manager"]))
    task = HumanTask.objects.get(status="ready")
    zhang = client_for(demo["salesperson"])
    assert zhang.post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 200
    released = zhang.post(f"/api/v1/tasks/{task.pk}/unclaim/")
    assert released.status_code == 200 and released.json()["assignee"] is None
    liu = User.objects.get(username="liu.yang")
    delegated = zhang.post(f"/api/v1/tasks/{task.pk}/delegate/", {"to_user": liu.pk})
    assert delegated.status_code == 200 and delegated.json()["assignee"]["username"] == "liu.yang"
    assert zhang.get("/api/v1/tasks/", {"view": "delegated"}).json()["count"] == 1
    unknown = zhang.post(f"/api/v1/tasks/{task.pk}/delegate/", {"to_user": 999999})
    assert unknown.status_code in (400, 403)


def test_a_task_not_offered_to_me_is_404(demo, client_for, review_process):
    _start(client_for(demo["sales_manager"]))
    task = HumanTask.objects.get(status="ready")
    technician = client_for(demo["technician"])
    assert technician.get(f"/api/v1/tasks/{task.pk}/").status_code == 404
    assert technician.post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 404


def test_completing_a_task_i_may_not_see_is_404_whatever_the_engine_would_say(
    demo, client_for, review_process
):
    _start(client_for(demo["sales_manager"]))
    task = HumanTask.objects.get(status="ready")
    technician = client_for(demo["technician"])
    url = f"/api/v1/tasks/{task.pk}/complete/"
    # open and offered to the sales group only: not "not offered to you", not a word about its form
    for body in ({"data": {"approved": True}}, {"data": {}}, {"data": "junk"}):
        refused = technician.post(url, body, format="json")
        assert refused.status_code == 404 and refused.json()["code"] == "task_not_found", body
    assert HumanTask.objects.get(pk=task.pk).status == "ready"
    # completed by a salesperson: to him "already completed", to the technician still only 404
    zhang = client_for(demo["salesperson"])
    assert zhang.post(url, {"data": {"approved": True}}, format="json").status_code == 200
    assert zhang.post(url, {"data": {"approved": True}}, format="json").status_code == 409
    again = technician.post(url, {"data": {"approved": True}}, format="json")
    assert again.status_code == 404 and "zhang" not in again.content.decode()


def test_a_task_administrator_completes_only_the_tasks_their_row_scope_shows(
    demo, client_for, review_process
):
    from org.permissions import RowScope
    from tests.factories import GroupFactory

    # the technician may administer tasks (work any of them), within his own records
    admins = GroupFactory(
        name="task_admins", perms=["engine.view_humantask", "engine.change_humantask"],
        profile__row_scope=RowScope.OWN,
    )  # fmt: skip
    admins.user_set.add(demo["technician"])
    _start(client_for(demo["sales_manager"]))
    task = HumanTask.objects.get(status="ready")
    url = f"/api/v1/tasks/{task.pk}/complete/"
    # the sales review is outside his scope: not found, and nothing changed
    refused = client_for(demo["technician"]).post(url, {"data": {"approved": True}}, format="json")
    assert refused.status_code == 404
    assert HumanTask.objects.get(pk=task.pk).status == "ready"
    # a superuser works it
    done = client_for(demo["admin"]).post(url, {"data": {"approved": True}}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_cancel_by_starter_then_409(demo, client_for, review_process):
    wang = client_for(demo["sales_manager"])
    instance_id = _start(wang).json()["id"]
    cancelled = wang.post(f"/api/v1/process-instances/{instance_id}/cancel/", {"reason": "duplicate"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = wang.post(f"/api/v1/process-instances/{instance_id}/cancel/", {})
    assert again.status_code == 409 and again.json()["code"] == "instance_not_running"
    assert wang.get(f"/api/v1/process-instances/{instance_id}/incidents/").json()["results"] == []


def test_message_correlation_needs_the_right_and_starts_the_process(demo, client_for):
    from engine import services

    services.definition_deploy(files=bpmn_files("api_ping.bpmn"))
    refused = client_for(demo["salesperson"]).post("/api/v1/messages/", {"name": "api_ping"})
    assert refused.status_code == 403
    result = client_for(demo["admin"]).post("/api/v1/messages/", {"name": "api_ping", "payload": {"x": 1}})
    assert (
        result.status_code == 200 and result.json()["matched"] is True and len(result.json()["started"]) == 1
    )
    nobody = client_for(demo["admin"]).post("/api/v1/messages/", {"name": "nobody_waits"}).json()
    assert nobody["matched"] is False


def _upload(name: str, body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/xml")


def test_validate_deploy_and_download(demo, client_for):
    designer = client_for(User.objects.get(username="lin.feng"))
    body = bpmn_files("api_review.bpmn")["api_review.bpmn"]
    # a broken file: located findings, nothing deployed
    broken = designer.post(
        "/api/v1/process-definitions/validate/",
        {"files": [_upload("x.bpmn", b"<bpmn:definitions")]},
        format="multipart",
    )
    assert broken.status_code == 200 and broken.json()["ok"] is False and broken.json()["findings"]
    rejected = designer.post(
        "/api/v1/process-definitions/deploy/", {"files": [_upload("x.bpmn", b"<nope/>")]}, format="multipart"
    )
    assert rejected.status_code == 400 and rejected.json()["location"]["findings"]
    # a good one deploys once; the same content again is the same version
    first = designer.post(
        "/api/v1/process-definitions/deploy/", {"files": [_upload("r.bpmn", body)]}, format="multipart"
    )
    assert first.status_code == 201, first.content
    again = designer.post(
        "/api/v1/process-definitions/deploy/", {"files": [_upload("r.bpmn", body)]}, format="multipart"
    )
    assert again.status_code == 200 and again.json()["created"] is False
    definition_id = first.json()["definition"]["id"]
    versions = designer.get("/api/v1/process-definitions/", {"key": "api_review"}).json()["results"]
    assert [v["version"] for v in versions] == [1]
    download = designer.get(f"/api/v1/process-definitions/{definition_id}/bpmn/")
    assert download.status_code == 200 and download.content == body
    # a salesperson may read definitions but not deploy
    sales = client_for(demo["salesperson"])
    assert sales.get("/api/v1/process-definitions/").status_code == 200
    assert (
        sales.post(
            "/api/v1/process-definitions/deploy/", {"files": [_upload("r.bpmn", body)]}, format="multipart"
        ).status_code
        == 403
    )


def test_engine_writes_through_the_api_are_audited(demo, client_for, review_process):
    wang = client_for(demo["sales_manager"])
    instance_id = _start(wang).json()["id"]
    task = HumanTask.objects.get(status="ready")
    wang.post(f"/api/v1/tasks/{task.pk}/claim/")
    wang.post(f"/api/v1/tasks/{task.pk}/complete/", {"data": {"approved": False}})
    from audit.models import AuditEvent

    started = AuditEvent.objects.get(object_type="engine.processinstance", object_id=str(instance_id))
    assert started.action == "create" and started.extra["operation"] == "start"
    operations = list(
        AuditEvent.objects.filter(object_type="engine.humantask", object_id=str(task.pk))
        .order_by("id")
        .values_list("extra__operation", flat=True)
    )
    assert operations == ["claim", "complete"]


def test_activate_an_older_version_rolls_back(demo, client_for):
    designer = client_for(User.objects.get(username="lin.feng"))
    body = bpmn_files("api_review.bpmn")["api_review.bpmn"]
    changed = body.replace(b'name="Review the request"', b'name="Review the request again"')
    v1 = designer.post(
        "/api/v1/process-definitions/deploy/", {"files": [_upload("r.bpmn", body)]}, format="multipart"
    )
    v2 = designer.post(
        "/api/v1/process-definitions/deploy/", {"files": [_upload("r.bpmn", changed)]}, format="multipart"
    )
    assert v2.json()["definition"]["version"] == 2 and v2.json()["definition"]["active"] is True
    rolled = designer.post(f"/api/v1/process-definitions/{v1.json()['definition']['id']}/activate/")
    assert rolled.status_code == 200 and rolled.json()["active"] is True
    assert (
        client_for(demo["salesperson"])
        .post(f"/api/v1/process-definitions/{v1.json()['definition']['id']}/activate/")
        .status_code
        == 403
    )


def test_a_start_takes_exactly_the_start_forms_fields(demo, client_for, review_process):
    # given the review, whose start form has one field (amount)
    zhang = client_for(demo["salesperson"])
    # when a caller adds fields of his own, or the engine's own variables
    extra = zhang.post(
        "/api/v1/process-instances/",
        {"key": "api_review", "variables": {"amount": 5, "customer_user": "x", "owner": "wang.fang"}},
        format="json",
    )
    wrong_type = zhang.post(
        "/api/v1/process-instances/", {"key": "api_review", "variables": {"amount": "many"}}, format="json"
    )
    # then each is named, and nothing starts
    assert extra.status_code == 400 and set(extra.json()["fields"]) == {"customer_user", "owner"}
    assert wrong_type.status_code == 400 and set(wrong_type.json()["fields"]) == {"amount"}
    assert ProcessInstance.objects.count() == 0


def test_a_message_cannot_set_what_the_process_owns(demo, client_for, review_process):
    admin = client_for(demo["admin"])
    response = admin.post(
        "/api/v1/messages/",
        {"name": "anything", "keys": {}, "payload": {"business_object": {"type": "crm.order", "id": "1"}}},
        format="json",
    )
    assert response.status_code == 400 and "business_object" in response.json()["fields"]
