"""Portal accounts: invitations by staff and by a customer admin, one-time links that expire,
password reset, and sign-in with lockout and audit."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import NotPermitted, ValidationFailed
from portal.models import PortalAccount, PortalToken
from portal.services import portal_invite, portal_link_use, portal_password_reset_request
from tests.crm.conftest import SALES_PERMS
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Tall-lighthouse-42"


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _invite(world, email="carol@acme.example", **kwargs):
    with_actor = kwargs.pop("actor", world.manager)
    return portal_invite(actor=with_actor, customer=world.acme, email=email, **kwargs)


@pytest.fixture
def manager_can_edit(world):
    group = GroupFactory(name="pt_sales", perms=SALES_PERMS)
    world.manager.groups.add(group)
    return world


def test_staff_invite_sends_a_one_time_link_that_sets_the_password(
    client, manager_can_edit, django_capture_on_commit_callbacks
):
    world = manager_can_edit
    # given an invitation from the customer's manager
    with django_capture_on_commit_callbacks(execute=True):
        account = _invite(world, contact=world.alice_contact)
    # then an inactive account of that company, and an e-mail with a link
    assert account.customer == world.acme and not account.user.is_active
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["carol@acme.example"]
    link = _link(mail.outbox[0])
    path = link.removeprefix(settings.PUBLIC_BASE_URL)
    assert client.get(path).status_code == 200
    # when the password is set through the link
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("portal:login")
    # then the account works, and the link does not work a second time
    account.refresh_from_db()
    assert account.user.is_active and account.user.check_password(NEW_PASSWORD)
    assert account.activated_at is not None
    again = client.post(path, {"password1": "x" + NEW_PASSWORD, "password2": "x" + NEW_PASSWORD})
    assert again.status_code == 410 and "already been used" in again.content.decode()
    signed_in = client.post(
        reverse("portal:login"), {"username": "carol@acme.example", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.url == reverse("portal:home")


def test_an_expired_invitation_cannot_be_used(client, manager_can_edit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account = _invite(manager_can_edit)
    PortalToken.objects.filter(account=account).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    path = _link(mail.outbox[0]).removeprefix(settings.PUBLIC_BASE_URL)
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410 and "expired" in response.content.decode()
    account.user.refresh_from_db()
    assert not account.user.is_active


def test_a_second_invitation_replaces_the_first_link(manager_can_edit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(manager_can_edit)
        _invite(manager_can_edit)
    first, second = (_link(m).rsplit("/", 2)[-2] for m in mail.outbox)
    with pytest.raises(ValidationFailed) as error:
        portal_link_use(secret=first, purpose="invite", password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    assert error.value.code == "link_expired"
    portal_link_use(secret=second, purpose="invite", password1=NEW_PASSWORD, password2=NEW_PASSWORD)


def test_weak_or_mismatched_passwords_are_refused_per_field(
    client, manager_can_edit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(manager_can_edit)
    path = _link(mail.outbox[0]).removeprefix(settings.PUBLIC_BASE_URL)
    weak = client.post(path, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 400 and "too common" in weak.content.decode()
    differ = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"})
    assert differ.status_code == 400 and "differ" in differ.content.decode()


def test_staff_without_rights_on_the_customer_cannot_invite(world):
    outsider = UserFactory(username="pt.outsider")
    with pytest.raises(NotPermitted):
        _invite(world, actor=outsider)
    assert not PortalAccount.objects.filter(user__email="carol@acme.example").exists()


def test_no_invitation_while_portal_access_is_off(manager_can_edit):
    manager_can_edit.acme.portal_enabled = False
    manager_can_edit.acme.save()
    with pytest.raises(ValidationFailed):
        _invite(manager_can_edit)


def test_an_address_that_is_already_a_user_is_refused(manager_can_edit):
    with pytest.raises(ValidationFailed) as error:
        _invite(manager_can_edit, email="BOB@globex.example")
    assert "email" in error.value.fields


def test_a_customer_admin_invites_a_colleague_of_the_same_company_only(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:team"), {"email": "dave@acme.example"})
    assert response.status_code == 302
    dave = PortalAccount.objects.get(user__email="dave@acme.example")
    assert dave.customer == world.acme and not dave.is_customer_admin
    # a customer admin cannot invite into another company, a plain user cannot invite at all
    with pytest.raises(NotPermitted):
        portal_invite(actor=world.alice.user, customer=world.globex, email="eve@globex.example")
    client.force_login(world.andy.user)
    refused = client.post(reverse("portal:team"), {"email": "fred@acme.example"})
    assert refused.status_code == 400
    assert not PortalAccount.objects.filter(user__email="fred@acme.example").exists()


def test_password_reset_mails_a_link_only_to_portal_accounts(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:password_reset"), {"email": "alice@acme.example"})
        client.post(reverse("portal:password_reset"), {"email": "nobody@acme.example"})
        portal_password_reset_request(email=world.manager.email)  # staff: no portal reset
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["alice@acme.example"]]
    path = _link(mail.outbox[0]).removeprefix(settings.PUBLIC_BASE_URL)
    assert client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    world.alice.user.refresh_from_db()
    assert world.alice.user.check_password(NEW_PASSWORD)
    assert client.get(path).status_code == 410


def test_staff_cannot_sign_in_on_the_portal(client, world):
    response = client.post(reverse("portal:login"), {"username": "pt.manager", "password": world.password})
    assert response.status_code == 200
    assert "This sign-in is for customers" in response.content.decode()


def test_portal_sign_in_is_audited_and_locks_out_after_repeated_failures(client, world, settings):
    def attempt(password):
        return client.post(
            reverse("portal:login"),
            {"username": "alice@acme.example", "password": password},
            REMOTE_ADDR="10.7.7.7",
        )

    ok = attempt(world.password)
    assert ok.status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=world.alice.user).exists()
    client.post(reverse("portal:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("wrong")
    locked = attempt(world.password)
    assert locked.status_code == 429
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_FAILED, actor_label="alice@acme.example"
    ).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).exists()


def test_reset_and_invitation_links_start_with_the_public_address_whatever_the_host_header(
    client, world, settings, django_capture_on_commit_callbacks
):
    # given a site published as https://crm.example.com, reached through a proxy that passes any Host
    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    client.force_login(world.alice.user)
    # when an attacker asks for Alice's reset link, and Alice invites a colleague, under a forged Host
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:team"), {"email": "dave@acme.example"}, HTTP_HOST="evil.example")
        client.post(reverse("portal:logout"))
        client.post(
            reverse("portal:password_reset"), {"email": "alice@acme.example"}, HTTP_HOST="evil.example"
        )
    # then both e-mailed links point at the real site
    links = [_link(message) for message in mail.outbox]
    assert len(links) == 2
    assert all(link.startswith("https://crm.example.com/portal/") for link in links), links
