"""One business object of every kind a shipped process runs on, each waiting at its first task:
an order, an opportunity, a level change, a complaint, a service request, a leave and a vehicle
request — the demo salesperson zhang.wei's work, for tests of what each person sees about it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from org.models import User

KINDS = (
    "order_approval",
    "opportunity_stages",
    "customer_level_change",
    "complaint",
    "service_dispatch",
    "leave_request",
    "vehicle_request",
)

CUSTOMER = "Ningbo Harbour Logistics 宁波港物流"
ADDRESS = "宁波市北仑区明州路 88 号"
CONTACT = "李经理 Manager Li"
MOBILE = "138 0574 1234"
NEXT_YEAR = datetime.date.today().year + 1


def deploy_shipped(keys=KINDS) -> None:
    from processes.services import binding_set, definition_deploy

    from .conftest import BINDINGS, shipped_files

    for key in keys:
        definition_deploy(files=shipped_files(key), actor=None, activate=True)
        for event, process_key in BINDINGS.items():
            if process_key == key:
                binding_set(actor=None, event=event, process_key=key)


def every_kind() -> SimpleNamespace:
    """Needs the demo org and office seeded (and the shipped processes deployed: deploy_shipped)."""
    from crm.models import Contact, CustomerLevel, Order, StockLevel
    from crm.sales.services import opportunity_create
    from crm.services.commerce import order_create, order_set_status
    from crm.services.levels import customer_level_change_request
    from crm.services.service import complaint_submit, service_request_submit
    from office.models import LeaveType
    from office.services import leave_request_submit, vehicle_request_submit
    from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

    zhang = User.objects.get(username="zhang.wei")
    regular, _ = CustomerLevel.objects.get_or_create(
        code="C", defaults={"name": "普通 Regular", "sort_order": 3}
    )
    important, _ = CustomerLevel.objects.get_or_create(
        code="B", defaults={"name": "重要 Important", "sort_order": 2}
    )
    customer = CustomerFactory(
        name=CUSTOMER, owner=zhang, level=regular, phone="0574-8888 1234", address=ADDRESS
    )
    contact = Contact.objects.create(customer=customer, name=CONTACT, mobile=MOBILE)
    product = ProductFactory(code="PUMP-9", name="Booster pump 增压泵", price=Decimal("6500"))
    StockLevel.objects.create(product=product, warehouse=WarehouseFactory(), on_hand=5)

    order = order_create(
        actor=zhang,
        customer=customer,
        lines=[{"product": product, "quantity": 2, "price": product.price, "discount_percent": 0}],
    )
    order = order_set_status(actor=zhang, order=order, status=Order.Status.SUBMITTED)
    opportunity = opportunity_create(
        actor=zhang, customer=customer, name="Harbour water plant 港区净水项目", amount=Decimal("480000")
    )
    level = customer_level_change_request(
        actor=zhang, customer=customer, to_level=important, reason="Two orders this year"
    )
    complaint = complaint_submit(
        actor=zhang,
        customer=customer,
        subject="Pump leaks 水泵漏水",
        description="The pump delivered last week leaks at the seal.",
        severity="high",
        contact=contact,
    )
    service = service_request_submit(
        actor=zhang,
        customer=customer,
        subject="Repair the pump 水泵维修",
        description="Leaks at the seal; please bring a spare.",
        product=product,
        serial_number="SN-2026-0042",
        address=ADDRESS,
        contact=contact,
        preferred_at=timezone.make_aware(datetime.datetime(NEXT_YEAR, 3, 3, 9, 30)),
    )
    leave = leave_request_submit(
        actor=zhang,
        leave_type=LeaveType.objects.get(code="annual"),
        starts_on=datetime.date(NEXT_YEAR, 3, 2),
        ends_on=datetime.date(NEXT_YEAR, 3, 3),
        reason="Family trip",
    )
    start = timezone.make_aware(datetime.datetime(NEXT_YEAR, 4, 7, 9, 0))
    vehicle = vehicle_request_submit(
        actor=zhang,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        destination="Suzhou 苏州",
        passengers=2,
        purpose="Customer visit",
    )
    return SimpleNamespace(
        customer=customer,
        product=product,
        order=order,
        opportunity=opportunity,
        level=level,
        complaint=complaint,
        service=service,
        leave=leave,
        vehicle=vehicle,
        levels=(regular, important),
    )


def open_task_on(obj):
    """The open task of the process running on `obj`."""
    from django.contrib.contenttypes.models import ContentType

    from engine.models import HumanTask

    return HumanTask.objects.get(
        business_object_type=ContentType.objects.get_for_model(obj),
        business_object_id=str(obj.pk),
        status=HumanTask.Status.READY,
    )
