"""/healthz tells a load balancer and the monitoring whether the database, the broker and the beat
are alive; /metrics gives Prometheus the engine's figures, to loopback or token holders only."""

import socket
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from core import heartbeat
from engine import services
from engine.models import HumanTask
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db
APPROVAL = Path(__file__).resolve().parents[2] / "bench" / "data" / "approval.bpmn"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the socket is closed


def scrape(client, **headers) -> dict:
    response = client.get(reverse("metrics"), **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = sample.name + "".join(f"[{k}={v}]" for k, v in sorted(sample.labels.items()))
            samples[key] = sample.value
    return samples


# -- /healthz ----------------------------------------------------------------------------------


def test_embedded_health_is_ok_without_a_broker_or_a_beat(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "embedded",
        "beat": "off",
        "beat_lag_seconds": None,
    }
    assert response["Cache-Control"] == "no-store"


def test_an_unreachable_broker_makes_health_fail_but_not_the_database_only_check(client, settings):
    settings.REDIS_URL = closed_port_url()
    heartbeat.beat("beat-1")

    response = client.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["broker"].startswith("error: ")
    assert body["database"] == "ok" and body["beat"] == "ok"

    # the load balancer's check only looks at what serving pages needs
    response = client.get(reverse("health"), {"only": "database"})
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.redis
def test_a_late_or_missing_beat_makes_health_fail_in_production(client, settings):
    settings.REDIS_URL = settings.TEST_REDIS_URL
    settings.BATON_BEAT_MAX_LAG_SECONDS = 120

    response = client.get(reverse("health"))  # no beat has ever run
    assert response.status_code == 503 and response.json()["beat"] == "missing"

    heartbeat.beat("beat-1", now=timezone.now() - timedelta(minutes=10))
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["beat"].startswith("late: no heartbeat for 6")
    assert response.json()["broker"] == "ok"

    heartbeat.beat("beat-1")
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["beat"] == "ok" and response.json()["beat_lag_seconds"] < 120


def test_the_embedded_ticker_writes_the_heartbeat(settings):
    from core.ticker import Ticker

    Ticker({}, interval=60).tick()
    assert heartbeat.lag_seconds() is not None and heartbeat.lag_seconds() < 60


def test_health_answers_post_with_405(client):
    assert client.post(reverse("health")).status_code == 405


# -- /metrics ----------------------------------------------------------------------------------


def test_metrics_are_refused_to_remote_clients_without_the_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.1.2.3").status_code == 403
    # loopback, but through a proxy: the real client is elsewhere
    assert client.get(reverse("metrics"), HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get(reverse("metrics")).status_code == 200  # the test client is 127.0.0.1

    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get(reverse("metrics")).status_code == 403
    wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 403
    right = client.get(
        reverse("metrics"), REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
    )
    assert right.status_code == 200


def test_metrics_count_tasks_latency_instances_and_incidents(client):
    # given the two-step approval, a clerk in its first lane and nobody in the second
    admin = UserFactory(username="metrics.admin", is_superuser=True)
    clerk = UserFactory(username="metrics.clerk")
    clerk.groups.add(GroupFactory(name="bench_sales"))
    GroupFactory(name="bench_managers")
    services.definition_deploy(files={"approval.bpmn": APPROVAL.read_bytes()}, deployed_by=admin)
    before = scrape(client)

    # when two approvals start and one passes its first step, 30 minutes after it was created
    first = services.start_process("bench_approval", started_by=clerk)
    services.start_process("bench_approval", started_by=clerk)
    task = HumanTask.objects.get(instance=first, element_id="request")
    HumanTask.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    services.complete_task(task.pk, user=clerk, data={"amount": 5000})
    after = scrape(client)

    # then three tasks were created, one completed, two are open (one of them nobody can take)
    def grew(key):
        return after[key] - before[key]

    assert grew("baton_human_tasks_created_total") == 3
    assert grew("baton_human_tasks_completed_total") == 1
    assert after["baton_human_tasks_open"] - before["baton_human_tasks_open"] == 2
    assert after["baton_incidents_open"] - before["baton_incidents_open"] == 1
    assert (
        after["baton_process_instances[status=error]"] - before["baton_process_instances[status=error]"] == 1
    )
    # and the completed step took half an hour: above the 15 min bucket, inside the 1 h one
    bucket = "baton_human_step_latency_seconds_bucket[le={}]"
    assert after[bucket.format("900.0")] - before[bucket.format("900.0")] == 0
    assert after[bucket.format("3600.0")] - before[bucket.format("3600.0")] == 1
    assert after[bucket.format("+Inf")] - before[bucket.format("+Inf")] == 1
    assert (
        after["baton_human_step_latency_seconds_gsum"] - before["baton_human_step_latency_seconds_gsum"]
        >= 1800
    )


@pytest.mark.redis
def test_metrics_report_the_queue_depth_and_the_beat_lag(client, settings):
    queue = f"test-depth-{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = settings.TEST_REDIS_URL
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    broker = redis.Redis.from_url(settings.TEST_REDIS_URL)
    try:
        broker.rpush(queue, "a", "b", "c")
        heartbeat.beat("beat-1", now=timezone.now() - timedelta(seconds=90))
        samples = scrape(client)
        assert samples[f"baton_queue_depth[queue={queue}]"] == 3
        assert 90 <= samples["baton_beat_lag_seconds"] < 3600
    finally:
        broker.delete(queue)
        broker.close()


def test_metrics_still_answer_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = closed_port_url()
    samples = scrape(client)
    assert "baton_human_tasks_created_total" in samples
    assert not any(key.startswith("baton_queue_depth[") for key in samples)
