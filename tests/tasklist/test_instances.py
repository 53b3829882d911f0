"""The instance view (diagram markers, current steps, history, cancel, retry) and "My requests"."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine.models import ProcessInstance

from .conftest import approve, start_discount

pytestmark = pytest.mark.django_db


def marks(response) -> dict:
    found = re.search(
        r'<script id="diagram-marks" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(found.group(1))


def test_the_instance_page_marks_done_and_current_elements(client, team):
    order = approve(start_discount(team.alice), team.boss)
    client.force_login(team.alice)
    response = client.get(reverse("tasklist:instance", args=[order.instance_id]))
    assert response.status_code == 200
    assert marks(response)["current"] == ["fulfil"]
    assert {"start", "review", "decide"} <= set(marks(response)["done"])
    page = response.content.decode()
    assert 'id="diagram-xml"' in page and "bpmn-viewer.production.min.js" in page
    assert "waiting in the queue of sales" in page


def test_outsiders_cannot_see_an_instance(client, team):
    review = start_discount(team.alice)
    client.force_login(team.carol)
    assert client.get(reverse("tasklist:instance", args=[review.instance_id])).status_code == 404


def test_the_initiator_cancels_a_running_request(client, team):
    review = start_discount(team.alice)
    client.force_login(team.alice)
    url = reverse("tasklist:instance_cancel", args=[review.instance_id])
    response = client.post(url, {"reason": "Customer withdrew"}, follow=True)
    assert "The process was cancelled." in response.content.decode()
    review.instance.refresh_from_db()
    assert review.instance.status == ProcessInstance.Status.CANCELLED


def test_others_involved_cannot_cancel(client, team):
    review = start_discount(team.alice)
    client.force_login(team.boss)
    page = client.get(reverse("tasklist:instance", args=[review.instance_id])).content.decode()
    assert "Cancel the process" not in page
    client.post(reverse("tasklist:instance_cancel", args=[review.instance_id]))
    review.instance.refresh_from_db()
    assert review.instance.status == ProcessInstance.Status.RUNNING


def test_my_requests_show_the_current_step_and_who_holds_it(client, team, django_assert_num_queries):
    start_discount(team.alice)
    approve(start_discount(team.alice), team.boss)
    client.force_login(team.alice)
    response = client.get(reverse("tasklist:requests"))
    page = response.content.decode()
    assert page.count("Discount approval</a>") == 2
    assert "At “Approve the discount” with Boss Wang" in page
    assert "At “Prepare the order” with sales" in page
    # the current steps are prefetched: more requests cost no more queries
    with CaptureQueriesContext(connection) as baseline:
        client.get(reverse("tasklist:requests"))
    for _ in range(5):
        start_discount(team.alice)
    with django_assert_num_queries(len(baseline)):
        client.get(reverse("tasklist:requests"))
    client.force_login(team.bob)
    assert "You have no running requests." in client.get(reverse("tasklist:requests")).content.decode()
