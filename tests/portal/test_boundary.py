"""The wall between portal and staff: portal users get 403 on every staff page and the staff API;
staff get no portal pages; visitors are sent to the portal's sign-in."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db


def _staff_paths() -> list[str]:
    """Every URL of the site outside /portal/, with 1 for each path parameter."""
    paths = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                full = "/" + prefix + route
                for converter in ("<int:", "<str:", "<slug:", "<path:", "<uuid:", "<"):
                    while converter in full:
                        start = full.index(converter)
                        end = full.index(">", start)
                        full = full[:start] + "1" + full[end + 1 :]
                if full.startswith(("/portal/", "/static/", "/i18n/", "/healthz", "/accounts/logout/")):
                    continue
                if "^" in full or "(?P" in full or "\\" in full:
                    full = full.split("^")[0] or "/admin/"
                paths.append(full)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


def test_the_staff_site_has_pages_to_guard():
    paths = _staff_paths()
    for expected in ("/", "/tasks/", "/admin/", "/api/v1/me/", "/accounts/login/"):
        assert expected in paths


def test_every_staff_page_and_the_api_refuse_a_portal_user(client, world):
    client.force_login(world.alice.user)
    refused = {}
    for path in _staff_paths():
        response = client.get(path)
        refused[path] = response.status_code
    assert set(refused.values()) == {403}, {p: s for p, s in refused.items() if s != 403}
    api = client.get("/api/v1/me/")
    assert api["Content-Type"].startswith("application/json")
    assert client.post("/tasks/bulk/", {}).status_code == 403


def test_staff_see_no_portal_pages(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 403
    assert "This is the customer portal" in response.content.decode()


def test_visitors_are_sent_to_the_portal_sign_in(client, world):
    response = client.get(reverse("portal:requests"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


def test_switching_off_portal_access_ends_the_session(client, world):
    client.force_login(world.alice.user)
    world.acme.portal_enabled = False
    world.acme.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response.url == reverse("portal:login")
