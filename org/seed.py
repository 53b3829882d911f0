"""The demo company: departments, positions, employees, nested groups and roles.

Permissions are granted by pattern (`crm.*_customer`), so apps that land later get their
permissions on the next `seed_demo` run without touching this file's structure.
"""

from __future__ import annotations

import fnmatch
import os

from django.contrib.auth.models import Group, Permission

from .models import Department, Employee, GroupProfile, Position, User
from .permissions import RowScope

DEMO_PASSWORD = os.environ.get("BATON_DEMO_PASSWORD", "baton-demo")

DEPARTMENTS = [
    # code, name, parent code
    ("HQ", "Headquarters 总部", None),
    ("SALES", "Sales 销售部", "HQ"),
    ("SALES-E", "Sales East 华东销售组", "SALES"),
    ("SALES-N", "Sales North 华北销售组", "SALES"),
    ("SERVICE", "Customer Service 客服部", "HQ"),
    ("ADMIN", "Administration & HR 行政人事部", "HQ"),
    ("RND", "Product development 产品研发部", "HQ"),
]

POSITIONS = [
    ("CEO", "General manager 总经理"),
    ("SALES-DIR", "Sales director 销售总监"),
    ("SALES-MGR", "Sales manager 销售经理"),
    ("SALES-REP", "Salesperson 销售代表"),
    ("SVC-MGR", "Service manager 客服经理"),
    ("SVC-REP", "Service representative 客服专员"),
    ("TECH", "Technician 技术员"),
    ("HR-MGR", "HR manager 人事经理"),
    ("HR", "HR specialist 人事专员"),
    ("FLEET", "Vehicle administrator 车辆管理员"),
    ("BPM", "Process designer 流程设计师"),
    ("PD-ENG", "Product engineer 产品工程师"),
    ("SALES-OPS", "Sales operations 销售运营"),
]

# Work queues the order process routes to (its lanes "finance" and "warehouse"), with their members:
# made with the org chart, so the CRM demo's orders already find them.
WORK_GROUPS = {"finance": ["sun.hong"], "warehouse": ["ma.chao"]}

# username, name, employee code, department, position, manager username, groups, heads dept
EMPLOYEES = [
    ("zheng.hua", "郑华 Zheng Hua", "E001", "HQ", "CEO", None, ["management"], "HQ"),
    (
        "li.ming",
        "李明 Li Ming",
        "E002",
        "SALES",
        "SALES-DIR",
        "zheng.hua",
        ["sales_directors", "sales_managers"],
        "SALES",
    ),
    (
        "wang.fang",
        "王芳 Wang Fang",
        "E003",
        "SALES-E",
        "SALES-MGR",
        "li.ming",
        ["sales_managers", "sales_east"],
        "SALES-E",
    ),
    ("zhang.wei", "张伟 Zhang Wei", "E004", "SALES-E", "SALES-REP", "wang.fang", ["sales_east"], None),
    ("liu.yang", "刘洋 Liu Yang", "E005", "SALES-E", "SALES-REP", "wang.fang", ["sales_east"], None),
    (
        "chen.jing",
        "陈静 Chen Jing",
        "E006",
        "SALES-N",
        "SALES-MGR",
        "li.ming",
        ["sales_managers", "sales_north"],
        "SALES-N",
    ),
    ("yang.lei", "杨磊 Yang Lei", "E007", "SALES-N", "SALES-REP", "chen.jing", ["sales_north"], None),
    ("zhao.min", "赵敏 Zhao Min", "E008", "SALES-N", "SALES-REP", "chen.jing", ["sales_north"], None),
    (
        "huang.qiang",
        "黄强 Huang Qiang",
        "E009",
        "SERVICE",
        "SVC-MGR",
        "zheng.hua",
        ["service_dispatchers", "service"],
        "SERVICE",
    ),
    (
        "xu.li",
        "徐丽 Xu Li",
        "E010",
        "SERVICE",
        "SVC-REP",
        "huang.qiang",
        ["service_dispatchers", "service"],
        None,
    ),
    ("zhou.jie", "周杰 Zhou Jie", "E011", "SERVICE", "TECH", "huang.qiang", ["technicians"], None),
    ("wu.tao", "吴涛 Wu Tao", "E012", "SERVICE", "TECH", "huang.qiang", ["technicians"], None),
    ("sun.hong", "孙红 Sun Hong", "E013", "ADMIN", "HR-MGR", "zheng.hua", ["hr"], "ADMIN"),
    ("zhu.lin", "朱琳 Zhu Lin", "E014", "ADMIN", "HR", "sun.hong", ["hr"], None),
    ("ma.chao", "马超 Ma Chao", "E015", "ADMIN", "FLEET", "sun.hong", ["vehicle_admins"], None),
    (
        "lin.feng",
        "林峰 Lin Feng",
        "E016",
        "ADMIN",
        "BPM",
        "sun.hong",
        ["process_designers", "it_admins"],
        None,
    ),
    ("gao.yuan", "高远 Gao Yuan", "E030", "RND", "PD-ENG", "zheng.hua", ["product_development"], "RND"),
    ("qian.yu", "钱宇 Qian Yu", "E031", "SALES", "SALES-OPS", "li.ming", ["sales_ops"], None),
]

# What people read where a task is offered to a group (GroupProfile.display_name).
GROUP_DISPLAY_NAMES = {
    "staff": "All staff 全体员工",
    "sales": "Sales 销售",
    "sales_east": "Sales East 华东销售组",
    "sales_north": "Sales North 华北销售组",
    "sales_managers": "Sales managers 销售经理",
    "sales_directors": "Sales directors 销售总监",
    "service": "Customer service 客服",
    "service_dispatchers": "Service dispatchers 客服调度",
    "technicians": "Technicians 技术员",
    "hr": "HR 人事",
    "vehicle_admins": "Vehicle administrators 车辆管理",
    "process_designers": "Process designers 流程设计",
    "management": "Management 管理层",
    "finance": "Finance 财务",
    "warehouse": "Warehouse 仓库",
    "product_development": "Product development 产品研发",
    "it_admins": "IT administrators 信息技术",
    "sales_ops": "Sales operations 销售运营",
}

# name, parent, kind, row scope, permission patterns ("app.codename" globs; "!glob" takes away)
GROUPS = [
    (
        "staff",
        None,
        "team",
        RowScope.OWN,
        ["org.view_*", "engine.view_*", "office.*_leaverequest", "office.*_vehiclebooking", "office.view_*"],
    ),
    (
        "sales",
        "staff",
        "team",
        RowScope.OWN,
        [
            "crm.view_*",
            "crm.add_*",
            "crm.change_*",
            "crm.export_customer",
            "crm.export_contact",
            # their quotations, contracts, invoices and receivables as Excel (the generic lists)
            "crm.export_quotation",
            "crm.export_contract",
            "crm.export_invoice",
            "crm.export_instalment",
            # mass e-mail/SMS to their favourites (seed 004)
            "integrations.add_mailing",
            "integrations.view_mailing",
            # targets and expense limits are set by managers, never by the salesperson they bind
            "!crm.add_budget*",
            "!crm.change_budget*",
            "!crm.add_choiceoption",
            "!crm.change_choiceoption",
        ],
    ),
    ("sales_east", "sales", "team", RowScope.OWN, []),
    ("sales_north", "sales", "team", RowScope.OWN, []),
    # sales operations (the administration area's section) is its own role, not a manager's
    (
        "sales_managers",
        "sales",
        "role",
        RowScope.DEPARTMENT_TREE,
        ["crm.*", "reports.*", "!crm.manage_sales"],
    ),
    ("sales_directors", "sales_managers", "role", RowScope.DEPARTMENT_TREE, []),
    (
        "service",
        "staff",
        "team",
        RowScope.DEPARTMENT,
        [
            "crm.view_customer",
            "crm.view_contact",
            "crm.*_complaint",
            "crm.*_servicerequest",
            "crm.*_servicerecord",
            # a problem found in a complaint or on a job goes to product development (field slice)
            "crm.add_productissue",
            "crm.view_productissue",
            # the service desk (crm.service): consultations, the shared "breaching today" views,
            # and turning a pre-sale question into a lead
            "crm.*_consultation",
            "crm.view_savedquery",
            "crm.add_savedquery",
            "crm.view_lead",
            "crm.add_lead",
        ],
    ),
    (
        "service_dispatchers",
        "service",
        "role",
        RowScope.DEPARTMENT_TREE,
        ["reports.view_*", "crm.*_technicianprofile"],
    ),
    ("technicians", "service", "team", RowScope.OWN, []),
    ("hr", "staff", "role", RowScope.ALL, ["org.*", "office.*"]),
    (
        # the warehouse clerk (ma.chao): the catalogue, stock moves and reorder levels, no deletes
        "warehouse",
        "staff",
        "role",
        RowScope.ALL,
        [
            "crm.*_product",
            "crm.*_productcategory",
            "crm.*_pricelist",
            "crm.*_productprice",
            "crm.*_warehouse",
            "crm.*_stockmove",
            "crm.*_stocklevel",
            "crm.view_stockreservation",
            "crm.add_savedquery",
            "crm.view_savedquery",
            "!crm.delete_*",
        ],
    ),
    ("vehicle_admins", "staff", "role", RowScope.ALL, ["office.*_vehicle*"]),
    ("process_designers", "staff", "role", RowScope.OWN, ["processes.*", "engine.*"]),
    # the administration area's Integrations section (webhooks, API tokens); HR holds the
    # Organisation and Notices sections through "org.*" and "office.*"
    (
        "it_admins",
        "staff",
        "role",
        RowScope.OWN,
        [
            "integrations.*_webhooksubscription",
            "integrations.manage_webhooks",
            "configtransfer.manage_config",
        ],
    ),
    # the administration area's Sales operations section: processes and stages, levels, pools, targets
    (
        "sales_ops",
        "staff",
        "role",
        RowScope.ALL,
        ["crm.manage_sales", "crm.*_salesprocess", "crm.*_salesstage", "crm.view_*", "reports.*"],
    ),
    (
        "product_development",
        "staff",
        "role",
        RowScope.ALL,
        ["crm.*_productissue", "crm.view_product", "crm.view_complaint", "crm.view_servicerequest"],
    ),
    (
        "management",
        "staff",
        "role",
        RowScope.ALL,
        ["crm.view_*", "crm.export_*", "reports.*", "org.view_*", "office.view_*", "audit.view_*"],
    ),
]


def patterns_grant(patterns: list[str], permission: str) -> bool:
    """Whether one group's patterns grant "app.codename": a glob matches it and no "!glob" does."""
    granted = any(fnmatch.fnmatchcase(permission, p) for p in patterns if not p.startswith("!"))
    return granted and not any(fnmatch.fnmatchcase(permission, p[1:]) for p in patterns if p.startswith("!"))


def _grant(group: Group, patterns: list[str]) -> None:
    if not patterns:
        return
    wanted = [
        perm
        for perm in Permission.objects.select_related("content_type")
        if patterns_grant(patterns, f"{perm.content_type.app_label}.{perm.codename}")
    ]
    group.permissions.add(*wanted)


def seed_demo(stdout) -> None:
    departments = {}
    for code, name, parent in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "parent": departments.get(parent)}
        )
    positions = {
        code: Position.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in POSITIONS
    }

    groups = {}
    for name, parent, kind, scope, patterns in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        GroupProfile.objects.update_or_create(
            group=group,
            defaults={
                "parent": groups.get(parent),
                "kind": kind,
                "row_scope": scope,
                "display_name": GROUP_DISPLAY_NAMES.get(name, ""),
            },
        )
        _grant(group, patterns)
        groups[name] = group

    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(
            "admin", "admin@example.com", DEMO_PASSWORD, display_name="Administrator 管理员"
        )

    employees: dict[str, Employee] = {}
    for username, name, code, dept, position, _manager, group_names, _heads in EMPLOYEES:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"display_name": name, "email": f"{username}@example.com", "is_staff": False},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(*(groups[g] for g in group_names))
        employees[username], _ = Employee.objects.update_or_create(
            user=user,
            defaults={
                "code": code,
                "name": name,
                "department": departments[dept],
                "position": positions[position],
                "email": user.email,
                # a made-up mobile number per person, so the address book can call them
                "phone": f"138-0013-{int(code.lstrip('E')):04d}",
            },
        )
    for username, *_rest, manager, _groups, heads in EMPLOYEES:
        if manager:
            Employee.objects.filter(pk=employees[username].pk).update(manager=employees[manager])
        if heads:
            Department.objects.filter(code=heads).update(head=employees[username].user)
    for group_name, usernames in WORK_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        GroupProfile.objects.update_or_create(
            group=group, defaults={"display_name": GROUP_DISPLAY_NAMES.get(group_name, "")}
        )
        for username in usernames:
            employees[username].user.groups.add(group)

    stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
    stdout.write("  admin        administrator (all rights, /admin/)")
    for username, name, _c, dept, position, *_ in EMPLOYEES:
        stdout.write(f"  {username:<12} {name} — {positions[position].name}, {departments[dept].name}")
