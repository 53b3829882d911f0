"""Administration > Configuration: its own right, the download, the dry-run diff page, applying."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from configtransfer.models import ConfigImport
from crm.models import CustomerLevel
from tests.crm.factories import CustomerLevelFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    CustomerLevelFactory(code="A", name="A级")
    client.force_login(UserFactory(username="cfg.it", perms=["configtransfer.manage_config"]))
    return client


def upload(document, name="company.json"):
    content = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_the_section_needs_its_own_right(client):
    client.force_login(
        UserFactory(perms=["org.manage_org", "office.manage_notices", "integrations.manage_webhooks"])
    )
    for name in ("manage:config", "manage:config_export"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("manage:config_compare")).status_code == 403
    assert "Configuration" not in client.get(reverse("manage:index")).content.decode()


def test_download_compare_and_apply(admin_client):
    # when the administrator downloads the configuration
    response = admin_client.get(reverse("manage:config_export"), {"org": "0"})
    document = json.loads(response.content)
    assert response["Content-Disposition"].startswith('attachment; filename="baton-config-')
    assert "departments" not in document["sections"] and "customer_levels" in document["sections"]
    # and compares a changed copy
    level = next(i for i in document["sections"]["customer_levels"] if i["code"] == "A")
    level["name"] = "甲级"
    page = admin_client.post(reverse("manage:config_compare"), {"file": upload(document)}).content.decode()
    # then the page says what would change, nothing changed yet
    assert "Customer levels" in page and "A级 → 甲级" in page and 'id="config-apply"' in page
    assert CustomerLevel.objects.get(code="A").name == "A级"
    # when applied
    response = admin_client.post(reverse("manage:config_apply"))
    assert response.status_code == 302
    assert CustomerLevel.objects.get(code="A").name == "甲级"
    assert ConfigImport.objects.get().file_name == "company.json"
    # the comparison is used once
    assert admin_client.post(reverse("manage:config_apply")).status_code == 302
    assert ConfigImport.objects.count() == 1


def test_a_bad_file_is_refused_with_the_place_of_the_problem(admin_client):
    response = admin_client.post(reverse("manage:config_compare"), {"file": upload(b"{broken")})
    assert response.status_code == 400 and "not JSON (line 1, column 2)" in response.content.decode()
    document = {
        "format": "baton-config",
        "version": 1,
        "sections": {"customer_levels": [{"code": "B", "name": "", "sort_order": -1, "active": "yes"}]},
    }
    page = admin_client.post(reverse("manage:config_compare"), {"file": upload(document)}).content.decode()
    assert "Customer levels, item 1 (B), sort_order: a whole number expected" in page
    assert "Customer levels, item 1 (B), active: true or false expected" in page
    assert 'id="config-apply"' not in page and not CustomerLevel.objects.filter(code="B").exists()
    assert admin_client.post(reverse("manage:config_compare"), {}).status_code == 400
