"""The CRM test organisation (tests/crm/conftest.py `org`) chatting: zhang and liu sell in Sales A
(own customers only), wang heads Sales A (sees its tree), yang sells in Sales B."""

import pytest

from messaging import services
from tests.crm.conftest import org  # noqa: F401  (the shared fixture)
from tests.crm.factories import CustomerFactory


@pytest.fixture
def customer(org):  # noqa: F811
    return CustomerFactory(owner=org.zhang, name="上海星河贸易有限公司")


@pytest.fixture
def direct(org):  # noqa: F811
    return services.conversation_direct(actor=org.zhang, other=org.liu)
