"""Security at the HTTP layer: CSRF on every state-changing URL, session fixation, login lockout
(staff and portal), password policy, framing/CSP/nosniff headers and production cookie flags."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PASSWORD, EmployeeFactory, UserFactory
from tests.portal.conftest import world  # noqa: F401  (the portal's two-company fixture)

pytestmark = pytest.mark.django_db

# Views that take a POST without Django's CSRF token on purpose, each with the reason. DRF views are
# csrf_exempt at the Django level but SessionAuthentication enforces CSRF for session callers, which
# the test below checks as well; a token-authenticated call carries no ambient credential.
CSRF_EXEMPT_ON_PURPOSE: dict[str, str] = {
    # RFC 8058 one-click unsubscribe: the mail client posts without a session; the secret token in
    # the URL is the credential, so a forged request cannot name anybody else's subscription.
    "/unsubscribe/1/": "one-click unsubscribe (RFC 8058), authorised by the token in the URL",
    # The lead form is embedded in the company's own web site and posted by strangers without a
    # session: no ambient credential to ride on; a honeypot and a per-address rate limit guard it.
    "/forms/lead/": "public web form for leads (no session, honeypot, rate limit)",
}


def _all_paths() -> list[tuple[str, object]]:
    """(path with 1 for each parameter, view callback) for every URL of the site."""
    found = []

    def plain(route: str) -> str | None:
        """A route or a regex route (DRF's router, the admin) as a path; None for a format suffix."""
        route = re.sub(r"<[^>]+>", "1", route.replace("(?P<", "<").lstrip("^").rstrip("$"))
        route = re.sub(r"<1[^)]*\)", "1", route) if "(" in route else route
        route = route.replace("1[^/.]+)", "1")
        return None if any(c in route for c in "\\()[]?*+$^") else route

    def walk(patterns, prefix):
        for pattern in patterns:
            route = plain(str(pattern.pattern))
            if route is None:
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                found.append(("/" + prefix + route, pattern.callback))

    walk(get_resolver().url_patterns, "")
    return sorted({p: cb for p, cb in found}.items())


def _is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


def test_no_django_view_is_csrf_exempt_by_accident():
    exempt = {
        path
        for path, callback in _all_paths()
        if getattr(callback, "csrf_exempt", False)
        and not path.startswith("/api/")  # DRF: CSRF enforced by SessionAuthentication, tested below
    }
    assert exempt == set(CSRF_EXEMPT_ON_PURPOSE), exempt


def test_every_staff_and_api_url_refuses_a_post_without_a_csrf_token():
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    paths = [
        p
        for p, _cb in _all_paths()
        if not p.startswith(("/portal/", "/static/")) and p not in CSRF_EXEMPT_ON_PURPOSE
    ]
    assert "/tasks/1/complete/" in paths and "/api/v1/tokens/" in paths
    not_refused = {}
    for path in paths:
        response = client.post(path, {"x": "1"})
        if not _is_csrf_refusal(response):
            not_refused[path] = response.status_code
    assert not not_refused, not_refused


def test_every_portal_url_refuses_a_post_without_a_csrf_token(world):  # noqa: F811
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(world.alice.user)
    session = signed_in.session
    session["_portal_account"] = world.alice.pk
    session.save()
    anonymous = Client(enforce_csrf_checks=True)
    paths = [p for p, _cb in _all_paths() if p.startswith("/portal/")]
    assert "/portal/login/" in paths
    not_refused = {}
    for path in paths:
        for who, client in (("customer", signed_in), ("visitor", anonymous)):
            response = client.post(path, {"x": "1"})
            if not _is_csrf_refusal(response):
                not_refused[(who, path)] = response.status_code
    assert not not_refused, not_refused


def test_a_post_with_the_token_gets_past_the_csrf_check():
    """The other side of the CSRF tests: the refusal above is the token's doing."""
    EmployeeFactory(user__username="zhang")
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("login"), {"username": "zhang", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


# --- session fixation ------------------------------------------------------------------------


def _planted_session(client) -> str:
    """An attacker-chosen session key, already stored, set as the victim's cookie."""
    store = SessionStore()
    store["planted"] = True
    store.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return store.session_key


@pytest.mark.parametrize("where", ["staff", "portal"])
def test_signing_in_rotates_the_session_key(client, world, where):  # noqa: F811
    if where == "staff":
        EmployeeFactory(user__username="zhang")
        url, username = reverse("login"), "zhang"
    else:
        url, username = reverse("portal:login"), "alice@acme.example"
    planted = _planted_session(client)
    response = client.post(url, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted
    assert not SessionStore().exists(planted)  # the planted key no longer opens anything
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    home = reverse("home") if where == "staff" else reverse("portal:home")
    assert attacker.get(home).status_code == 302  # sent to sign in


# --- lockout ---------------------------------------------------------------------------------


def test_portal_sign_in_locks_out_with_a_portal_page(client, world):  # noqa: F811
    url = reverse("portal:login")
    first = client.post(url, {"username": "alice@acme.example", "password": "wrong"})
    assert first.status_code == 200 and "alert" in first.content.decode()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "alice@acme.example", "password": "wrong"})
    # even the right password is refused while locked
    response = client.post(url, {"username": "alice@acme.example", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert reverse("portal:password_reset") in page  # the portal's way back
    assert "portal/portal.css" in page and reverse("tasklist:inbox") not in page  # portal look, no staff nav
    assert "_auth_user_id" not in client.session


def test_staff_lockout_keeps_the_staff_page(client):
    EmployeeFactory(user__username="zhang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "zhang", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "portal/portal.css" not in response.content.decode()


# --- password policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short7!", "password123", "1234567890", "zhang.wei.sales", "qwertyuiop"],
    ids=["too-short", "common", "numeric", "like-the-user-name", "common-keyboard"],
)
def test_weak_passwords_are_refused(password):
    user = UserFactory.build(username="zhang.wei.sales", email="zhang.wei@example.com")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_unusual_password_is_accepted():
    validate_password("Tall-lighthouse-42", UserFactory.build(username="zhang"))


# --- headers ---------------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/accounts/login/", "/portal/login/", "/tasks/", "/api/v1/me/"])
def test_pages_cannot_be_framed_sniffed_or_run_injected_scripts(client, path):
    client.force_login(EmployeeFactory(user__username="zhang").user) if path == "/tasks/" else None
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = _csp(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert not any(src in ("*", "http:", "https:", "data:") for src in policy["script-src"])


PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in (
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SECURE", "DEBUG")}))
"""


def _run_with_production_settings(probe: str, **env_values) -> dict:
    """What `probe` prints (one JSON line) under the production settings, in a fresh interpreter,
    with none of the settings the tests set and nothing about security in the environment."""
    unset = ("SECURE_COOKIES", "DEBUG", "DJANGO_SETTINGS_MODULE", "SECURE_HSTS_SECONDS")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0", SECRET_KEY="x" * 50, **env_values)
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_settings_mark_cookies_secure_httponly_and_samesite():
    values = _run_with_production_settings(PRODUCTION_PROBE)
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True,
        "DEBUG": False,
    }


def test_the_session_cookie_goes_out_with_those_flags(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    EmployeeFactory(user__username="zhang")
    response = client.post(reverse("login"), {"username": "zhang", "password": PASSWORD})
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    page = client.get(reverse("login"))
    csrf = page.cookies.get(settings.CSRF_COOKIE_NAME) or client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_pages_need_no_inline_script(client, path):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not inline, inline
    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page):
        if not src.startswith("/static/"):  # the Swagger start-up script, served by the view
            assert client.get(src.replace("&amp;", "&")).status_code == 200, src


HSTS_PROBE = """
import json, django
django.setup()
from django.conf import settings as s
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
request = RequestFactory().get("/", secure=True, HTTP_HOST="crm.example.com")
answer = SecurityMiddleware(lambda request: HttpResponse())(request)
print(json.dumps({"seconds": s.SECURE_HSTS_SECONDS, "header": answer.get("Strict-Transport-Security", "")}))
"""


def test_production_settings_send_hsts_by_default():
    # given the production settings with nothing about HSTS in the environment
    values = _run_with_production_settings(HSTS_PROBE, ALLOWED_HOSTS="crm.example.com")
    # then browsers are told to use HTTPS only, for a year
    assert values["seconds"] >= 365 * 24 * 3600
    assert values["header"].startswith(f"max-age={values['seconds']}")
