"""List endpoints cost the same number of queries whatever the page holds (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.crm.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _queries(client, path: str) -> int:
    """Queries of the second of two requests: the first may fill what core.memo remembers
    across requests (the caller's permissions and groups), the same whatever the page holds."""
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/orders/", "/api/v1/tasks/?view=all"])
def test_list_query_count_does_not_grow_with_rows(demo, client_for, review_process, path):
    from engine import services

    manager = demo["sales_manager"]
    client = client_for(manager)

    def add(n: int) -> None:
        product = ProductFactory()
        for _ in range(n):
            customer = CustomerFactory(owner=manager)
            client.post(
                "/api/v1/orders/",
                {"customer": customer.pk, "lines": [{"product": product.pk, "quantity": "1"}]},
            )
            services.start_process("api_review", started_by=manager, business_object=customer)

    add(2)
    few = _queries(client, path)
    add(8)
    many = _queries(client, path)
    assert many == few, (few, many)


def test_session_users_are_throttled_too(demo, client_for, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "5/minute", "user": "2/minute"},
    }
    client = client_for(demo["salesperson"])
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
