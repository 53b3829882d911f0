"""Designer pages: only process designers; a broken upload shows located findings and deploys
nothing; a good one is saved as a draft (v1, then v2 when changed); versions, heat-map,
activation."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engine.models import DefinitionVersion
from tests.factories import UserFactory

from .conftest import start_discount

pytestmark = pytest.mark.django_db

GOOD = (Path(__file__).parent / "bpmn" / "discount.bpmn").read_text()
BROKEN = GOOD.replace('decision == "approve"', 'decision == = "approve"')
CHANGED = GOOD.replace('name="Prepare the order"', 'name="Prepare and ship the order"')


@pytest.fixture
def designer(db):
    return UserFactory(username="lin.feng", perms=["processes.add_deploymentlog"])


def upload(client, text, name="discount.bpmn", **kwargs):
    return client.post(
        reverse("designer:upload"), {"files": [SimpleUploadedFile(name, text.encode())]}, **kwargs
    )


def test_only_process_designers_see_the_designer(client, team, designer):
    client.force_login(team.alice)
    assert client.get(reverse("designer:index")).status_code == 403
    assert 'href="/designer/"' not in client.get(reverse("home")).content.decode()
    client.force_login(designer)
    assert client.get(reverse("designer:index")).status_code == 200
    assert 'href="/designer/"' in client.get(reverse("home")).content.decode()


def test_a_broken_upload_shows_located_findings_and_deploys_nothing(client, designer):
    client.force_login(designer)
    response = upload(client, BROKEN.replace('id="tl_discount"', 'id="tl_broken"'))
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was deployed" in page
    assert 'data-locate="approved_flow"' in page and "discount.bpmn:20" in page
    assert response.context["marks"] == {"incident": ["approved_flow"]}
    assert not DefinitionVersion.objects.filter(key="tl_broken").exists()


def test_a_good_upload_deploys_and_a_changed_one_becomes_v2(client, designer):
    client.force_login(designer)
    first = upload(client, GOOD)
    assert (
        first.status_code == 302
        and first.url == reverse("designer:process", args=["tl_discount"]) + "?version=1"
    )
    again = upload(client, CHANGED, follow=True)
    assert "as draft version 2" in again.content.decode()
    versions = again.context["versions"]
    assert [(v.version, v.active) for v in versions][:2] == [(2, False), (1, False)]
    same = upload(client, CHANGED, follow=True)
    assert "Nothing changed: this is version 2." in same.content.decode()


def test_the_process_page_shows_where_instances_wait_and_activates_an_old_version(client, team, designer):
    start_discount(team.alice)
    start_discount(team.bob)
    client.force_login(designer)
    page = client.get(reverse("designer:process", args=["tl_discount"]))
    assert page.context["counts"] == {"review": 2}
    assert page.context["versions"][0].running == 2
    upload(client, CHANGED)
    client.post(reverse("designer:activate", args=["tl_discount", 1]))
    assert DefinitionVersion.objects.get(key="tl_discount", active=True).version == 1
    assert client.get(reverse("designer:process", args=["nope"])).status_code == 404


def test_the_modeler_saves_an_edit_as_a_new_version(client, designer):
    client.force_login(designer)
    upload(client, GOOD)
    page = client.get(reverse("designer:edit", args=["tl_discount"]))
    assert page.status_code == 200 and "baton-modeler.min.js" in page.content.decode()
    assert 'id="diagram-xml"' in page.content.decode()
    response = client.post(reverse("designer:save", args=["tl_discount", 1]), {"xml": CHANGED}, follow=True)
    assert "as draft version 2" in response.content.decode()
    assert not DefinitionVersion.objects.filter(key="tl_discount", active=True).exists()
    rejected = client.post(reverse("designer:save", args=["tl_discount", 2]), {"xml": BROKEN})
    assert rejected.status_code == 400 and 'data-locate="approved_flow"' in rejected.content.decode()


def test_the_diff_lists_added_removed_and_changed_elements(client, designer):
    client.force_login(designer)
    upload(client, GOOD)
    v2 = CHANGED.replace(
        '<bpmn:endEvent id="end_rejected" />', '<bpmn:endEvent id="end_rejected" name="Rejected" />'
    )
    v2 = v2.replace('camunda:priority="20"', 'camunda:priority="40"')
    upload(client, v2)
    response = client.get(reverse("designer:diff", args=["tl_discount"]), {"a": 1, "b": 2})
    diff = response.context["diff"]
    assert diff["added"] == [] and diff["removed"] == []
    changed = {e["id"]: e["what"] for e in diff["changed"]}
    assert set(changed) == {"fulfil", "end_rejected"}
    assert "name: “Prepare the order” → “Prepare and ship the order”" in changed["fulfil"]
    assert "priority: 20 → 40" in changed["fulfil"]
    assert "Changes from v1 to v2" in response.content.decode()


def test_a_rejected_upload_over_the_size_limit_is_not_echoed_back(client, designer):
    # given a .bpmn over the 5 MB limit
    client.force_login(designer)
    marker = "ECHO-" * 2_000
    huge = GOOD.replace("</bpmn:definitions>", f"<!-- {marker * 600} --></bpmn:definitions>")
    # when it is uploaded
    response = upload(client, huge)
    # then it is refused with the finding, without the upload's text (not even as the diagram)
    assert response.status_code == 400 and "at most 5 MB" in response.content.decode()
    assert marker not in response.content.decode() and len(response.content) < 200_000
    assert not DefinitionVersion.objects.exists()
