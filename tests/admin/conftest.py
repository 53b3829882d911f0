"""Fixtures of the administration tests: the local HTTP receiver of the integration tests."""

from tests.integrations.conftest import fake_server  # noqa: F401  (a real HTTP server on 127.0.0.1)
