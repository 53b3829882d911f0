"""Two customer companies with portal users, a service team, a product catalogue, and a complaint
process whose last step is addressed to the customer (assignee `${customer_user}`)."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from portal.models import PortalAccount
from processes import services as processes
from tests.crm.factories import ContactFactory, CustomerFactory, ProductFactory
from tests.factories import PASSWORD, EmployeeFactory, GroupFactory, UserFactory

BPMN = Path(__file__).parent / "bpmn"


def make_account(customer, email, *, admin=False, contact=None) -> PortalAccount:
    user = UserFactory(username=email, email=email, display_name=email.split("@")[0].title())
    return PortalAccount.objects.create(
        user=user, customer=customer, contact=contact, is_customer_admin=admin, activated_at=timezone.now()
    )


@pytest.fixture
def world(db):
    ns = SimpleNamespace(password=PASSWORD)
    ns.manager = EmployeeFactory(user__username="pt.manager").user
    ns.service = GroupFactory(name="pt_service")
    ns.agent = EmployeeFactory(user__username="pt.agent").user
    ns.agent.groups.add(ns.service)
    ns.acme = CustomerFactory(
        name="Acme Trading", owner=ns.manager, portal_enabled=True, address="1 Harbour Rd"
    )
    ns.globex = CustomerFactory(name="Globex Works", owner=ns.manager, portal_enabled=True)
    ns.alice_contact = ContactFactory(customer=ns.acme, name="Alice Chen")
    ns.alice = make_account(ns.acme, "alice@acme.example", admin=True, contact=ns.alice_contact)
    ns.andy = make_account(ns.acme, "andy@acme.example")
    ns.bob = make_account(ns.globex, "bob@globex.example", admin=True)
    ns.pump = ProductFactory(name="Water pump", price=120)
    ns.valve = ProductFactory(name="Valve", price=15)
    ns.retired = ProductFactory(name="Old pump", price=99, active=False)
    return ns


@pytest.fixture
def complaint_process(db):
    """pt_complaint: "Investigate the complaint" (group pt_service, customer label "We are looking
    into it") then "Rate how we handled it" for the customer (rating 1-5), bound to
    complaint.submitted."""
    files = {p.name: p.read_bytes() for p in BPMN.iterdir() if p.suffix in (".bpmn", ".json")}
    processes.definition_deploy(files=files)
    processes.binding_set(actor=None, event="complaint.submitted", process_key="pt_complaint")


def portal_client(client, account):
    client.force_login(account.user)
    return client
