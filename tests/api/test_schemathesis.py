"""A bounded property-based run of the whole API against its own OpenAPI schema (schemathesis):
for every operation, a few generated requests as an administrator and as a salesperson must
never answer 5xx, and every answer must match the documented status codes, content types and
response schemas. The full run is in the README's API section."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.db import transaction
from django.test import override_settings
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient

from api.services import token_create
from tests.api.endpoints import _campaign, _document, _expense, _favourite_list, _import_job
from tests.crm.factories import CustomerFactory, PoolFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
# See tests/api/conftest.py: start on a brand-new database connection, whatever the tests before
# this one on the same worker did to theirs.
FRESH_DB_CONNECTION = True

MAX_EXAMPLES = int(os.environ.get("BATON_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def _wsgi_app():
    """The Django app as a WSGI callable for schemathesis, served like Django's test client.

    The test runs inside one database transaction on the worker's connection. Under a real WSGI
    handler every request ends with `close_old_connections`, which (CONN_MAX_AGE=0 in the test
    settings) closes that connection; inside the test's atomic block Django can only mark it
    closed, and every later query fails with "connection already closed". Django's ClientHandler
    keeps the connection open for each request by itself, instead of this test switching the
    signal receiver off globally (which anything that sends a test-client request in between
    would silently switch back on). Each request also gets its own savepoint, as each request is
    its own transaction in production.
    """
    handler = ClientHandler(enforce_csrf_checks=False)

    def app(environ, start_response):
        with transaction.atomic():
            response = handler(environ)
        headers = [*response.items()]
        headers += [("Set-Cookie", cookie.output(header="").strip()) for cookie in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response.streaming_content if response.streaming else [response.content]

    return app


def test_requests_through_the_harness_keep_the_test_connection(demo, settings):
    # given the request signals wired as in production (close_old_connections connected)
    from werkzeug.test import Client

    settings.ALLOWED_HOSTS = ["localhost"]

    from org.models import User

    _token, secret = token_create(user=demo["admin"], name="harness")
    client = Client(_wsgi_app())
    # when several requests go through the harness
    for _ in range(3):
        assert client.get("/api/v1/me/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    # then the test's own connection still answers
    assert User.objects.filter(username="admin").exists()


@pytest.fixture
def api_schema(demo, review_process):
    # Some records for detail endpoints to find.
    customer = CustomerFactory(owner=demo["salesperson"])
    CustomerFactory(owner=None, pool=PoolFactory(), owned_since=None)
    ProductFactory()
    from engine import services

    services.start_process("api_review", started_by=demo["salesperson"], business_object=customer)
    for make in (_campaign, _expense, _favourite_list, _import_job, _document):
        make(demo["salesperson"])
    client = APIClient()
    client.force_authenticate(demo["admin"])
    raw = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = _wsgi_app()
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
