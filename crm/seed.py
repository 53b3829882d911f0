# ruff: noqa: RUF001 -- Chinese demo text uses full-width punctuation
"""Demo CRM data: levels, lists, a pool, ~40 customers with contacts and follow-ups,
opportunities at every stage, products with stock, a few contracts, orders and payments.

Runs after the org seed (`manage.py seed_demo`); idempotent: records are looked up by their
natural keys (names, codes) and only the missing ones are created, through the services.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import (
    Campaign,
    ChoiceList,
    ChoiceOption,
    Competitor,
    Contact,
    Customer,
    CustomerLevel,
    CustomerPool,
    CustomFieldDefinition,
    ExpenseCategory,
    Opportunity,
    Order,
    Product,
    Warehouse,
)
from .models.sales_processes import DEFAULT_STAGES, ensure_standard_process

LEVELS = [
    ("A", "A 重点客户", "年采购额 100 万以上，或战略合作"),
    ("B", "B 主要客户", "年采购额 20–100 万"),
    ("C", "C 普通客户", "有采购记录"),
    ("D", "D 潜在客户", "尚未成交"),
]
# the levels' measurable criteria (yearly booked order amount, number of orders), for the
# "suggest level changes" list
LEVEL_FIGURES = {"A": (1_000_000, None), "B": (200_000, None), "C": (None, 1)}
OPTIONS = {
    ChoiceList.STATUS: [("prospect", "潜在"), ("active", "合作中"), ("dormant", "休眠"), ("lost", "流失")],
    ChoiceList.TYPE: [
        ("enterprise", "企业客户"),
        ("distributor", "经销商"),
        ("government", "政府机构"),
        ("partner", "合作伙伴"),
    ],
    ChoiceList.SOURCE: [
        ("fair", "展会"),
        ("web", "网站"),
        ("referral", "客户推荐"),
        ("cold_call", "电话开发"),
    ],
    ChoiceList.INDUSTRY: [
        ("mfg", "制造业"),
        ("food", "食品饮料"),
        ("pharma", "医药"),
        ("logistics", "物流"),
        ("it", "信息技术"),
        ("energy", "能源环保"),
    ],
    ChoiceList.REGION: [("east", "华东"), ("north", "华北"), ("south", "华南"), ("west", "西部")],
    # codes of the complaint triage form (bpmn/complaint.triage.json)
    ChoiceList.COMPLAINT_CATEGORY: [
        ("product", "产品质量"),
        ("delivery", "交货"),
        ("service", "服务"),
        ("billing", "账单"),
        ("other", "其他"),
    ],
}
# name, owner username (None: in the pool), level, industry, region, phone, annual revenue (10k CNY)
CUSTOMERS = [
    ("上海明远机械有限公司", "zhang.wei", "A", "mfg", "east", "021-6543 2100", 5200),
    ("杭州青禾食品有限公司", "zhang.wei", "B", "food", "east", "0571-8765 4321", 1800),
    ("苏州天成电子科技有限公司", "zhang.wei", "A", "it", "east", "0512-6666 8888", 8600),
    ("宁波海通物流有限公司", "zhang.wei", "C", "logistics", "east", "0574-8711 2233", 900),
    ("南京金陵制药股份有限公司", "zhang.wei", "B", "pharma", "east", "025-8444 5566", 3200),
    ("无锡新源环保科技有限公司", "zhang.wei", "D", "energy", "east", "0510-8222 3344", 450),
    ("上海东方精密仪器有限公司", "zhang.wei", "C", "mfg", "east", "021-5888 1200", 1300),
    ("常州恒力纺织有限公司", "zhang.wei", "D", "mfg", "east", "0519-8666 7788", 700),
    ("嘉兴华美包装材料有限公司", "liu.yang", "B", "mfg", "east", "0573-8233 4455", 1500),
    ("杭州云帆信息技术有限公司", "liu.yang", "A", "it", "east", "0571-8999 0011", 6400),
    ("绍兴越秀酿酒有限公司", "liu.yang", "C", "food", "east", "0575-8512 3456", 800),
    ("合肥长江医疗器械有限公司", "liu.yang", "B", "pharma", "east", "0551-6355 7788", 2100),
    ("温州瓯江电气股份有限公司", "liu.yang", "C", "mfg", "east", "0577-8866 5544", 1100),
    ("上海浦江冷链物流有限公司", "liu.yang", "D", "logistics", "east", "021-6011 2233", 380),
    ("福州闽海水产食品有限公司", "liu.yang", "C", "food", "south", "0591-8766 1122", 650),
    ("厦门鹭岛进出口贸易有限公司", "liu.yang", "D", "logistics", "south", "0592-5123 4567", 300),
    ("北京华远电子科技有限公司", "yang.lei", "A", "it", "north", "010-8888 6666", 9800),
    ("天津港通国际物流有限公司", "yang.lei", "B", "logistics", "north", "022-2555 7788", 2700),
    ("石家庄神威药业集团有限公司", "yang.lei", "A", "pharma", "north", "0311-8666 1234", 7300),
    ("唐山冀东水泥股份有限公司", "yang.lei", "C", "energy", "north", "0315-2777 8899", 4100),
    ("北京燕山石化设备有限公司", "yang.lei", "B", "energy", "north", "010-6934 5566", 3600),
    ("保定长城汽车配件有限公司", "yang.lei", "C", "mfg", "north", "0312-3111 2222", 1900),
    ("济南齐鲁软件有限公司", "yang.lei", "D", "it", "north", "0531-8888 9900", 520),
    ("青岛海之味食品有限公司", "yang.lei", "C", "food", "north", "0532-8567 1234", 980),
    ("北京中关村智能科技有限公司", "zhao.min", "A", "it", "north", "010-6255 7788", 5600),
    ("太原晋阳煤机有限公司", "zhao.min", "B", "energy", "north", "0351-7123 4567", 2400),
    ("呼和浩特草原乳业有限公司", "zhao.min", "B", "food", "north", "0471-6543 2211", 3100),
    ("大连远洋渔业有限公司", "zhao.min", "C", "food", "north", "0411-8266 7788", 1250),
    ("沈阳北方重工机械有限公司", "zhao.min", "A", "mfg", "north", "024-2588 9900", 8200),
    ("哈尔滨冰城制药有限公司", "zhao.min", "D", "pharma", "north", "0451-8655 4433", 420),
    ("长春一汽零部件配套有限公司", "zhao.min", "C", "mfg", "north", "0431-8599 1122", 1700),
    ("郑州中原物流园有限公司", "zhao.min", "D", "logistics", "north", "0371-6777 8899", 600),
    ("成都天府软件园有限公司", None, "C", "it", "west", "028-8533 2211", 1400),
    ("重庆山城摩托车有限公司", None, "D", "mfg", "west", "023-6388 7766", 750),
    ("西安秦川数控机床有限公司", None, "C", "mfg", "west", "029-8811 2233", 1600),
    ("昆明滇池花卉有限公司", None, "D", "food", "west", "0871-6355 4411", 260),
    ("广州白云山药业有限公司", None, "B", "pharma", "south", "020-8666 3322", 4500),
    ("深圳南山创新科技有限公司", None, "D", "it", "south", "0755-8633 1100", 330),
    ("东莞松湖电子厂", None, "D", "mfg", "south", "0769-2288 9900", 280),
    ("佛山顺德家电有限公司", None, "C", "mfg", "south", "0757-2233 4455", 1900),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
]
DEPARTMENTS = [
    ("采购部", "采购经理", "decision maker"),
    ("技术部", "技术总监", "influencer"),
    ("财务部", "财务主管", "approver"),
]
PRODUCTS = [
    ("BT-100", "工业净水设备", "台", "RO-2000L/H", "38000.00"),
    ("BT-110", "反渗透膜组件", "支", "8040", "2600.00"),
    ("BT-200", "智能监控终端", "套", "4G / 以太网", "4800.00"),
    ("BT-210", "传感器模块", "个", "温湿度+压力", "380.00"),
    ("BT-300", "年度维保服务", "年", "含两次上门", "12000.00"),
    ("BT-310", "安装调试服务", "次", "", "3500.00"),
]
STAGES = [key for key, _label, _probability in DEFAULT_STAGES]


def _user(username):
    if username is None:
        return None
    return get_user_model().objects.filter(username=username).first()


def _approve_through_the_process(order: Order) -> bool:
    """Approve `order` as its approvers would: each approval task its process opens, completed
    through the engine by the person it is assigned or offered to. True when the order came out
    approved; an order whose process is not running, or waits for an approver nobody holds yet,
    stays submitted (and the portal says so)."""
    from django.contrib.contenttypes.models import ContentType

    from engine.selectors import work as engine_work
    from engine.services import complete_task

    order_type = ContentType.objects.get_for_model(Order)
    for element in ("manager_approval", "finance_approval"):
        task = (
            engine_work.open_tasks_about(order_type, order.pk, element=element)
            .select_related("assignee")
            .first()
        )
        if task is None:
            continue
        worker = task.assignee
        if worker is None:
            candidate = engine_work.offered_group_ids(task).first()
            worker = (
                get_user_model().objects.filter(groups=candidate, is_active=True).order_by("pk").first()
                if candidate
                else None
            )
        if worker is None:
            return False
        complete_task(task.pk, user=worker, data={"decision": "approve", "comment": "同意 (demo)"})
    order.refresh_from_db(fields=["status"])
    return order.status == Order.Status.APPROVED


def seed_demo(stdout) -> None:
    from .marketing.services import campaign_add_members
    from .sales.services import activity_create, opportunity_close, opportunity_create
    from .services.commerce import contract_create, order_create, order_set_status, payment_record, stock_in
    from .services.contracts import instalment_add, invoice_create
    from .services.customers import contact_create, customer_create
    from .services.quotations import quotation_create

    rng = random.Random(2026)
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        stdout.write("crm: no administrator yet; run the org seed first")
        return
    ensure_standard_process()
    levels = {}
    for order, (code, name, criteria) in enumerate(LEVELS):
        amount, orders = LEVEL_FIGURES.get(code, (None, None))
        levels[code], _ = CustomerLevel.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "criteria": criteria,
                "sort_order": order,
                "min_yearly_amount": amount,
                "min_yearly_orders": orders,
            },
        )
    options = {}
    for choice_list, entries in OPTIONS.items():
        for order, (code, label) in enumerate(entries):
            options[(choice_list, code)], _ = ChoiceOption.objects.update_or_create(
                choice_list=choice_list, code=code, defaults={"label": label, "sort_order": order}
            )
    pool, _ = CustomerPool.objects.update_or_create(
        code="PUBLIC",
        defaults={
            "name": "公海客户池",
            "is_default": True,
            "claim_limit": 20,
            "days_without_follow_up": 90,
            "days_without_won_deal": 365,
            "protect_open_opportunities": True,
        },
    )
    CustomFieldDefinition.objects.get_or_create(
        entity="customer", key="plant_area", defaults={"label": "厂房面积 (㎡)", "kind": "number"}
    )
    CustomFieldDefinition.objects.get_or_create(
        entity="customer",
        key="purchase_cycle",
        defaults={"label": "采购周期", "kind": "choice", "choices": ["月度", "季度", "年度"]},
    )
    for name, kind in (
        ("碧水源科技", "competitor"),
        ("美的水处理", "competitor"),
        ("华东工程安装公司", "partner"),
    ):
        Competitor.objects.get_or_create(name=name, defaults={"kind": kind})
    travel, _ = ExpenseCategory.objects.get_or_create(name="差旅费", parent=None)
    for child in ("交通", "住宿", "餐补"):
        ExpenseCategory.objects.get_or_create(name=child, parent=travel)
    ExpenseCategory.objects.get_or_create(name="招待费", parent=None)

    warehouses = [
        Warehouse.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in (("WH-SH", "上海仓"), ("WH-BJ", "北京仓"))
    ]
    products = {}
    for code, name, unit, spec, price in PRODUCTS:
        product, created = Product.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "spec": spec, "price": Decimal(price), "created_by": admin},
        )
        products[code] = product
        if created:
            for warehouse in warehouses:
                stock_in(
                    actor=admin,
                    product=product,
                    warehouse=warehouse,
                    quantity=rng.randint(20, 200),
                    reference="期初",
                )

    from .catalogue.seed import seed_catalogue

    seed_catalogue(admin=admin, stdout=stdout)

    now = timezone.now()
    campaigns = _seed_campaigns(admin, now.date())
    created_customers = 0
    owners_with_orders: set[int] = set()
    for index, (name, owner_name, level, industry, region, phone, revenue) in enumerate(CUSTOMERS):
        if Customer.objects.filter(name=name).exists():
            continue
        owner = _user(owner_name)
        actor = owner or admin
        customer = customer_create(
            actor=actor,
            name=name,
            owner=owner,
            allow_duplicate=True,
            phone=phone,
            address=f"{name[:2]}市经济开发区{rng.randint(1, 200)}号",
            industry=options[(ChoiceList.INDUSTRY, industry)],
            region=options[(ChoiceList.REGION, region)],
            status=options[(ChoiceList.STATUS, "active" if level in "AB" else "prospect")],
            customer_type=options[(ChoiceList.TYPE, "enterprise")],
            source=options[(ChoiceList.SOURCE, rng.choice(["fair", "web", "referral", "cold_call"]))],
            credit_level={"A": "AA", "B": "A", "C": "A", "D": "B"}[level],
            annual_revenue=revenue * 10_000,
            employee_count=rng.randint(30, 3000),
            custom={
                "plant_area": rng.randint(500, 20000),
                "purchase_cycle": rng.choice(["月度", "季度", "年度"]),
            },
        )
        Customer.objects.filter(pk=customer.pk).update(
            level=levels[level], pool=pool if owner is None else None
        )
        created_customers += 1
        head = None
        for department, title, role in DEPARTMENTS[: rng.randint(1, 3)]:
            contact_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            contact = contact_create(
                actor=actor,
                customer=customer,
                name=contact_name,
                department=department,
                title=title,
                role=role,
                mobile=f"13{rng.randint(100000000, 999999999)}",
                birthday=datetime.date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28)),
                interests=rng.choice(["高尔夫", "茶道", "摄影", "登山", "书法", ""]),
                superior=head,
            )
            head = head or contact
        if owner is None:
            continue
        for days_ago in sorted(rng.sample(range(1, 120), 2), reverse=True):
            activity_create(
                actor=owner,
                customer=customer,
                contact=head,
                kind=rng.choice(["call", "visit", "email", "meeting"]),
                subject=rng.choice(["电话回访", "上门拜访", "方案交流", "报价沟通", "技术交流会"]),
                occurred_at=now - datetime.timedelta(days=days_ago),
                outcome="客户有意向，待跟进",
                cost=rng.choice([0, 0, 120, 350]),
                next_follow_up=(now + datetime.timedelta(days=rng.randint(3, 30))).date(),
            )
        stage = STAGES[index % len(STAGES)]
        product = products[rng.choice(list(products))]
        opportunity = opportunity_create(
            actor=owner,
            customer=customer,
            name=f"{customer.name[:6]} {product.name}项目",
            amount=product.price * rng.randint(2, 20),
            expected_close=(now + datetime.timedelta(days=rng.randint(10, 120))).date(),
            stage=stage,
            contact=head,
            campaign=campaigns.get(customer.source.code),
        )
        if level == "A" and index % 2 == 0:
            opportunity_close(
                actor=owner,
                opportunity=opportunity,
                won=True,
                reason="技术方案和服务响应优于竞争对手",
                category="product",
            )
            contract = contract_create(
                actor=owner,
                customer=customer,
                title=f"{product.name}采购合同",
                amount=opportunity.amount,
                signed_on=(now - datetime.timedelta(days=20)).date(),
                opportunity=opportunity,
            )
            # 回款计划: half ten days after signing (overdue now), the rest in two months
            half = (contract.amount / 2).quantize(Decimal("0.01"))
            for days, amount in ((-10, half), (40, contract.amount - half)):
                instalment_add(
                    actor=owner,
                    contract=contract,
                    due_on=(now + datetime.timedelta(days=days)).date(),
                    amount=amount,
                    note="首付款" if days < 0 else "尾款",
                )
            order = order_create(
                actor=owner,
                customer=customer,
                contract=contract,
                opportunity=opportunity,
                lines=[
                    {"product": product, "quantity": max(1, int(opportunity.amount / product.price))},
                    {"product": products["BT-310"], "quantity": 1},
                ],
            )
            order_set_status(actor=owner, order=order, status=Order.Status.SUBMITTED)
            # a salesperson's first order is approved, the next still waits for the manager: each
            # manager has an order to approve in the inbox
            first_order = owner.pk not in owners_with_orders
            owners_with_orders.add(owner.pk)
            if first_order and _approve_through_the_process(order):
                payment_record(
                    actor=owner,
                    customer=customer,
                    order=order,
                    amount=order.total_amount / 2,
                    reference="首付款",
                )
                # 发票: the VAT special invoice for the down payment
                invoice_create(
                    actor=owner,
                    customer=customer,
                    contract=contract,
                    number=f"{44_030_000 + contract.pk:08d}",
                    amount=(order.total_amount / 2).quantize(Decimal("0.01")),
                )
        elif level == "B" and index % 3 == 0:
            quotation_create(
                actor=owner,
                customer=customer,
                contact=head,
                opportunity=opportunity,
                title=f"{product.name}报价",
                valid_until=(now + datetime.timedelta(days=30)).date(),
                terms="含税价；交货期 30 天；质保 12 个月",
                lines=[
                    {"product": product, "quantity": rng.randint(1, 5), "discount_percent": 5},
                    {"product": products["BT-310"], "quantity": 1},
                ],
            )
        elif level == "D" and index % 3 == 0:
            opportunity_close(
                actor=owner,
                opportunity=opportunity,
                won=False,
                reason="预算不足，项目延期",
                category="budget",
            )
    for source, campaign in campaigns.items():
        campaign_add_members(
            actor=campaign.owner, campaign=campaign, customers=Customer.objects.filter(source__code=source)
        )
    _seed_budgets(admin, travel, now.date())
    from .marketing.demo import seed_marketing

    seed_marketing(admin=admin, campaigns=campaigns, today=timezone.localdate(), stdout=stdout)
    from .field.seed import seed_field

    seed_field(stdout, products=products, now=now)
    from .service.seed import seed_service_desk

    seed_service_desk(stdout)
    from .data_model_seed import seed_data_model

    seed_data_model(stdout)
    stdout.write(
        f"CRM demo: {Customer.objects.count()} customers ({created_customers} new), "
        f"{Contact.objects.count()} contacts, {Opportunity.objects.count()} opportunities, "
        f"{Order.objects.count()} orders"
    )


def _seed_campaigns(admin, today: datetime.date) -> dict[str, Campaign]:
    """Two campaigns (市场活动) with their costs, by the customer source they bring: a trade fair and
    an online launch; the opportunities of customers from that source are credited to them."""
    from .marketing.services import campaign_add_cost, campaign_create

    owner = _user("wang.fang") or admin
    found = {}
    for source, name, kind, days_ago, budget, costs in (
        ("fair", "上海国际水展 2026", "展会", 150, 60000, (("展位费", 28000), ("搭建与物料", 12500))),
        ("web", "线上新品发布会", "线上研讨会", 60, 8000, (("直播平台", 3000), ("广告投放", 4200))),
    ):
        campaign = Campaign.objects.filter(name=name).first()
        if campaign is None:
            start = today - datetime.timedelta(days=days_ago)
            campaign = campaign_create(
                actor=owner, name=name, kind=kind, starts_on=start, ends_on=start, budget=budget
            )
            for item, amount in costs:
                campaign_add_cost(actor=owner, campaign=campaign, item=item, amount=amount, spent_on=start)
        found[source] = campaign
    return found


def _seed_budgets(admin, travel, today: datetime.date) -> None:
    """This quarter's sales targets for the sales team and a travel budget (预算)."""
    from .models import Budget
    from .services.budgets import budget_create

    start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = (start + datetime.timedelta(days=92)).replace(day=1) - datetime.timedelta(days=1)
    sellers = [u for u in (_user(n) for n in ("zhang.wei", "liu.yang", "zhao.lei")) if u is not None]
    if sellers and not Budget.objects.filter(name="本季度销售目标", starts_on=start).exists():
        budget_create(
            actor=admin,
            name="本季度销售目标",
            kind=Budget.Kind.SALES,
            starts_on=start,
            ends_on=end,
            lines=[{"salesperson": u, "planned": Decimal(300_000)} for u in sellers],
        )
    if not Budget.objects.filter(name="本季度差旅预算", starts_on=start).exists():
        budget_create(
            actor=admin,
            name="本季度差旅预算",
            kind=Budget.Kind.EXPENSE,
            starts_on=start,
            ends_on=end,
            lines=[{"category": travel, "planned": Decimal(50_000)}],
        )
