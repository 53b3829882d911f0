"""The marketing part of the demo company (run by crm.seed): campaign plans with tasks and members
from a favourite group, competitors with their products and a partner's cooperation records,
favourite groups, and expense claims at each step of their approval. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from ..models import (
    Campaign,
    Competitor,
    Cooperation,
    Customer,
    Expense,
    ExpenseCategory,
    FavouriteList,
    Opportunity,
)

# A tiny PDF standing in for a scanned receipt (what the upload check accepts).
RECEIPT = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

COMPETITORS = {
    "碧水源科技": {
        "products": "MBR 膜生物反应器、家用净水器",
        "strengths": "膜技术领先，市政项目经验多",
        "weaknesses": "工业小项目响应慢，价格偏高",
    },
    "美的水处理": {
        "products": "家用及商用净水机、软水机",
        "strengths": "品牌知名度高，渠道覆盖广",
        "weaknesses": "工业定制能力弱",
    },
    "威立雅中国": {
        "products": "工业废水处理整体方案、运营服务",
        "strengths": "大型项目与运营经验",
        "weaknesses": "报价高，决策链长",
    },
}
PARTNERS = {
    "华东工程安装公司": (
        "设备安装、管网施工",
        (
            (120, "联合投标 苏州工业园区污水改造项目", 380000),
            (45, "转介绍客户 无锡华光化工", 0),
            (10, "合作完成 杭州绿源安装调试", 56000),
        ),
    ),
    "绿源环保渠道": ("华北地区代理销售", ((30, "代理协议续签 2027 年度", 200000),)),
}


def _user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _approve(expense: Expense, *, up_to: str) -> None:
    """Work the expense's approval tasks as the demo approvers would, up to the step named."""
    from django.contrib.contenttypes.models import ContentType

    from engine.selectors import work as engine_work
    from engine.services import complete_task

    kind = ContentType.objects.get_for_model(Expense)
    for element in ("manager_approval", "finance_approval"):
        task = engine_work.open_tasks_about(kind, expense.pk, element=element).first()
        if task is None:
            return
        worker = task.assignee
        if worker is None:
            group = engine_work.offered_group_ids(task)[:1]
            worker = get_user_model().objects.filter(groups__in=group, is_active=True).order_by("pk").first()
        if worker is None:
            return
        complete_task(task.pk, user=worker, data={"decision": "approve", "comment": "同意 (demo)"})
        if element == up_to:
            return


def seed_marketing(*, admin, campaigns: dict, today: datetime.date, stdout) -> None:
    from .services import (
        campaign_add_members_from,
        campaign_add_task,
        campaign_create,
        campaign_task_done,
        campaign_update,
        expense_create,
        favourite_add,
        favourite_list_create,
        opportunity_competitors_set,
    )

    zhang, liu, wang = _user("zhang.wei"), _user("liu.yang"), _user("wang.fang")
    if not (zhang and liu and wang):
        stdout.write("crm: marketing demo needs the demo sales team")
        return

    # campaign plans: goal and channel of the two seeded campaigns
    plans = {
        "fair": ("展会", Campaign.Channel.EVENT, "在展会上结识 30 家工业客户，其中 10 家进入商机"),
        "web": ("线上研讨会", Campaign.Channel.ONLINE, "新品发布触达 500 位潜在客户，获取 50 条线索"),
    }
    for source, campaign in campaigns.items():
        if source in plans and not campaign.goal:
            _kind, channel, goal = plans[source]
            campaign_update(
                actor=campaign.owner,
                campaign=campaign,
                goal=goal,
                channel=channel,
                status=Campaign.Status.DONE,
            )

    # favourite groups
    east = Group.objects.filter(name="sales_east").first()
    key_accounts = FavouriteList.objects.filter(owner=zhang, name="重点客户").first()
    if key_accounts is None:
        key_accounts = favourite_list_create(actor=zhang, name="重点客户", shared_with=east)
        favourite_add(
            actor=zhang,
            favourite_list=key_accounts,
            customers=list(Customer.objects.filter(owner=zhang).order_by("pk")[:6]),
        )
    spring_list = FavouriteList.objects.filter(owner=wang, name="春季推广邀请名单").first()
    if spring_list is None:
        spring_list = favourite_list_create(actor=wang, name="春季推广邀请名单", shared_with=east)
        favourite_add(
            actor=wang,
            favourite_list=spring_list,
            customers=list(Customer.objects.visible_to(wang).order_by("pk")[:8]),
        )

    # an upcoming campaign with its members and tasks
    spring = Campaign.objects.filter(name="2027 春季节水推广").first()
    if spring is None:
        start = today + datetime.timedelta(days=30)
        spring = campaign_create(
            actor=wang,
            name="2027 春季节水推广",
            kind="邮件营销 + 客户沙龙",
            channel=Campaign.Channel.EMAIL,
            goal="向重点行业客户推广节水改造方案，预约 20 场现场勘查",
            starts_on=start,
            ends_on=start + datetime.timedelta(days=45),
            budget=Decimal(15000),
            expected_revenue=Decimal(600000),
            status=Campaign.Status.PLANNED,
        )
        campaign_add_members_from(actor=wang, campaign=spring, source=f"list:{spring_list.pk}")
        design = campaign_add_task(
            actor=wang,
            campaign=spring,
            title="设计推广邮件模板",
            assignee=liu,
            due_on=today + datetime.timedelta(days=7),
        )
        campaign_task_done(actor=liu, task=design)
        campaign_add_task(
            actor=wang,
            campaign=spring,
            title="电话确认沙龙出席",
            assignee=zhang,
            due_on=today + datetime.timedelta(days=14),
        )
        campaign_add_task(
            actor=wang,
            campaign=spring,
            title="预订沙龙会场",
            assignee=wang,
            due_on=today + datetime.timedelta(days=10),
        )

    # competitors and partners
    for name, facts in COMPETITORS.items():
        competitor, _created = Competitor.objects.get_or_create(name=name, defaults={"kind": "competitor"})
        if not competitor.products:
            Competitor.objects.filter(pk=competitor.pk).update(**facts)
    for name, (products, records) in PARTNERS.items():
        partner, _created = Competitor.objects.get_or_create(name=name, defaults={"kind": "partner"})
        if not partner.products:
            Competitor.objects.filter(pk=partner.pk).update(products=products)
        if not Cooperation.objects.filter(partner=partner).exists():
            Cooperation.objects.bulk_create(
                Cooperation(
                    partner=partner,
                    happened_on=today - datetime.timedelta(days=days),
                    subject=subject,
                    value=Decimal(value),
                    created_by=wang,
                )
                for days, subject, value in records
            )
    rivals = list(Competitor.objects.filter(kind="competitor").order_by("pk")[:2])
    for opportunity in Opportunity.objects.filter(owner=zhang, status=Opportunity.Status.OPEN).order_by("pk")[
        :3
    ]:
        if not opportunity.competitors.exists():
            opportunity_competitors_set(actor=zhang, opportunity=opportunity, competitors=rivals)

    # expense claims at each step of their approval
    if Expense.objects.filter(owner__in=[zhang, liu]).exists():
        return
    categories = {c.name: c for c in ExpenseCategory.objects.all()}
    fair = campaigns.get("fair")
    if fair is not None:  # zhang.wei hosted customers at the fair: he books that dinner on it
        hosting = campaign_add_task(
            actor=fair.owner, campaign=fair, title="展会客户接待与答谢晚宴", assignee=zhang
        )
        campaign_task_done(actor=zhang, task=hosting)
    customer = Customer.objects.filter(owner=zhang).order_by("pk").first()

    def claim(actor, category, amount, days_ago, text, *, submit=True, **booked):
        return expense_create(
            actor=actor,
            category=categories[category],
            amount=Decimal(amount),
            spent_on=today - datetime.timedelta(days=days_ago),
            description=text,
            receipt=ContentFile(RECEIPT, name="receipt.pdf"),
            submit=submit,
            **booked,
        )

    done = claim(zhang, "住宿", "480", 20, "拜访客户住宿 2 晚", customer=customer)
    _approve(done, up_to="finance_approval")
    claim(zhang, "交通", "126.50", 3, "客户现场勘查往返高铁", customer=customer)  # waits for wang.fang
    fair_dinner = claim(zhang, "招待费", "6800", 5, "展会客户答谢晚宴", campaign=fair)
    _approve(fair_dinner, up_to="manager_approval")  # now waits for finance (sun.hong)
    claim(liu, "餐补", "85", 1, "加班餐补", submit=False)  # a draft
    stdout.write(
        f"CRM demo: marketing ({Expense.objects.count()} expenses, {FavouriteList.objects.count()} groups)"
    )
