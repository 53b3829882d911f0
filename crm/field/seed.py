"""Demo field service: technicians' skills, service requests this week (some dispatched through the
dispatch process to zhou.jie and wu.tao, some waiting for the dispatcher xu.li) and a product issue
waiting for product development's triage. Called by crm.seed after the customers exist."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from ..models import Customer, ProductIssue, ServiceRequest, TechnicianProfile

PROFILES = {
    "zhou.jie": ("净水设备, 反渗透膜, 水泵", "上海 / 苏州"),
    "wu.tao": ("智能监控, 传感器, 安装调试", "南京 / 杭州"),
}

# subject, description, product code, serial, (technician, day offset, hour) or None: waiting
JOBS = [
    ("净水设备漏水维修", "底部密封处漏水，请带备用密封圈。", "BT-100", "SN-BT100-2031", ("zhou.jie", 0, 9)),
    ("反渗透膜更换", "产水量下降三成，客户要求更换膜组件。", "BT-110", "SN-BT110-0877", ("zhou.jie", 0, 14)),
    ("监控终端离线", "终端连续两天离线，已重启无效。", "BT-200", "SN-BT200-1102", ("wu.tao", 1, 10)),
    ("传感器读数异常", "压力读数忽高忽低。", "BT-210", "", ("wu.tao", 2, 15)),
    ("年度维保第二次上门", "按合同进行年度第二次保养。", "BT-300", "", None),
    ("新设备安装调试", "新购净水设备到货，需安装调试。", "BT-310", "", None),
    ("净水设备异响", "运行时有明显异响，怀疑水泵轴承磨损。", "BT-100", "SN-BT100-1985", None),
]


def seed_field(stdout, *, products: dict, now: datetime.datetime) -> None:
    from ..services.service import service_request_submit
    from .selectors import ASSIGN, open_task
    from .services import dispatch_assign, job_accept, product_issue_report

    User = get_user_model()
    people = {u.username: u for u in User.objects.filter(username__in=[*PROFILES, "xu.li"])}
    for username, (skills, area) in PROFILES.items():
        if username in people:
            TechnicianProfile.objects.update_or_create(
                user=people[username], defaults={"skills": skills, "area": area}
            )
    dispatcher = people.get("xu.li")
    if dispatcher is None or ServiceRequest.objects.filter(subject=JOBS[0][0]).exists():
        return
    customers = list(Customer.objects.filter(owner__isnull=False).order_by("code")[: len(JOBS)])
    today = timezone.localdate()
    first = None
    for (subject, description, code, serial, plan), customer in zip(JOBS, customers, strict=False):
        request = service_request_submit(
            actor=customer.owner,
            customer=customer,
            subject=subject,
            description=description,
            product=products.get(code),
            serial_number=serial,
            address=customer.address,
            contact=customer.contacts.order_by("pk").first(),
        )
        first = first or request
        if plan is None or open_task(request, ASSIGN) is None:  # no dispatch process deployed
            continue
        technician, offset, hour = plan
        dispatch_assign(
            actor=dispatcher,
            request=request,
            technician=technician,
            day=today + datetime.timedelta(days=offset),
            time=datetime.time(hour, 0),
        )
        if technician in people and offset == 0:
            job_accept(actor=people[technician], request=request)
    if first is not None and first.product is not None and "zhou.jie" in people:
        first.refresh_from_db()
        product_issue_report(
            actor=people["zhou.jie"],
            product=first.product,
            summary="密封圈批次老化开裂",
            details="同一批次设备半年内第三次在底部密封处漏水，疑似密封圈材质问题。",
            severity=ProductIssue.Severity.HIGH,
            service_request=first if first.technician_id == people["zhou.jie"].pk else None,
        )
    stdout.write(f"  field service: {ServiceRequest.objects.count()} service requests")
