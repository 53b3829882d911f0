# ruff: noqa: RUF001 -- Chinese demo text uses full-width punctuation
"""Demo data of the service desk: complaints and service requests in every SLA state (some
triaged through their process, one a duplicate waiting to be merged, replies and internal
comments), consultations before and after sale, and the service team's shared list views
("breaching today", "breached"). Called by the CRM seed; idempotent."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from engine.selectors import work as engine_work

from ..models import ChoiceList, ChoiceOption, Complaint, Consultation, Customer, ServiceRequest

CONSULTATION_CATEGORIES = [
    ("selection", "选型咨询"),
    ("pricing", "价格咨询"),
    ("installation", "安装咨询"),
    ("usage", "使用咨询"),
    ("maintenance", "维保咨询"),
]
SHARED_VIEWS = [
    # owner, list, name, params
    ("complaint", "今日到期 Breaching today", {"filters": {"sla": "due_today"}, "sort": "due_at"}),
    ("complaint", "已超时 Breached", {"filters": {"sla": "breached"}, "sort": "due_at"}),
    ("service_request", "今日到期 Due today", {"filters": {"sla": "due_today"}, "sort": "due_at"}),
]


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _customer(name):
    return Customer.objects.filter(name=name).select_related("owner").first()


def _triage(complaint: Complaint, *, handler: str, severity: str, category: str = "product") -> bool:
    """Complete the complaint's triage task as the service dispatcher would."""
    from engine.services import complete_task

    task = engine_work.open_tasks_about(
        ContentType.objects.get_for_model(Complaint), complaint.pk, element="triage"
    ).first()
    dispatcher = _user("huang.qiang")
    if task is None or dispatcher is None:
        return False
    complete_task(
        task.pk,
        user=dispatcher,
        data={"category": category, "department": "SERVICE", "handler": handler, "severity": severity},
    )
    return True


def _set_sla(model, pk: int, *, due: datetime.datetime, breached: bool = False) -> None:
    """Date the case as if it had arrived earlier: its deadline today, passed or ahead."""
    values = {"due_at": due}
    if breached and model is Complaint:
        values["overdue_since"] = due
    model.objects.filter(pk=pk).update(**values)


def seed_service_desk(stdout) -> None:
    from ..services.misc import saved_query_save
    from ..services.service import complaint_submit, service_request_submit
    from .services import case_message_add, consultation_create, consultation_to_opportunity

    for order, (code, label) in enumerate(CONSULTATION_CATEGORIES):
        ChoiceOption.objects.update_or_create(
            choice_list=ChoiceList.CONSULTATION_CATEGORY,
            code=code,
            defaults={"label": label, "sort_order": order},
        )
    manager, rep = _user("huang.qiang"), _user("xu.li")
    service = Group.objects.filter(name="service").first()
    if manager is not None and service is not None:
        for entity, name, params in SHARED_VIEWS:
            saved_query_save(actor=manager, name=name, entity=entity, params=params, shared_with=service)

    if Complaint.objects.filter(subject="净水设备出水量明显下降").exists() or manager is None or rep is None:
        return
    now = timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=0, second=0, microsecond=0)
    due_today = max(end_of_day, now + datetime.timedelta(minutes=30))
    if due_today.date() != timezone.localtime(now).date():
        due_today = now + datetime.timedelta(minutes=30)

    mingyuan = _customer("上海明远机械有限公司")
    complaints = []
    if mingyuan is not None and mingyuan.owner is not None:
        first = complaint_submit(
            actor=mingyuan.owner,
            customer=mingyuan,
            subject="净水设备出水量明显下降",
            description="王经理来电：BT-100 净水设备上周起出水量从 2000L/H 降到 1200L/H，影响生产用水。",
            severity=Complaint.Severity.HIGH,
            channel=Complaint.Channel.PHONE,
            category="product",
        )
        if _triage(first, handler="xu.li", severity=Complaint.Severity.HIGH):
            case_message_add(
                actor=rep,
                case=first,
                text="王经理您好，我们已安排技术员明天上午上门检查膜组件，请保持设备运行记录。",
            )
            case_message_add(
                actor=rep, case=first, text="疑似反渗透膜污堵，备一支 BT-110 膜组件。", internal=True
            )
        _set_sla(Complaint, first.pk, due=due_today)
        complaints.append(first)
        # the same problem again, phoned in to the account manager: a duplicate to merge
        duplicate = complaint_submit(
            actor=mingyuan.owner,
            customer=mingyuan,
            subject="出水量不足，请尽快处理",
            description="客户来电催促：净水设备出水量不足。",
            severity=Complaint.Severity.NORMAL,
            channel=Complaint.Channel.PHONE,
            category="product",
        )
        _set_sla(Complaint, duplicate.pk, due=now + datetime.timedelta(days=2))

    for name, subject, description, severity, handler, due, breached in (
        (
            "苏州天成电子科技有限公司",
            "监控终端频繁离线",
            "BT-200 智能监控终端每天离线 3-4 次，数据断档。",
            Complaint.Severity.CRITICAL,
            "xu.li",
            now - datetime.timedelta(hours=5),
            True,
        ),
        (
            "石家庄神威药业集团有限公司",
            "安装调试延期两周",
            "合同约定 11 月底前完成安装调试，至今未完成。",
            Complaint.Severity.HIGH,
            "huang.qiang",
            now - datetime.timedelta(days=1),
            True,
        ),
        (
            "北京华远电子科技有限公司",
            "发票抬头开错",
            "上月发票抬头错误，需要重开。",
            Complaint.Severity.LOW,
            "xu.li",
            now + datetime.timedelta(days=3),
            False,
        ),
        (
            "杭州云帆信息技术有限公司",
            "售后电话无人接听",
            "周末拨打售后电话无人接听。",
            Complaint.Severity.NORMAL,
            "",
            due_today,
            False,
        ),
    ):
        customer = _customer(name)
        if customer is None or customer.owner is None:
            continue
        complaint = complaint_submit(
            actor=customer.owner,
            customer=customer,
            subject=subject,
            description=description,
            severity=severity,
            channel=Complaint.Channel.PHONE,
            category="service" if "电话" in subject else "product",
        )
        if handler:
            _triage(complaint, handler=handler, severity=severity)
        _set_sla(Complaint, complaint.pk, due=due, breached=breached)
        complaints.append(complaint)

    for name, subject, kind, due in (
        ("杭州青禾食品有限公司", "净水设备年度保养", ServiceRequest.Kind.VISIT, due_today),
        (
            "南京金陵制药股份有限公司",
            "传感器模块更换",
            ServiceRequest.Kind.REPAIR,
            now - datetime.timedelta(hours=8),
        ),
        (
            "天津港通国际物流有限公司",
            "新增监控终端安装",
            ServiceRequest.Kind.INSTALL,
            now + datetime.timedelta(days=4),
        ),
    ):
        customer = _customer(name)
        if customer is None or customer.owner is None:
            continue
        request = service_request_submit(
            actor=customer.owner,
            customer=customer,
            subject=subject,
            kind=kind,
            description=f"{subject}，请安排技术员。",
            address=customer.address,
        )
        _set_sla(ServiceRequest, request.pk, due=due)

    # consultations: asked on the phone, on a visit, in the portal; one already a deal
    yunfan = _customer("杭州云帆信息技术有限公司")
    if yunfan is not None and yunfan.owner is not None:
        asked = consultation_create(
            actor=yunfan.owner,
            kind=Consultation.Kind.PRE_SALE,
            category="selection",
            channel=Consultation.Channel.VISIT,
            customer=yunfan,
            question="新厂区需要每小时 5 吨的纯水，BT-100 两台并联是否可行？",
            answer="可以并联，建议加一级预处理；已约技术交流。",
        )
        consultation_to_opportunity(actor=yunfan.owner, consultation=asked)
    consultation_create(
        actor=rep,
        kind=Consultation.Kind.PRE_SALE,
        category="pricing",
        channel=Consultation.Channel.PHONE,
        prospect_name="宁德新能电池 周工",
        prospect_phone="0593-2888 6611",
        question="年度维保服务包含哪些内容？报价多少？",
    )
    consultation_create(
        actor=rep,
        kind=Consultation.Kind.AFTER_SALE,
        category="usage",
        channel=Consultation.Channel.WECOM,
        prospect_name="常州恒力纺织 李工",
        question="反渗透膜多久需要清洗一次？",
        answer="一般 3-6 个月化学清洗一次，产水量下降 10% 以上时应清洗。",
    )
    stdout.write(
        f"  service desk: {Complaint.objects.count()} complaints, {ServiceRequest.objects.count()} service "
        f"requests, {Consultation.objects.count()} consultations"
    )
