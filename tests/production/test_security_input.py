"""Hostile input: script injection in every free-text field a person types (rendered escaped in the
staff inbox, task page, customer pages and the portal), SQL injection through list filters (UI and
API), hostile BPMN (XXE, entity expansion, sandbox escapes in scripts) and hostile uploads."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from crm.models import Complaint, Customer
from engine.models import DefinitionVersion, HumanTask
from engine.sandbox import ScriptRefused
from org.models import User
from org.seed import seed_demo
from tasklist.models import TaskAttachment
from tests.crm.factories import ContactFactory, CustomerFactory
from tests.engine.test_sandbox import HOSTILE_SCRIPTS
from tests.factories import UserFactory
from tests.portal.conftest import complaint_process, world  # noqa: F401
from tests.production.test_security_http import _all_paths

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('xss1')</script>"
ATTR = "\"><img src=x onerror=alert('xss2')>"
PAYLOAD = f"Pump {SCRIPT} {ATTR}"
JS_URL = "javascript:alert('xss3')"


def assert_escaped(page: str, where: str, *, shown: bool = True) -> None:
    assert SCRIPT not in page, f"raw <script> payload on {where}"
    assert "<img src=x onerror" not in page, f"raw onerror payload on {where}"
    link = re.search(r"(href|src|action)=[\"']?\s*javascript:", page, re.I)
    assert not link, f"javascript: link on {where}"
    if shown:  # the field is on the page, as text
        assert "&lt;script&gt;alert(" in page, f"payload not shown (escaped) on {where}"


@pytest.fixture
def hostile(world, complaint_process):  # noqa: F811
    """A customer, contact and complaint whose every text field is a payload, submitted through the
    portal (starting its process), with payload comments from both sides."""
    ns = world
    ns.admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    ns.customer = CustomerFactory(
        name=f"ACME {PAYLOAD}", owner=ns.manager, short_name=PAYLOAD, address=PAYLOAD, website=JS_URL
    )
    ns.contact = ContactFactory(
        customer=ns.customer, name=f"Li {PAYLOAD}", title=PAYLOAD, department=PAYLOAD, notes=PAYLOAD
    )
    portal = Client()
    portal.force_login(ns.alice.user)
    session = portal.session
    session["_portal_account"] = ns.alice.pk
    session.save()
    response = portal.post(
        reverse("portal:complaint_new"),
        {"category": "product", "subject": PAYLOAD, "description": PAYLOAD},
    )
    assert response.status_code == 302, response.content[:500]
    ns.complaint = Complaint.objects.get(customer=ns.acme)
    ns.task = HumanTask.objects.get(status="ready")
    portal.post(
        reverse("portal:request_comment", kwargs={"kind": "complaint", "pk": ns.complaint.pk}),
        {"text": f"customer says {PAYLOAD}"},
    )
    ns.portal = portal
    staff = Client()
    staff.force_login(ns.agent)
    staff.post(reverse("tasklist:task_claim", args=[ns.task.pk]))
    staff.post(
        reverse("tasklist:task_comment", args=[ns.task.pk]), {"text": f"agent says {PAYLOAD}", "public": "on"}
    )
    ns.staff = staff
    return ns


def test_payloads_are_escaped_in_the_inbox_and_on_the_task_page(hostile):
    inbox = hostile.staff.get(reverse("tasklist:inbox"))
    assert inbox.status_code == 200
    assert_escaped(inbox.content.decode(), "inbox")
    task = hostile.staff.get(reverse("tasklist:task", args=[hostile.task.pk]))
    assert task.status_code == 200
    page = task.content.decode()
    assert_escaped(page, "task page")
    assert "agent says Pump &lt;script&gt;" in page


def test_payloads_are_escaped_on_the_customer_pages(hostile):
    staff = Client()
    staff.force_login(hostile.admin)
    for name, args, query in (
        ("crm:customer_list", [], {"q": "ACME"}),
        ("crm:customer_detail", [hostile.customer.pk], {}),
        ("crm:contact_detail", [hostile.contact.pk], {}),
        ("crm:complaint_detail", [hostile.complaint.pk], {}),
        ("crm:customer_edit", [hostile.customer.pk], {}),
        ("tasklist:instance", [hostile.task.instance_id], {}),
    ):
        response = staff.get(reverse(name, args=args), query)
        assert response.status_code == 200, (name, response.status_code)
        assert_escaped(response.content.decode(), name)
    # the search box echoes a payload query escaped too
    echoed = staff.get(reverse("crm:customer_list"), {"q": SCRIPT})
    assert_escaped(echoed.content.decode(), "customer search echo", shown=False)


def test_payloads_are_escaped_in_the_portal(hostile):
    for name, kwargs in (
        ("portal:home", {}),
        ("portal:requests", {}),
        ("portal:request", {"kind": "complaint", "pk": hostile.complaint.pk}),
    ):
        response = hostile.portal.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name
        assert_escaped(response.content.decode(), name)


def test_the_api_returns_payloads_as_data_never_as_html(hostile):
    api = APIClient()
    api.force_authenticate(hostile.admin)
    response = api.get(f"/api/v1/customers/{hostile.customer.pk}/")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["name"] == f"ACME {PAYLOAD}"  # stored as typed, escaped where rendered


# --- SQL injection through list filters ----------------------------------------------------------

SQLI = [
    "' OR '1'='1",
    "1; DROP TABLE crm_customer; --",
    "1' UNION SELECT password, username FROM org_user --",
    "%' AND pg_sleep(5) --",
    "\x00",  # PostgreSQL refuses NUL in text: must be a 400 or nothing, not a crash
    "-1",
    "99999999999999999999999",
    "__proto__",
]
# A refusal or an empty answer; a redirect (e.g. an export sent back to its list) or "method not
# allowed" for a POST-only URL also never reaches the database with the payload.
HARMLESS = (200, 302, 400, 404, 405)
UI_FILTERS = ["q", "status", "level", "owner", "pool", "group", "sort", "order", "page", "view", "due"]
UI_LISTS = ["/tasks/", "/customers/", "/customers/pool/", "/requests/", "/customers/export/"]
PORTAL_LISTS = ["/portal/requests/", "/portal/orders/", "/portal/catalogue/", "/portal/tasks/"]


def _api_list_filters(callback) -> list[str]:
    view = getattr(callback, "cls", None)
    names = {"search", "ordering", "page", "page_size", "q"}
    if view is None:
        return sorted(names)
    fields = getattr(view, "filterset_fields", None) or []
    names.update(fields if isinstance(fields, list | tuple) else list(fields))
    filterset = getattr(view, "filterset_class", None)
    if filterset is not None:
        names.update(filterset.base_filters)
    return sorted(names)


def _intact(counts: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        for table, before in counts.items():
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == before, table


@pytest.fixture
def demo_data(db):
    seed_demo(io.StringIO())
    CustomerFactory(name="Injected Co", owner=User.objects.get(username="zhang.wei"))
    return {"crm_customer": Customer.objects.count(), "org_user": User.objects.count()}


def test_sql_injection_through_ui_list_filters_is_harmless(demo_data):
    staff = Client(raise_request_exception=False)
    staff.force_login(User.objects.get(username="admin"))
    crashed = {}
    for path in UI_LISTS:
        for payload in SQLI:
            response = staff.get(path, dict.fromkeys(UI_FILTERS, payload))
            if response.status_code not in HARMLESS:
                crashed[(path, payload)] = response.status_code
    assert not crashed, crashed
    _intact(demo_data)


def test_sql_injection_through_portal_list_filters_is_harmless(world):  # noqa: F811
    customer = Client(raise_request_exception=False)
    customer.force_login(world.alice.user)
    crashed = {}
    for path in PORTAL_LISTS:
        for payload in SQLI:
            response = customer.get(path, dict.fromkeys([*UI_FILTERS, "category", "tab"], payload))
            if response.status_code not in HARMLESS:
                crashed[(path, payload)] = response.status_code
    assert not crashed, crashed


def test_sql_injection_through_api_query_parameters_is_harmless(demo_data):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(User.objects.get(username="admin"))
    lists = [
        (p, cb)
        for p, cb in _all_paths()
        if p.startswith("/api/v1/") and "/1/" not in p and not p.endswith(("/export/", "/counts/"))
    ]
    assert len(lists) > 20
    crashed, leaked = {}, []
    for path, callback in lists:
        params = _api_list_filters(callback)
        for payload in SQLI:
            response = api.get(path, dict.fromkeys(params, payload))
            if response.status_code not in HARMLESS:
                crashed[(path, payload)] = (response.status_code, response.content[:200])
            elif response.status_code == 200 and re.search(rb"argon2|pbkdf2|md5\$", response.content):
                leaked.append(path)
    assert not crashed, crashed
    assert not leaked
    _intact(demo_data)


# --- hostile BPMN ----------------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</definitions>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    b'<process id="p" name="&x;" isExecutable="true"/></definitions>'
)
XXE_PARAMETER = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>'
    b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>'
)


@pytest.fixture
def designer(db):
    seed_demo(io.StringIO())
    return User.objects.get(username="lin.feng")


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, XXE, XXE_PARAMETER], ids=["billion-laughs", "xxe-file", "xxe-parameter"]
)
def test_hostile_xml_is_refused_with_a_located_error_by_the_api_and_the_designer(designer, body):
    api = APIClient()
    api.force_authenticate(designer)
    upload = SimpleUploadedFile("evil.bpmn", body, content_type="application/xml")
    response = api.post("/api/v1/process-definitions/deploy/", {"files": [upload]}, format="multipart")
    assert response.status_code == 400
    error = response.json()
    findings = error["location"]["findings"]
    assert findings and all(f["file"] == "evil.bpmn" for f in findings if f["severity"] == "error")
    assert "root:" not in response.content.decode()
    page = Client()
    page.force_login(designer)
    upload = SimpleUploadedFile("evil.bpmn", body, content_type="application/xml")
    rejected = page.post(reverse("designer:upload"), {"files": [upload]})
    assert rejected.status_code == 400
    assert "evil.bpmn" in rejected.content.decode() and "root:" not in rejected.content.decode()
    assert not DefinitionVersion.objects.exists()


SCRIPT_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="escape" name="Escape" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="evil" />
    <bpmn:scriptTask id="evil" name="Evil script" scriptFormat="python"><bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="evil" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""
REFUSED_AT_UPLOAD = {name: script for name, (script, err) in HOSTILE_SCRIPTS.items() if err is ScriptRefused}


@pytest.mark.parametrize("name", sorted(REFUSED_AT_UPLOAD))
def test_sandbox_escapes_in_an_uploaded_diagram_never_run(designer, name):
    """The engine's own list of escape attempts (tests/engine/test_sandbox.py), sent the way an
    attacker with designer rights would: inside a script task of an uploaded diagram. Each is either
    refused at upload, located on the script element, or deployed and then refused when the step
    runs: an incident on that element, the process stopped there."""
    from xml.sax.saxutils import escape

    from engine import services as engine
    from engine.models import Incident

    body = SCRIPT_BPMN.format(script=escape(REFUSED_AT_UPLOAD[name])).encode()
    api = APIClient()
    api.force_authenticate(designer)
    upload = SimpleUploadedFile("escape.bpmn", body, content_type="application/xml")
    response = api.post("/api/v1/process-definitions/deploy/", {"files": [upload]}, format="multipart")
    if response.status_code == 400:
        findings = response.json()["location"]["findings"]
        assert any(f["element_id"] == "evil" for f in findings), findings
        return
    assert response.status_code == 201, response.content[:300]
    instance = engine.start_process("escape", started_by=designer)
    instance.refresh_from_db()
    assert instance.status != "completed"
    incident = Incident.objects.get(instance=instance)
    assert incident.element_id == "evil"


# --- hostile uploads -------------------------------------------------------------------------------

HTML = b"<html><body><script>alert('stored')</script></body></html>"


def test_an_html_file_is_never_accepted_as_a_task_attachment(hostile):
    response = hostile.staff.post(
        reverse("tasklist:attachment_upload", args=[hostile.task.pk]),
        {"file": SimpleUploadedFile("invoice.html", HTML, content_type="text/html")},
    )
    assert response.status_code == 302
    assert not TaskAttachment.objects.exists()


def test_html_disguised_as_an_allowed_type_downloads_as_an_attachment_never_inline(hostile):
    # given HTML uploaded under an allowed name, by staff on the task and by the customer
    hostile.staff.post(
        reverse("tasklist:attachment_upload", args=[hostile.task.pk]),
        {"file": SimpleUploadedFile("notes.txt", HTML, content_type="text/html")},
    )
    attachment = TaskAttachment.objects.get(name="notes.txt")
    url = reverse("tasklist:attachment_download", args=[hostile.task.pk, attachment.pk])
    response = hostile.staff.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response["Content-Type"].startswith("text/html")
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


# --- NUL characters: PostgreSQL cannot store them ---------------------------------------------------


def test_nul_characters_are_refused_with_a_400_and_change_nothing(hostile):
    from engine.models import InstanceEvent

    comments = InstanceEvent.objects.filter(kind=InstanceEvent.Kind.COMMENT).count()
    hostile.staff.raise_request_exception = False
    hostile.portal.raise_request_exception = False
    staff = hostile.staff.post(reverse("tasklist:task_comment", args=[hostile.task.pk]), {"text": "a\x00b"})
    portal = hostile.portal.post(
        reverse("portal:request_comment", kwargs={"kind": "complaint", "pk": hostile.complaint.pk}),
        {"text": "a\x00b"},
    )
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(hostile.agent)
    json_body = api.post(f"/api/v1/tasks/{hostile.task.pk}/comment/", {"text": "a\x00b"}, format="json")
    search = hostile.staff.get(reverse("crm:pool"), {"q": "\x00"})
    assert [staff.status_code, portal.status_code, json_body.status_code, search.status_code] == [400] * 4
    assert "NUL" in staff.content.decode() and json_body.json()["code"] == "invalid"
    assert InstanceEvent.objects.filter(kind=InstanceEvent.Kind.COMMENT).count() == comments
