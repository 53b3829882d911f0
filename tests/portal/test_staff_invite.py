"""The "Invite to the portal" button on the customer card: staff with the edit right on the
customer send an invitation; others are refused; the answer goes back where the button was, or as
an htmx fragment."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from crm.services.customers import customer_share
from org.permissions import RowScope
from portal.models import PortalAccount
from tests.crm.factories import ContactFactory
from tests.factories import EmployeeFactory, GroupFactory

pytestmark = pytest.mark.django_db

CARD = "/crm/customers/1/"


@pytest.fixture
def sales(world):
    group = GroupFactory(
        name="pt_sales",
        perms=["crm.view_customer", "crm.change_customer"],
        profile__row_scope=RowScope.OWN,
    )
    world.manager.groups.add(group)
    other = EmployeeFactory(user__username="pt.other").user
    other.groups.add(group)
    return other


def _invite(client, world, *, htmx=False, **data):
    url = reverse("portal:staff_invite", args=[world.acme.pk])
    headers = {"Referer": f"http://testserver{CARD}", **({"HX-Request": "true"} if htmx else {})}
    return client.post(url, {"email": "carol@acme.example", **data}, headers=headers)


def test_the_customer_manager_invites_a_contact_and_returns_to_the_card(
    client, world, sales, django_capture_on_commit_callbacks
):
    contact = ContactFactory(customer=world.acme, name="Carol")
    client.force_login(world.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, world, contact=contact.pk)
    # then she is back on the card with a message, and Carol got her one-time link
    assert response.status_code == 302 and response.url == f"http://testserver{CARD}"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Invitation sent to carol@acme.example."]
    account = PortalAccount.objects.get(user__email="carol@acme.example")
    assert (account.customer, account.contact, account.user.is_active) == (world.acme, contact, False)
    assert len(mail.outbox) == 1 and "/portal/invitation/" in mail.outbox[0].body


def test_htmx_gets_a_fragment_with_located_errors(client, world, sales):
    client.force_login(world.manager)
    foreign = ContactFactory(customer=world.globex)
    # (htmx swaps only 2xx answers, so the fragment itself carries the outcome)
    response = _invite(client, world, htmx=True, contact=foreign.pk)
    assert response.status_code == 200 and 'data-field="contact"' in response.content.decode()
    response = _invite(client, world, htmx=True, email="not-an-address")
    assert response.status_code == 200 and 'data-field="email"' in response.content.decode()
    assert 'class="message error"' in response.content.decode()
    assert not PortalAccount.objects.filter(customer=world.acme, user__username__startswith="carol").exists()
    assert not PortalAccount.objects.filter(user__username="not-an-address").exists()


def test_staff_without_the_edit_right_are_refused(client, world, sales):
    # pt.other has the permission but the customer is not his: not found for him
    client.force_login(sales)
    assert _invite(client, world).status_code == 404
    # pt.agent has no CRM permission at all
    client.force_login(world.agent)
    assert _invite(client, world).status_code == 404
    assert not PortalAccount.objects.filter(user__email="carol@acme.example").exists()


def test_a_read_share_is_not_enough(client, world, sales):
    customer_share(actor=world.manager, customer=world.acme, user=sales, level="read")
    client.force_login(sales)
    response = _invite(client, world, htmx=True)
    assert "may not give portal access" in response.content.decode()
    response = _invite(client, world)
    assert response.status_code == 302
    assert "may not give portal access" in str(next(iter(get_messages(response.wsgi_request))))
    assert not PortalAccount.objects.filter(user__email="carol@acme.example").exists()


def test_portal_users_cannot_use_the_staff_invite(client, world, sales):
    client.force_login(world.alice.user)
    assert _invite(client, world).status_code == 403
    assert not PortalAccount.objects.filter(user__email="carol@acme.example").exists()
