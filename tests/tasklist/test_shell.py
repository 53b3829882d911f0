"""The web shell around every staff page: language per user, error pages, domain errors as 4xx."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_switching_language_stores_it_on_the_signed_in_user(client):
    # given a signed-in user with no language of their own
    user = UserFactory(language="")
    client.force_login(user)
    # when they pick Simplified Chinese
    response = client.post(reverse("tasklist:language"), {"language": "zh-hans", "next": "/"})
    # then it is remembered on the user and the next page is Chinese
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get(reverse("home")).content.decode()


def test_the_users_language_wins_over_the_browsers(client):
    client.force_login(UserFactory(language="zh-hans"))
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "欢迎" in page


def test_without_a_language_of_their_own_the_browser_decides(client):
    client.force_login(UserFactory(language=""))
    assert (
        '<html lang="zh-hans">' in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    )
    assert '<html lang="en">' in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_unknown_language_changes_nothing(client):
    user = UserFactory(language="en")
    client.force_login(user)
    client.post(reverse("tasklist:language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_an_anonymous_visitor_can_switch_the_login_page_language(client):
    response = client.post(reverse("tasklist:language"), {"language": "zh-hans", "next": reverse("login")})
    assert response.status_code == 302
    assert "登录 Baton" in client.get(reverse("login")).content.decode()


def test_an_unknown_page_gets_the_products_404_page(client):
    client.force_login(UserFactory())
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@override_settings(ROOT_URLCONF="tests.tasklist.urls_errors")
def test_a_domain_error_escaping_a_view_becomes_its_4xx_page(client):
    client.force_login(UserFactory())
    response = client.get("/conflict/")
    assert response.status_code == 409
    assert "Somebody was faster" in response.content.decode()
    fragment = client.get("/conflict/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 409
    assert fragment.content.decode().strip().startswith('<p class="error"')


@override_settings(ROOT_URLCONF="tests.tasklist.urls_errors")
def test_a_server_error_shows_the_500_page_without_details(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "RuntimeError" not in response.content.decode()


@override_settings(ROOT_URLCONF="tests.tasklist.urls_errors")
def test_a_value_beyond_its_column_that_no_check_caught_is_a_400_page_not_a_500(client):
    client.force_login(UserFactory())
    response = client.get("/overflow/")
    assert response.status_code == 400
    assert "out of range" in response.content.decode()
