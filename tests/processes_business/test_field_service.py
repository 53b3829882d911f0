"""Field service through the service dispatch process (crm.field.services): the dispatcher assigns
a request to a technician's day through the dispatch task, the technician's work record completes
the work step and books the parts out of stock in the same transaction — or, when a part is
short, says so on that line and books nothing."""

import base64
import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.errors import NotPermitted, ValidationFailed
from crm.field.selectors import dispatch_board, technician_day
from crm.field.services import dispatch_assign, job_accept, work_record_submit
from crm.models import FieldPhoto, ServiceRequest, StockLevel, StockMove
from crm.services.service import service_request_submit
from engine.models import HumanTask
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory

from .conftest import inbox, open_task

# a 1x1 PNG, as the signature canvas sends it
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture
def job(demo, deploy):
    """A service request dispatched to zhou.jie today and accepted: its work step is open."""
    deploy("service_dispatch")
    seal, filter_ = ProductFactory(code="SEAL-01"), ProductFactory(code="FILTER-02")
    warehouse = WarehouseFactory()
    StockLevel.objects.create(product=seal, warehouse=warehouse, on_hand=10)
    StockLevel.objects.create(product=filter_, warehouse=warehouse, on_hand=1)
    customer = CustomerFactory(owner=demo.zhang_wei, address="上海市浦东新区张江路 1 号")
    request = service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Pump leaks 水泵漏水")
    dispatch_assign(
        actor=demo.xu_li, request=request, technician="zhou.jie", day=timezone.localdate(), time="10:30"
    )
    job_accept(actor=demo.zhou_jie, request=request)
    return request, seal, filter_


def test_dispatching_on_the_board_completes_the_dispatch_task(demo, deploy):
    # given a new request waiting on the board
    deploy("service_dispatch")
    customer = CustomerFactory(owner=demo.zhang_wei)
    request = service_request_submit(actor=demo.zhang_wei, customer=customer, subject="Install 安装")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert [w.request for w in dispatch_board(user=demo.xu_li, day=tomorrow).waiting] == [request]

    # when a technician who may not dispatch tries, or the dispatcher names a non-technician
    with pytest.raises(NotPermitted):
        dispatch_assign(actor=demo.zhou_jie, request=request, technician="zhou.jie", day=tomorrow)
    with pytest.raises(ValidationFailed) as error:
        dispatch_assign(actor=demo.xu_li, request=request, technician="xu.li", day=tomorrow)
    assert "technician" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        dispatch_assign(actor=demo.xu_li, request=request, technician="wu.tao", day="2001-01-01")
    assert "day" in error.value.fields
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.OPEN

    # when the dispatcher drops it on wu.tao's day
    dispatch_assign(actor=demo.xu_li, request=request, technician="wu.tao", day=tomorrow, time="14:00")

    # then the process sent the job to wu.tao for that day, and the board shows it in his cell
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DISPATCHED and request.technician == demo.wu_tao
    assert timezone.localtime(request.scheduled_at).date() == tomorrow
    assert inbox(demo.wu_tao) == ["Accept the job 接单"]
    board = dispatch_board(user=demo.xu_li, day=tomorrow)
    assert board.waiting == []
    wu = next(row for row in board.technicians if row.user == demo.wu_tao)
    assert [job for cell in wu.days if cell.day == tomorrow for job in cell.jobs] == [request]
    assert wu.open_jobs == 1
    assert [j.request for j in technician_day(user=demo.wu_tao, day=tomorrow)] == [request]


def test_the_work_record_books_the_parts_and_keeps_the_signature(demo, job):
    request, seal, filter_ = job
    assert [j.request for j in technician_day(user=demo.zhou_jie, day=timezone.localdate())] == [request]
    photo = SimpleUploadedFile("pump.png", PNG, content_type="image/png")

    work_record_submit(
        actor=demo.zhou_jie,
        request=request,
        hours="1.5",
        result="Seal and filter replaced 更换密封圈和滤芯",
        parts=[{"product": "SEAL-01", "quantity": "2"}, {"product": "FILTER-02", "quantity": "1"}],
        photos=[photo],
        signature=SIGNATURE,
    )

    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.DONE
    assert StockLevel.objects.get(product=seal).on_hand == Decimal(8)
    assert StockLevel.objects.get(product=filter_).on_hand == Decimal(0)
    moves = StockMove.objects.filter(kind=StockMove.Kind.OUT, reference=request.code)
    assert sorted(m.product.code for m in moves) == ["FILTER-02", "SEAL-01"]
    assert sorted(FieldPhoto.objects.filter(service_request=request).values_list("kind", flat=True)) == [
        "photo",
        "signature",
    ]
    assert open_task(demo.xu_li, "Record the customer's confirmation 代客户确认")  # the survey follows


def test_a_short_part_is_an_error_on_its_line_and_nothing_is_booked(demo, job):
    request, seal, filter_ = job
    work = HumanTask.objects.get(business_object_id=str(request.pk), element_id="work", status="ready")

    with pytest.raises(ValidationFailed) as error:
        work_record_submit(
            actor=demo.zhou_jie,
            request=request,
            hours="2",
            result="Replaced",
            parts=[{"product": "SEAL-01", "quantity": "2"}, {"product": "FILTER-02", "quantity": "3"}],
            photos=[SimpleUploadedFile("pump.png", PNG, content_type="image/png")],
            signature=SIGNATURE,
        )

    assert list(error.value.fields) == ["parts.1.quantity"]
    assert StockLevel.objects.get(product=seal).on_hand == 10
    assert StockLevel.objects.get(product=filter_).on_hand == 1
    assert not StockMove.objects.filter(kind=StockMove.Kind.OUT).exists()
    assert not FieldPhoto.objects.exists()
    work.refresh_from_db()
    assert work.status == HumanTask.Status.READY

    # and without a signature or a name the customer has not confirmed
    with pytest.raises(ValidationFailed) as error:
        work_record_submit(actor=demo.zhou_jie, request=request, hours="2", result="Replaced")
    assert "confirmed_by" in error.value.fields
