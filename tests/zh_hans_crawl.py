"""Walk the staff and portal pages of the demo company in zh-Hans and find English text that our own
message catalogues hold (an msgid shown verbatim means it was left untranslated, or rendered
outside the translation machinery).

Used by tests/core/test_zh_hans_complete.py; runnable against a seeded database too:
`DATABASE_URL=sqlite:////tmp/x.sqlite3 .venv/bin/python -m tests.zh_hans_crawl`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings


def _root() -> Path:
    return Path(settings.BASE_DIR)


# Proper nouns and product names that stay English in Chinese text too.
ALLOWED = {
    "Baton",
    "Simplified Chinese",  # the language switch names each language in its own words
    "Chart.js",
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{\{.*?\}\}|\{\w*\}")
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _po_files() -> list[Path]:
    skip = {".venv", "node_modules", "var", ".git"}
    return [p for p in _root().rglob("zh_Hans/LC_MESSAGES/django.po") if not skip & set(p.parts)]


def _msgids(path: Path) -> Iterator[str]:
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current = [line[6:]]
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            if current is not None:
                yield "".join(json.loads(part) for part in current)
            current = None
    if current is not None:
        yield "".join(json.loads(part) for part in current)


def english_phrases() -> set[str]:
    """The literal English fragments (two words or more) of every msgid in our catalogues."""
    phrases = set()
    for path in _po_files():
        for msgid in _msgids(path):
            if not msgid or CJK.search(msgid):
                continue
            for fragment in PLACEHOLDER.split(msgid):
                fragment = " ".join(fragment.split()).strip(" :,.;—-·()“”\"'")
                if len(WORD.findall(fragment)) >= 2 and fragment not in ALLOWED and "<" not in fragment:
                    phrases.add(fragment)
    return phrases


def bilingual_data() -> set[str]:
    """Names the process designer wrote in both languages (task, lane and form titles from the
    BPMN and form files): data shown as written, not our messages."""
    from engine.models import DefinitionVersion, HumanTask

    stored: set[str] = set()
    found = set(HumanTask.objects.values_list("name", flat=True).distinct())
    found |= set(HumanTask.objects.values_list("lane", flat=True).distinct())
    found |= set(DefinitionVersion.objects.values_list("name", flat=True).distinct())
    # the org chart's names as HR typed them ("Process designer 流程设计师"), shown on its pages
    from org.models import Position

    found |= set(Position.objects.values_list("name", flat=True))

    def titles(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"title", "description"} and isinstance(value, str):
                    found.add(value)
                titles(value)
        elif isinstance(node, list):
            for item in node:
                titles(item)

    for path in (_root() / "bpmn").glob("*.json"):
        titles(json.loads(path.read_text(encoding="utf-8")))
    # forms a process builds from data (the opportunity stage's, from its stage row), as stored
    for schema in HumanTask.objects.values_list("form_schema", flat=True):
        titles(schema)
    for path in (_root() / "bpmn").glob("*.bpmn"):
        found |= {html.unescape(n) for n in re.findall(r'name="([^"]+)"', path.read_text(encoding="utf-8"))}
        found |= {html.unescape(n) for n in re.findall(r'value="([^"]+)"', path.read_text(encoding="utf-8"))}
    # Notifications are rendered once, when sent, in the recipient's language then (the demo's users
    # had none yet, so English): stored text, like the rest of the data.
    from integrations.models import Notification

    for title, body in Notification.objects.values_list("title", "body"):
        stored.update({title, body, *body.splitlines()})
    found |= stored
    return {f for f in found if f and (CJK.search(f) or f in stored)}


ATTRS = re.compile(r'\s(?:placeholder|title|aria-label|alt)="([^"]*)"')


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|template|textarea)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    attributes = " | ".join(ATTRS.findall(page))
    text = re.sub(r"<[^>]+>", " | ", page)
    return " ".join(html.unescape(text + " | " + attributes).split())


def untranslated(text: str, phrases: set[str], data: set[str]) -> list[str]:
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " | ")
    return sorted(p for p in phrases if re.search(r"(?<![A-Za-z])" + re.escape(p) + r"(?![A-Za-z])", text))


def add_requests() -> None:
    """Requests of the kinds the demo seed does not start, so each has a task page to check: leave,
    a vehicle, a complaint and a service request (all from zhang.wei), and one of each decided."""
    import datetime

    from django.utils import timezone

    from crm.models import Customer
    from crm.services.service import complaint_submit, service_request_submit
    from office.models import LeaveType
    from office.services import leave_request_submit, vehicle_request_submit
    from org.models import User

    user = User.objects.get(username="zhang.wei")
    customer = Customer.objects.filter(owner=user).order_by("pk").first()
    day = timezone.localdate() + datetime.timedelta(days=40)
    leave_request_submit(
        actor=user, leave_type=LeaveType.objects.get(code="annual"), starts_on=day, ends_on=day, reason="家事"
    )
    start = timezone.now() + datetime.timedelta(days=3)
    vehicle_request_submit(
        actor=user, starts_at=start, ends_at=start + datetime.timedelta(hours=4), destination="浦东机场"
    )
    complaint_submit(actor=user, customer=customer, subject="水泵漏水", severity="high")
    service_request_submit(actor=user, customer=customer, subject="安装新泵", kind="install")


def _hr_pages() -> list[tuple[str, str]]:
    """Employee files (HR, and a manager's view of a report's file)."""
    from org.models import Employee

    pages = [("sun.hong", "/hr/employees/"), ("wang.fang", "/hr/employees/")]
    seller = Employee.objects.filter(user__username="zhang.wei").first()
    if seller is not None:
        pages += [("sun.hong", f"/hr/employees/{seller.pk}/"), ("wang.fang", f"/hr/employees/{seller.pk}/")]
    return pages


def _marketing_pages() -> list[tuple[str, str]]:
    """Campaigns, expenses, favourite groups, competitors and partners (crm.marketing)."""
    from crm.models import Campaign, Competitor, Expense, FavouriteList

    pages = [
        ("wang.fang", "/campaigns/"),
        ("zhang.wei", "/campaigns/tasks/"),
        ("zhang.wei", "/expenses/"),
        ("zhang.wei", "/expenses/new/"),
        ("zhang.wei", "/favourites/"),
        ("zhang.wei", "/competitors/"),
    ]
    campaign = Campaign.objects.filter(owner__username="wang.fang").order_by("-pk").first()
    if campaign is not None:
        pages += [
            ("wang.fang", f"/campaigns/{campaign.pk}/"),
            ("wang.fang", f"/campaigns/{campaign.pk}/mailing/"),
        ]
    for model, user, flt in (
        (Expense, "zhang.wei", {"owner__username": "zhang.wei"}),
        (FavouriteList, "zhang.wei", {"owner__username": "zhang.wei"}),
        (Competitor, "zhang.wei", {"kind": "partner"}),
    ):
        obj = model.objects.filter(**flt).order_by("pk").first()
        if obj is not None:
            prefix = {Expense: "expenses", FavouriteList: "favourites", Competitor: "competitors"}[model]
            pages.append((user, f"/{prefix}/{obj.pk}/"))
    return pages


def _messages_and_work_log_pages() -> list[tuple[str, str]]:
    from django.urls import reverse

    from messaging.models import Conversation
    from worklogs.models import WorkReport

    pages = [
        ("wang.fang", reverse(name))
        for name in ("chat:list", "chat:new", "worklogs:mine", "worklogs:write", "worklogs:team")
    ]
    pages.append(("wang.fang", reverse("worklogs:write") + "?period=week"))
    pages += [
        ("wang.fang", reverse("chat:conversation", args=[c.pk])) for c in Conversation.objects.all()[:2]
    ]
    pages += [("wang.fang", reverse("worklogs:report", args=[r.pk])) for r in WorkReport.objects.all()[:1]]
    return pages


def demo_pages() -> list[tuple[str, str]]:
    """(username, url) of every page to check: each area's main pages, a task page of each kind of
    task, the request forms, reports, designer and portal, each as a user who may see it."""
    from django.urls import reverse

    from crm.models import Complaint, Customer, Opportunity, Order, ServiceRequest
    from engine.models import HumanTask, HumanTaskCandidate, ProcessInstance
    from org.models import User
    from portal.models import PortalAccount
    from tasklist.applications import KINDS

    pages: list[tuple[str, str]] = []
    for user in ("zhang.wei", "wang.fang", "huang.qiang"):
        pages += [
            (user, "/"),
            (user, "/tasks/"),
            (user, "/tasks/?view=queue"),
            (user, "/tasks/?view=done"),
            (user, "/requests/"),
            (user, "/requests/?show=finished"),
            (user, "/notifications/"),
            (user, "/notifications/plans/"),
        ]
    # (the HR personnel changes are HR's: sun.hong, who may also adjust salaries)
    pages += [
        ("sun.hong" if key.startswith("hr_") else "zhang.wei", reverse("tasklist:request_new", args=[key]))
        for key in KINDS
    ]
    pages += _messages_and_work_log_pages()
    pages += _hr_pages()
    pages += [
        ("zhang.wei", "/customers/"),
        ("zhang.wei", "/customers/?group=level"),
        ("zhang.wei", "/customers/pool/"),
        ("zhang.wei", "/customers/new/"),
        ("zhang.wei", "/customers/import/"),
        ("admin", "/customers/duplicates/"),
        ("lin.feng", "/designer/"),
        ("admin", "/reports/"),
    ]
    pages += _marketing_pages()
    customer = Customer.objects.filter(owner__username="zhang.wei").order_by("pk").first()
    if customer is not None:
        pages += [("zhang.wei", f"/customers/{customer.pk}/{tail}") for tail in ("", "edit/")]
    for model, name, user in (
        (Opportunity, "opportunity_detail", "zhang.wei"),
        (Order, "order_detail", "admin"),
        (Complaint, "complaint_detail", "admin"),
        (ServiceRequest, "service_request_detail", "admin"),
    ):
        obj = model.objects.order_by("pk").first()
        if obj is not None:
            pages.append((user, reverse(f"crm:{name}", args=[obj.pk])))
    for key in ProcessInstance.objects.values_list("key", flat=True).distinct():
        pages.append(("lin.feng", reverse("designer:process", args=[key])))
        instance = ProcessInstance.objects.filter(key=key).order_by("-pk").first()
        pages.append(("admin", reverse("tasklist:instance", args=[instance.pk])))
    from engine.models import DefinitionVersion

    # the designer's form editor, test run and decision tables, on the order process
    order_process = DefinitionVersion.objects.filter(key="order_approval", active=True).first()
    if order_process is not None:
        args = ["order_approval", order_process.version]
        pages += [
            ("lin.feng", reverse("designer:form", args=[*args, "manager_approval"])),
            ("lin.feng", reverse("designer:test_run", args=args)),
            ("lin.feng", reverse("designer:decisions", args=args)),
        ]
    from reports.catalogue import REPORTS

    for slug in REPORTS:
        pages.append(("admin", reverse("reports:report", args=[slug])))
    # the administration area: HR (organisation, notices) and IT (webhooks); everybody's notices
    from django.contrib.auth.models import Group

    from integrations.models import WebhookSubscription

    pages += [
        ("sun.hong", f"/manage/{tail}")
        for tail in ("", "org/departments/", "org/positions/", "org/employees/")
    ]
    pages += [("sun.hong", f"/manage/{tail}") for tail in ("org/groups/", "org/users/", "org/users/invite/")]
    pages += [("sun.hong", f"/manage/{tail}") for tail in ("org/audit/", "notices/", "notices/new/")]
    sales = Group.objects.filter(name="sales").first()
    if sales is not None:
        pages += [("sun.hong", f"/manage/org/groups/{sales.pk}/{tail}") for tail in ("", "permissions/")]
    seller = User.objects.filter(username="zhang.wei").first()
    if seller is not None:
        pages += [
            ("sun.hong", f"/manage/org/access/?user={seller.pk}"),
            ("sun.hong", f"/manage/org/users/{seller.pk}/"),
        ]
    from office.selectors import notices_addressed_to

    # (one written for a department: the company-wide policy of the seed quotes English terms)
    notice = notices_addressed_to(user=seller).filter(departments__isnull=False).first() if seller else None
    if notice is not None:
        pages += [("sun.hong", f"/manage/notices/{notice.pk}/"), ("zhang.wei", f"/notices/{notice.pk}/")]
    pages += [("zhang.wei", "/notices/"), ("lin.feng", "/manage/integrations/webhooks/")]
    pages += [("lin.feng", "/manage/integrations/tokens/"), ("lin.feng", "/manage/integrations/audit/")]
    # the report builder, saved reports and dashboards (reports/seed.py), configuration transfer
    from reports.models import Dashboard, SavedReport

    built = "/reports/builder/?entity=opportunity&f0_field=created&f0_op=last_days&f0_value=30"
    pages += [("wang.fang", built + "&g0_field=stage&m0_fn=sum&m0_field=amount&chart=bar")]
    pages += [("wang.fang", "/reports/saved/"), ("wang.fang", "/reports/dashboards/")]
    pages += [("wang.fang", "/reports/dashboards/new/"), ("lin.feng", "/manage/config/")]
    pages += [
        (r.owner.username, f"/reports/saved/{r.pk}/") for r in SavedReport.objects.select_related("owner")[:3]
    ]
    pages += [("wang.fang", f"/reports/dashboards/{d.pk}/") for d in Dashboard.objects.all()[:1]]
    hook = WebhookSubscription.objects.order_by("pk").first()
    if hook is not None:
        pages += [("lin.feng", f"/manage/integrations/webhooks/{hook.pk}/{tail}") for tail in ("", "edit/")]
    # notification channels: connectors, message templates, the notification log, my settings
    pages += [
        ("lin.feng", f"/manage/integrations/{tail}")
        for tail in (
            "connectors/",
            "connectors/wecom/",
            "connectors/mail/",
            "templates/",
            "notifications/",
            "accounts/",
        )
    ]
    pages += [
        ("lin.feng", "/manage/integrations/templates/task_assigned/zh-hans/"),
        ("zhang.wei", "/account/notifications/"),
    ]
    # Administration > Sales operations (钱宇 qian.yu): processes, a stage, pools, levels
    from crm.models import CustomerLevel, CustomerPool, SalesProcess

    pages += [
        ("qian.yu", f"/manage/sales/{tail}")
        for tail in ("processes/", "pools/", "levels/", "levels/suggestions/", "audit/")
    ]
    process = SalesProcess.objects.order_by("pk").first()
    if process is not None:
        pages.append(("qian.yu", f"/manage/sales/processes/{process.pk}/"))
        stage = process.stages.order_by("position").first()
        if stage is not None:
            pages.append(("qian.yu", f"/manage/sales/stages/{stage.pk}/"))
    pages += [
        ("qian.yu", f"/manage/sales/pools/{pool.pk}/") for pool in CustomerPool.objects.order_by("pk")[:1]
    ]
    pages += [
        ("qian.yu", f"/manage/sales/levels/{level.pk}/") for level in CustomerLevel.objects.order_by("pk")[:1]
    ]
    # Administration > Data model (IT) and > Service settings (the service manager)
    from crm.models import CustomFieldDefinition, SlaPolicy

    pages += [
        ("lin.feng", f"/manage/data/{tail}")
        for tail in (
            "",
            "?entity=complaint",
            "fields/new/",
            "choices/",
            "choices/industry/",
            "layouts/",
            "audit/",
        )
    ]
    field = CustomFieldDefinition.objects.order_by("pk").first()
    if field is not None:
        pages.append(("lin.feng", f"/manage/data/fields/{field.pk}/"))
    pages += [("huang.qiang", f"/manage/service/{tail}") for tail in ("", "sla/new/", "calendar/", "audit/")]
    policy = SlaPolicy.objects.order_by("pk").first()
    if policy is not None:
        pages.append(("huang.qiang", f"/manage/service/sla/{policy.pk}/"))
    # the warehouse clerk's screens (catalogue and stock)
    from crm.models import Product

    product = Product.objects.filter(low_stock=True).order_by("pk").first()
    pages += [
        ("ma.chao", url)
        for url in ("/products/", "/stock/?low=true", "/stock-moves/", "/stock-moves/new/", "/warehouses/")
    ]
    if product is not None:
        pages.append(("ma.chao", f"/products/{product.pk}/"))
    # a task page of each kind of step, opened by someone who may work on it
    seen = set()
    for task in HumanTask.objects.filter(status="ready").select_related("assignee").order_by("pk"):
        kind = (task.instance_id and task.instance.key, task.element_id)
        if kind in seen:
            continue
        worker = task.assignee
        if worker is None:
            groups = HumanTaskCandidate.objects.filter(task=task, group__isnull=False)
            group = groups.values_list("group", flat=True).first()
            members = User.objects.filter(groups=group, is_active=True).order_by("pk")
            worker = members.first() if group else None
        if worker is None or not hasattr(worker, "employee"):
            continue
        seen.add(kind)
        pages.append((worker.username, reverse("tasklist:task", args=[task.pk])))
    account = PortalAccount.objects.select_related("user").order_by("pk").first()
    if account is not None:
        portal_user = account.user.username
        pages += [
            (portal_user, reverse("portal:" + name))
            for name in (
                "home",
                "requests",
                "complaint_new",
                "service_new",
                "catalogue",
                "cart",
                "orders",
                "contracts",
                "payments",
                "documents",
                "tasks",
                "team",
            )
        ]
        for obj, kind in (
            (Complaint.objects.filter(customer=account.customer).order_by("pk").first(), "complaint"),
            (ServiceRequest.objects.filter(customer=account.customer).order_by("pk").first(), "service"),
        ):
            if obj is not None:
                pages.append((portal_user, reverse("portal:request", kwargs={"kind": kind, "pk": obj.pk})))
        order = Order.objects.filter(customer=account.customer).order_by("pk").first()
        if order is not None:
            pages.append((portal_user, reverse("portal:order", args=[order.pk])))
        for task in HumanTask.objects.filter(status="ready", assignee=account.user)[:3]:
            pages.append((portal_user, reverse("portal:task", args=[task.pk])))
    return pages


def crawl(client) -> dict[str, list[str]]:
    """{"user url": [English phrases found]} for every page; a page that does not answer 200 is
    reported as such."""
    from org.models import User

    phrases, data = english_phrases(), bilingual_data()
    found: dict[str, list[str]] = {}
    current = None
    for username, url in demo_pages():
        if username != current:
            User.objects.filter(username=username).update(language="zh-hans")
            client.force_login(User.objects.get(username=username))
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
            current = username
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200:
            found[f"{username} {url}"] = [f"HTTP {response.status_code}"]
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        left = untranslated(visible_text(response.content.decode()), phrases, data)
        if left:
            found[f"{username} {url}"] = left
    return found


if __name__ == "__main__":  # pragma: no cover
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client

    result = crawl(Client())
    for page, phrases in result.items():
        print(page)
        for phrase in phrases:
            print("   ", phrase)
