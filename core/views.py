"""Health and metrics endpoints for load balancers and monitoring.

/healthz               database, broker and beat lag; 503 when any of them fails
/healthz?only=database just the database: what a load balancer should ask (a stopped beat must
                       not take the web processes out of rotation)
/metrics               Prometheus text format; with METRICS_TOKEN set it needs
                       `Authorization: Bearer <token>`, otherwise only loopback clients get it
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import heartbeat, metrics

LOOPBACK = {"127.0.0.1", "::1"}


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:
        return False, f"error: {exc.__class__.__name__}"


def _broker() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "embedded"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return True, "ok"
    except redis.RedisError as exc:
        return False, f"error: {exc.__class__.__name__}"


def _beat() -> tuple[bool, str, float | None]:
    limit = settings.BATON_BEAT_MAX_LAG_SECONDS
    try:
        lag = heartbeat.lag_seconds()
    except Exception as exc:
        return False, f"error: {exc.__class__.__name__}", None
    if lag is None:
        # Embedded without a ticker (tests, one-off commands) has no beat; production must have one.
        return (not settings.REDIS_URL), ("missing" if settings.REDIS_URL else "off"), None
    if lag > limit:
        return False, f"late: no heartbeat for {lag:.0f} s (limit {limit} s)", round(lag, 1)
    return True, "ok", round(lag, 1)


@require_GET
def health(request):
    database_ok, database = _database()
    body: dict = {"database": database}
    healthy = database_ok
    if request.GET.get("only") != "database":
        broker_ok, body["broker"] = _broker()
        beat_ok, body["beat"], body["beat_lag_seconds"] = _beat() if database_ok else (False, "unknown", None)
        healthy = healthy and broker_ok and beat_ok
    body = {"status": "ok" if healthy else "error", **body}
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


def _may_scrape(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR") in LOOPBACK and "HTTP_X_FORWARDED_FOR" not in request.META


@require_GET
def metrics_view(request):
    if not _may_scrape(request):
        return JsonResponse({"status": "forbidden"}, status=403)
    response = HttpResponse(generate_latest(metrics.registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
