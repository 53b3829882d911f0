"""Human labels everywhere (issue #20, item 6): signed in as each demo person, the main pages read
in names, never in login names, group ids, process keys, form field names or bare record codes.

The whole demo is seeded (`seed_demo`), then one business object of every kind a shipped process
runs on is started; each person opens the dashboard, inbox, queue, the task and instance pages of
everything on their lists, My requests, notifications, the customer card, the order page, the
reports index; the portal customer opens the portal's pages. The check reads the visible text
(tags, scripts and attributes stripped), not URLs or attributes."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from engine.models import HumanTask
from org.models import User
from org.seed import EMPLOYEES, GROUP_DISPLAY_NAMES, WORK_GROUPS
from tests.processes_business.conftest import BINDINGS
from tests.processes_business.world import every_kind

pytestmark = pytest.mark.django_db

LOGINS = [row[0] for row in EMPLOYEES]
# group ids that are not also plain words (sales, service, staff, hr, finance...)
GROUP_IDS = [g for g in [*GROUP_DISPLAY_NAMES, *WORK_GROUPS] if "_" in g]
PROCESS_KEYS = sorted({key for key in BINDINGS.values() if "_" in key})

BAD = [
    ("a login name", re.compile(r"(?<![\w.@])(?:" + "|".join(map(re.escape, LOGINS)) + r")(?![\w@])")),
    ("a group id", re.compile(r"(?<!\w)(?:" + "|".join(GROUP_IDS) + r")(?!\w)")),
    ("a process key", re.compile(r"(?<!\w)(?:" + "|".join(PROCESS_KEYS) + r")(?!\w)")),
    ("a raw field: value", re.compile(r"(?<![\w-])[a-z]+_[a-z_]+: ")),
    ("a raw decision", re.compile(r"\bdecision: (?:approve|reject)\b")),
    ("a level change by ids", re.compile(r"\b\d+: \d+ → \d+\b")),
    ("a primary key", re.compile(r"(?<![\w&])#\d+\b")),
]
# the about line of a task must say more than a record's code
BARE_CODE_ABOUT = re.compile(r'data-field="about">\s*[A-Z]{1,4}\d{4,}\s*<')
# a process designer's own view of an instance's variables is technical on purpose
TECHNICAL = re.compile(r'<section[^>]*aria-labelledby="data-heading".*?</section>', re.S)


def visible_text(html: str) -> str:
    html = TECHNICAL.sub(" ", html)
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def demo_world(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
        return every_kind()


def staff_pages(user, world) -> list[str]:
    from crm.models import Order

    pages = [
        "/",
        reverse("tasklist:inbox"),
        reverse("tasklist:inbox") + "?view=queue",
        reverse("tasklist:inbox") + "?view=done",
        reverse("tasklist:requests"),
        reverse("tasklist:requests") + "?show=finished",
        reverse("integrations:notifications"),
        reverse("crm:customer_detail", args=[world.customer.pk]),
        reverse("crm:order_detail", args=[world.order.pk]),
        reverse("crm:order_detail", args=[Order.objects.order_by("pk").first().pk]),
        reverse("reports:index"),
    ]
    mine = list(HumanTask.objects.inbox(user)[:8]) + list(HumanTask.objects.queue(user)[:8])
    mine += list(HumanTask.objects.filter(instance__started_by=user)[:8])
    for task in mine:
        pages += [
            reverse("tasklist:task", args=[task.pk]),
            reverse("tasklist:instance", args=[task.instance_id]),
        ]
    return list(dict.fromkeys(pages))


def problems_on(client: Client, path: str) -> list[str]:
    response = client.get(path)
    if response.status_code in (403, 404):  # (not this person's page: nothing shown)
        return []
    assert response.status_code == 200, f"{path}: {response.status_code}"
    html = response.content.decode()
    text = visible_text(html)
    found = []
    for what, pattern in BAD:
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 60) : match.end() + 40]
            found.append(f"{path}: {what} “{match.group(0)}” in …{context}…")
    if BARE_CODE_ABOUT.search(html):
        found.append(f"{path}: an About line that is only a code")
    return found


def test_every_demo_person_reads_names_not_ids(demo_world):
    problems = []
    for username in LOGINS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for path in staff_pages(user, demo_world):
            problems += [f"{username} {p}" for p in problems_on(client, path)]
    assert not problems, f"{len(problems)} raw labels:\n" + "\n".join(sorted(set(problems))[:80])


def test_the_portal_customer_reads_names_not_ids(demo_world):
    from portal.models import PortalAccount

    account = PortalAccount.objects.select_related("user").first()
    assert account is not None, "the demo seeds a portal customer"
    client = Client()
    client.force_login(account.user)
    pages = [reverse(f"portal:{name}") for name in ("home", "requests", "orders", "tasks", "documents")]
    problems = [p for path in pages for p in problems_on(client, path)]
    assert not problems, "\n".join(problems)


def test_the_check_catches_what_it_is_for():
    # a crawl that cannot fail is no check: each pattern finds its kind of raw label
    samples = {
        "a login name": "Assigned to wang.fang",
        "a group id": "Offered to service_dispatchers",
        "a process key": "New task (order_approval)",
        "a raw field: value": "discount_percent: 15",
        "a raw decision": "decision: reject; comment: 太贵",
        "a level change by ids": "7: 3 → 2 (pending)",
        "a primary key": "Leave request 请假 #64",
    }
    for what, pattern in BAD:
        assert pattern.search(visible_text(f"<p>{samples[what]}</p>")), what
    # and leaves alone what people write: e-mail addresses, names, attributes
    clean = '<a href="/u/wang.fang#s2" title="order_approval">王芳 Wang Fang</a> wang.fang@example.com'
    clean += " &#8212;"  # (an entity is not a key)
    assert not any(pattern.search(visible_text(clean)) for _what, pattern in BAD)
    assert BARE_CODE_ABOUT.search('<dd data-field="about">SO000002</dd>')
