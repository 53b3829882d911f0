"""A bounded property-based run of the whole API against its own OpenAPI schema (schemathesis):
for every operation, a few generated requests as an administrator and as a salesperson must
never answer 5xx, and every answer must match the documented status codes, content types and
response schemas. The full run is in the README's API section."""

from __future__ import annotations

import contextlib
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient

from api.services import token_create
from tests.crm.factories import CustomerFactory, PoolFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MAX_EXAMPLES = int(os.environ.get("BATON_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@contextlib.contextmanager
def _requests_keep_the_test_connection():
    """Requests through the WSGI app run inside the test transaction: they must not close its
    connection (Django's test client does the same; it also reconnects the signal afterwards, so
    this wraps the run itself)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(demo, review_process):
    # Some records for detail endpoints to find.
    customer = CustomerFactory(owner=demo["salesperson"])
    CustomerFactory(owner=None, pool=PoolFactory(), owned_since=None)
    ProductFactory()
    from engine import services

    services.start_process("api_review", started_by=demo["salesperson"], business_object=customer)
    client = APIClient()
    client.force_authenticate(demo["admin"])
    raw = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schema = schemathesis.openapi.from_dict(raw)
    handler = WSGIHandler()

    def app(environ, start_response):
        # One savepoint per request, as each request is its own transaction in production.
        with transaction.atomic():
            return handler(environ, start_response)

    schema.app = app
    return schema


def _run_operation(operation, headers) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("role", ["admin", "salesperson"])
def test_api_conforms_to_its_schema(demo, api_schema, role):
    _token, secret = token_create(user=demo[role], name="schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    failures = []
    unlimited = {"token": "1000000/minute", "user": "1000000/minute"}
    from django.conf import settings as django_settings

    with (
        override_settings(
            REST_FRAMEWORK={**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": unlimited},
            ALLOWED_HOSTS=["localhost", "testserver"],
        ),
        _requests_keep_the_test_connection(),
    ):
        for result in api_schema.get_all_operations():
            operation = result.ok()
            try:
                _run_operation(operation, headers)
            except BaseException as error:
                if isinstance(error, KeyboardInterrupt):
                    raise
                details = "\n".join([str(error), *getattr(error, "__notes__", [])])
                failures.append(f"{operation.method.upper()} {operation.path}: {details}"[:3000])
    assert not failures, "\n\n".join(failures)
