"""Sign-in, sign-out, failed sign-in and lockout, as a person at the login page sees them."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.factories import PASSWORD, EmployeeFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def login(client, username, password, ip="10.1.2.3"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_signing_in_lands_on_home_and_is_audited(client):
    zhang = EmployeeFactory(user__username="zhang").user
    response = login(client, "zhang", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Welcome" in home.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (event.actor, event.actor_label, event.ip) == (zhang, "zhang", "10.1.2.3")


def test_signing_out_is_audited(client):
    EmployeeFactory(user__username="zhang")
    login(client, "zhang", PASSWORD)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT, actor_label="zhang").exists()
    assert client.get(reverse("home")).status_code == 302  # back to the login page


def test_a_wrong_password_is_refused_and_audited_without_the_password(client):
    EmployeeFactory(user__username="zhang")
    response = login(client, "zhang", "wrong-password")
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.actor_label == "zhang" and event.actor is None
    assert "wrong-password" not in str(event.extra) + str(event.changes)


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, settings):
    EmployeeFactory(user__username="zhang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "zhang", "nope")
    response = login(client, "zhang", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()


def test_lockout_is_per_user_and_address(client, settings):
    EmployeeFactory(user__username="zhang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "zhang", "nope", ip="10.9.9.9")
    # the same person from the office network is not locked out by an attacker elsewhere
    assert login(client, "zhang", PASSWORD, ip="10.1.2.3").status_code == 302


def test_audit_events_cannot_be_changed_or_deleted(client):
    EmployeeFactory(user__username="zhang")
    login(client, "zhang", PASSWORD)
    event = AuditEvent.objects.get()
    event.actor_label = "someone else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(actor_label="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().actor_label == "zhang"


def test_behind_the_tls_proxy_a_lockout_locks_the_attackers_address_not_the_account(client, settings):
    # given Baton behind one TLS proxy (10.0.0.1), which appends each client's address
    settings.TRUSTED_PROXY_COUNT = 1
    EmployeeFactory(user__username="zhang")

    def via_proxy(password, forwarded_for):
        return client.post(
            LOGIN,
            {"username": "zhang", "password": password},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    # when an attacker at 203.0.113.66 fails repeatedly, claiming to be Zhang's office in the header
    for _ in range(settings.AXES_FAILURE_LIMIT):
        via_proxy("nope", "198.51.100.7, 203.0.113.66")
    # then the attacker is locked out, even with the right password
    assert via_proxy(PASSWORD, "203.0.113.66").status_code == 429
    # and Zhang, from his office, still signs in, recorded with his own address
    assert via_proxy(PASSWORD, "198.51.100.7").status_code == 302
    locked = set(AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).values_list("ip", flat=True))
    signed_in = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert (locked, signed_in.ip) == ({"203.0.113.66"}, "198.51.100.7")


def test_served_directly_the_forwarded_header_is_ignored(client, settings):
    # given no proxy in front: X-Forwarded-For is whatever the client wrote
    settings.TRUSTED_PROXY_COUNT = 0
    EmployeeFactory(user__username="zhang")
    for number in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "zhang", "password": "nope"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )
    # then changing the header each time does not dodge the lockout
    assert login(client, "zhang", PASSWORD, ip="203.0.113.66").status_code == 429
