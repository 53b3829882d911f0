"""Configuration as data: export, a dry-run diff in words, one-transaction import, located errors."""

import copy
import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from configtransfer.models import ConfigImport
from configtransfer.services import config_export, config_import, config_read, plan_lines
from core.errors import NotPermitted, ValidationFailed
from crm.models import ChoiceList, ChoiceOption, CustomerLevel, SlaPolicy
from office.models import LeaveType
from org.models import Department, GroupProfile
from org.permissions import RowScope
from tests.crm.factories import ChoiceOptionFactory, CustomerLevelFactory
from tests.factories import DepartmentFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db):
    CustomerLevelFactory(code="A", name="A级", sort_order=1)
    ChoiceOptionFactory(choice_list=ChoiceList.REGION, code="east", label="华东")
    ChoiceOptionFactory(choice_list=ChoiceList.COMPLAINT_CATEGORY, code="quality", label="质量")
    LeaveType.objects.create(code="annual", name="年假", annual_days=5)
    LeaveType.objects.create(code="sick", name="病假", annual_days=10)
    GroupFactory(name="t_sales", perms=["crm.view_customer"], profile__row_scope=RowScope.OWN)
    DepartmentFactory(code="HQ", name="总部")
    return UserFactory(username="cfg.admin", perms=["configtransfer.manage_config"])


def section(document, key):
    return document["sections"][key]


def test_exported_configuration_imports_as_no_change(company):
    document = json.loads(json.dumps(config_export(actor=company)))
    plan = config_import(actor=company, document=document)
    assert not plan.problems and plan.changes == 0
    assert {s.key for s, _d in plan.diffs} >= {
        "choice_lists",
        "customer_levels",
        "leave_types",
        "groups",
        "departments",
    }


def test_the_dry_run_says_what_changes_and_writes_nothing_then_apply_does_it_all(company):
    # given a file from another branch: a new region, level A renamed, sick leave gone, an SLA
    # policy for a category the same file adds, a sub-department listed before its parent,
    # and the sales role widened to its department with one more permission
    document = json.loads(json.dumps(config_export(actor=company)))
    section(document, "choice_lists").append(
        {"list": "region", "code": "west", "label": "西南", "sort_order": 2, "active": True}
    )
    section(document, "choice_lists").append(
        {"list": "complaint_category", "code": "t_delivery", "label": "物流", "sort_order": 3, "active": True}
    )
    section(document, "customer_levels")[0]["name"] = "A级（重点）"
    document["sections"]["leave_types"] = [i for i in section(document, "leave_types") if i["code"] != "sick"]
    section(document, "sla_policies").append(
        {
            "record": "complaint",
            "severity": "high",
            "category": "t_delivery",
            "customer_level": "A",
            "response_time": "PT4H",
            "resolution_time": "P2D",
            "priority": 70,
            "active": True,
        }
    )
    section(document, "departments").extend(
        [
            {"code": "EAST-1", "name": "华东一组", "parent": "EAST", "sort_order": 0},
            {"code": "EAST", "name": "华东大区", "parent": "HQ", "sort_order": 0},
        ]
    )
    sales = next(g for g in section(document, "groups") if g["name"] == "t_sales")
    sales["row_scope"] = "department"
    sales["permissions"].append("crm.view_opportunity")
    # when an administrator compares it
    plan = config_import(actor=company, document=copy.deepcopy(document))
    # then the diff is in words, per section, and nothing was written
    lines = "\n".join(plan_lines(plan))
    assert not plan.problems
    assert "Choice lists: 2 added, 0 changed, 0 removed" in lines and "+ region · west" in lines
    assert "~ A: name: A级 → A级（重点）" in lines
    assert "- sick (deactivated)" in lines
    assert "~ t_sales:" in lines and "row_scope: own → department" in lines
    assert not ChoiceOption.objects.filter(code="west").exists()
    assert (
        LeaveType.objects.get(code="sick").active
        and not SlaPolicy.objects.filter(category__code="t_delivery").exists()
    )
    # when it is applied
    plan = config_import(actor=company, document=document, apply=True, file_name="branch.json")
    # then every change is there
    assert plan.applied and not plan.problems
    assert ChoiceOption.objects.filter(choice_list="region", code="west", label="西南").exists()
    assert CustomerLevel.objects.get(code="A").name == "A级（重点）"
    assert not LeaveType.objects.get(code="sick").active
    policy = SlaPolicy.objects.get(category__code="t_delivery")
    assert (policy.category.code, policy.customer_level.code, policy.resolution_time) == (
        "t_delivery",
        "A",
        datetime.timedelta(days=2),
    )
    assert Department.objects.get(code="EAST-1").parent.code == "EAST"
    profile = GroupProfile.objects.get(group__name="t_sales")
    assert profile.row_scope == "department"
    assert Group.objects.get(name="t_sales").permissions.filter(codename="view_opportunity").exists()
    record = ConfigImport.objects.get()
    assert record.summary["leave_types"] == {"added": 0, "changed": 0, "removed": 1}
    assert AuditEvent.objects.filter(object_type="configtransfer.configimport", action="create").exists()
    # and importing the same file again changes nothing
    assert config_import(actor=company, document=document).changes == 0


def test_bad_items_are_located_and_nothing_is_written(company):
    document = json.loads(json.dumps(config_export(actor=company)))
    section(document, "choice_lists").append(
        {"list": "region", "code": "north", "label": "华北", "sort_order": 1, "active": True}
    )
    section(document, "customer_levels").append(
        {"code": "B", "name": "B级", "sort_order": "second", "active": True}
    )
    section(document, "sla_policies").append(
        {
            "record": "complaint",
            "severity": "urgent",
            "category": "nope",
            "customer_level": None,
            "response_time": "soon",
            "resolution_time": "P1D",
            "priority": 50,
            "active": True,
        }
    )
    section(document, "groups").append({"name": "t_x", "permissions": ["crm.fly_customer"]})
    document["sections"]["gadgets"] = []
    plan = config_import(actor=company, document=document, apply=True)
    problems = [str(p) for p in plan.problems]
    assert not plan.applied
    assert "gadgets: unknown section" in problems[0]
    assert "Customer levels, item 2 (B), sort_order: a whole number expected" in problems
    assert any(
        p.startswith("SLA policies, item ") and "(complaint · urgent · nope · —), severity:" in p
        for p in problems
    )
    assert any("category: no choice option “nope”" in p for p in problems)
    assert any("response_time: a duration expected" in p for p in problems)
    assert any(
        "Groups and roles, item 2 (t_x), permissions: unknown permissions: crm.fly_customer" in p
        for p in problems
    )
    # the valid new region of the same file was not written either
    assert not ChoiceOption.objects.filter(code="north").exists()
    assert not ConfigImport.objects.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{oops", "not JSON (line 1, column 2)"),
        (b'{"format": "other"}', "not a Baton configuration file"),
        (b'{"format": "baton-config", "version": 9, "sections": {}}', "version 9"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused_in_words(content, words):
    with pytest.raises(ValidationFailed) as caught:
        config_read(content)
    assert words in str(caught.value.message)


def test_the_organisation_can_be_left_out(company):
    document = config_export(actor=company, include_org=False)
    assert "departments" not in document["sections"] and "positions" not in document["sections"]
    full = json.loads(json.dumps(config_export(actor=company)))
    section(full, "departments").append({"code": "X", "name": "X", "parent": None, "sort_order": 0})
    plan = config_import(actor=company, document=full, apply=True, include_org=False)
    assert plan.applied is False or not Department.objects.filter(code="X").exists()
    assert not Department.objects.filter(code="X").exists()


def test_only_the_configuration_right_exports_or_imports(company):
    other = UserFactory(username="cfg.other", perms=["org.manage_org"])
    with pytest.raises(NotPermitted):
        config_export(actor=other)
    with pytest.raises(NotPermitted):
        config_import(actor=other, document={"sections": {}})


def test_the_command_exports_and_imports_with_a_dry_run(company, tmp_path, capsys):
    path = tmp_path / "company.json"
    call_command("config_transfer", "export", str(path), "--as", "cfg.admin")
    document = json.loads(path.read_text(encoding="utf-8"))
    section(document, "customer_levels")[0]["name"] = "甲级"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command("config_transfer", "import", str(path), "--as", "cfg.admin")
    out = capsys.readouterr().out
    assert "~ A: name: A级 → 甲级" in out and "Dry run" in out
    assert CustomerLevel.objects.get(code="A").name == "A级"
    call_command("config_transfer", "import", str(path), "--as", "cfg.admin", "--apply")
    assert CustomerLevel.objects.get(code="A").name == "甲级"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError, match="not a Baton configuration file"):
        call_command("config_transfer", "import", str(path), "--as", "cfg.admin")


def test_a_broken_process_file_is_refused_with_the_designers_message(company):
    admin = UserFactory(username="cfg.root", is_superuser=True, is_staff=True)
    document = json.loads(json.dumps(config_export(actor=admin)))
    document["sections"]["process_definitions"] = [
        {"key": "broken", "files": {"broken.bpmn": "<definitions"}}
    ]
    plan = config_import(actor=admin, document=document, apply=True)
    assert not plan.applied
    assert [str(p).split(":")[0] for p in plan.problems] == ["Process definitions"]
    # a configuration manager who is no process designer may not deploy
    nondesigner = config_import(actor=company, document=document, apply=True)
    assert "process designers" in str(nondesigner.problems[0])


def test_a_second_sales_process_with_its_stages_pool_rules_and_calendar_travel_in_the_file(company):
    from crm.models import CalendarDay, CustomerPool, SalesProcess, SalesStage, WorkingHours

    # given a branch with a second sales process, its stages, pool rules and a holiday
    process = SalesProcess.objects.create(name="大客户销售", sort_order=5)
    SalesStage.objects.create(process=process, key="ka_visit", name="拜访", position=1, probability=20)
    SalesStage.objects.create(
        process=process, key="ka_tender", name="投标", position=2, probability=60,
        approval="amount", approval_threshold="500000.00", required_fields=["amount"],
    )  # fmt: skip
    CustomerPool.objects.create(
        code="KA", name="大客户公海", days_without_follow_up=45, warn_days_before_recycle=5
    )
    WorkingHours.objects.create(weekday=0, start=datetime.time(9), end=datetime.time(18))
    CalendarDay.objects.create(day=datetime.date(2027, 1, 1), working=False, name="元旦")
    document = json.loads(json.dumps(config_export(actor=company)))
    # when they are imported into an installation without them
    SalesStage.objects.filter(process=process).delete()
    process.delete()
    CustomerPool.objects.filter(code="KA").delete()
    WorkingHours.objects.all().delete()
    CalendarDay.objects.all().delete()
    plan = config_import(actor=company, document=document)
    assert not plan.problems and not SalesProcess.objects.filter(name="大客户销售").exists()
    plan = config_import(actor=company, document=document, apply=True)
    # then the process comes back with its stages in order and their rules, and the rest too
    assert not plan.problems
    stages = SalesStage.objects.filter(process__name="大客户销售").order_by("position")
    assert [(s.key, s.name, s.probability) for s in stages] == [
        ("ka_visit", "拜访", 20),
        ("ka_tender", "投标", 60),
    ]
    assert stages[1].approval_threshold == 500000 and stages[1].required_fields == ["amount"]
    assert CustomerPool.objects.get(code="KA").warn_days_before_recycle == 5
    assert WorkingHours.objects.get(weekday=0).end == datetime.time(18)
    assert CalendarDay.objects.get(day=datetime.date(2027, 1, 1)).name == "元旦"
