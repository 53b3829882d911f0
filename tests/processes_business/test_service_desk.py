"""The service desk on the shipped complaint and service-dispatch processes: replies reach the
portal and internal comments do not; merging a duplicate moves its messages, closes it with a link
and stops its process; consultations become an opportunity, a lead or a service request."""

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import Conflict, ValidationFailed
from crm.models import CaseMessage, Complaint, Consultation, Lead, ServiceRequest
from crm.service.selectors import case_timeline
from crm.service.services import (
    case_merge,
    case_message_add,
    consultation_create,
    consultation_to_lead,
    consultation_to_opportunity,
    consultation_to_service_request,
    consultation_update,
)
from crm.services.service import complaint_submit
from engine.models import HumanTask, ProcessInstance
from engine.services import complete_task
from portal import selectors as portal
from portal.models import PortalAccount
from portal.services import portal_question_ask
from tests.crm.factories import CustomerFactory
from tests.factories import UserFactory

from .conftest import complete, instance_for

TRIAGE = "Triage 分派"
TRIAGED = {"category": "product", "department": "SERVICE", "handler": "xu.li", "severity": "high"}


@pytest.fixture
def customer(demo, deploy):
    deploy("complaint")
    deploy("service_dispatch")
    return CustomerFactory(owner=demo.zhang_wei, portal_enabled=True, address="上海市浦东新区 1 号")


@pytest.fixture
def account(customer):
    user = UserFactory(username="wang@mingyuan.example")
    return PortalAccount.objects.create(user=user, customer=customer, activated_at=timezone.now())


def submit(demo, customer, subject="出水量下降"):
    return complaint_submit(actor=demo.zhang_wei, customer=customer, subject=subject, channel="phone")


def test_a_reply_reaches_the_portal_and_an_internal_comment_does_not(demo, customer, account):
    # given a phoned-in complaint, triaged to xu.li
    complaint = submit(demo, customer)
    complete(demo.huang_qiang, TRIAGE, TRIAGED)
    # when the service manager replies from the record and the handler leaves an internal note
    case_message_add(actor=demo.huang_qiang, case=complaint, text="明天上午上门检查")
    case_message_add(actor=demo.xu_li, case=complaint, text="疑似膜污堵", internal=True)
    # then the customer reads the reply in the portal's history, not the note, nor staff names
    seen = portal.history(account, complaint)
    assert [i.comment for i in seen if i.comment] == ["明天上午上门检查"]
    assert all("徐丽" not in i.author and "黄强" not in i.author for i in seen)
    # and staff read both on the timeline, with the process steps
    timeline = case_timeline(complaint)
    assert [(i.kind, i.text) for i in timeline if i.kind in ("reply", "internal")] == [
        ("reply", "明天上午上门检查"),
        ("internal", "疑似膜污堵"),
    ]
    assert any(i.kind == "step" and "Triage" in i.text for i in timeline)


def test_an_empty_reply_is_a_located_error_and_saves_nothing(demo, customer):
    complaint = submit(demo, customer)
    with pytest.raises(ValidationFailed) as error:
        case_message_add(actor=demo.huang_qiang, case=complaint, text="   ")
    assert "text" in error.value.fields
    assert not CaseMessage.objects.exists()


def test_merging_a_duplicate_moves_its_messages_closes_it_and_stops_its_process(demo, customer):
    # given two complaints of one customer about the same thing, the second with a reply
    keep, duplicate = submit(demo, customer), submit(demo, customer, "出水量不足，请尽快处理")
    triage = HumanTask.objects.get(business_object_id=str(keep.pk), element_id="triage")
    complete_task(triage.pk, user=demo.huang_qiang, data=TRIAGED)
    case_message_add(actor=demo.huang_qiang, case=duplicate, text="已收到")
    running = instance_for(duplicate)
    # when the service manager merges the second into the first
    case_merge(actor=demo.huang_qiang, keep=keep, duplicate=duplicate, note="同一台设备")
    # then the duplicate is closed with a link, its process cancelled, its messages moved
    duplicate.refresh_from_db()
    running.refresh_from_db()
    assert duplicate.status == Complaint.Status.CLOSED and duplicate.duplicate_of == keep
    assert duplicate.handler == demo.xu_li  # filed with the case that absorbed it
    assert keep.code in duplicate.resolution
    assert running.status == ProcessInstance.Status.CANCELLED
    assert instance_for(keep).status == ProcessInstance.Status.RUNNING
    assert list(keep.messages.filter(kind="reply").values_list("text", flat=True)) == ["已收到"]
    assert any(i.kind == "merged" for i in case_timeline(keep))
    # and both records carry an audit row of the merge
    audited = set(
        AuditEvent.objects.filter(actor=demo.huang_qiang, object_type="crm.complaint").values_list(
            "object_id", flat=True
        )
    )
    assert {str(keep.pk), str(duplicate.pk)} <= audited
    # a record already merged cannot be merged again
    with pytest.raises(ValidationFailed) as error:
        case_merge(actor=demo.huang_qiang, keep=keep, duplicate=duplicate)
    assert "duplicate" in error.value.fields


def test_complaints_of_different_customers_are_not_merged(demo, customer):
    other = CustomerFactory(owner=demo.zhang_wei)
    keep, stranger = submit(demo, customer), submit(demo, other)
    with pytest.raises(ValidationFailed) as error:
        case_merge(actor=demo.huang_qiang, keep=keep, duplicate=stranger)
    assert "duplicate" in error.value.fields
    stranger.refresh_from_db()
    assert stranger.duplicate_of is None and instance_for(stranger).status == ProcessInstance.Status.RUNNING


def test_a_pre_sale_consultation_becomes_an_opportunity_of_the_customers_manager(demo, customer):
    asked = consultation_create(
        actor=demo.xu_li,
        kind="pre_sale",
        channel="phone",
        customer=customer,
        question="两台 BT-100 并联可以吗?",
        answer="可以",
    )
    assert asked.status == Consultation.Status.ANSWERED
    opportunity = consultation_to_opportunity(actor=demo.zhang_wei, consultation=asked)
    asked.refresh_from_db()
    assert asked.status == Consultation.Status.CONVERTED and asked.opportunity == opportunity
    assert opportunity.customer == customer and opportunity.owner == demo.zhang_wei
    assert list(opportunity.consultations.all()) == [asked]
    with pytest.raises(Conflict):
        consultation_to_lead(actor=demo.zhang_wei, consultation=asked)


def test_a_prospects_question_becomes_a_lead_and_an_after_sale_one_a_service_request(demo, customer):
    prospect = consultation_create(
        actor=demo.xu_li,
        kind="pre_sale",
        prospect_name="宁德新能 周工",
        prospect_phone="0593-2888 6611",
        question="维保报价?",
    )
    lead = consultation_to_lead(actor=demo.xu_li, consultation=prospect)
    assert (lead.company_name, lead.phone) == ("宁德新能 周工", "0593-2888 6611")
    assert "维保报价?" in lead.description
    assert Lead.objects.get(pk=lead.pk).consultations.get() == prospect

    after = consultation_create(
        actor=demo.xu_li, kind="after_sale", customer=customer, question="传感器读数漂移\n上周开始"
    )
    with pytest.raises(Conflict):
        consultation_to_lead(actor=demo.xu_li, consultation=after)
    request = consultation_to_service_request(actor=demo.xu_li, consultation=after)
    assert request.subject == "传感器读数漂移" and request.customer == customer
    assert request.address == customer.address
    assert ServiceRequest.objects.get(pk=request.pk).consultations.get() == after
    assert instance_for(request).status == ProcessInstance.Status.RUNNING  # dispatch started


def test_a_question_asked_in_the_portal_is_answered_by_the_desk_and_read_back(demo, customer, account):
    asked = portal_question_ask(account=account, question="能否接入 MES?")
    assert asked.handled_by is None and asked.channel == "portal"
    # the desk sees it in its (unassigned) queue and answers it
    assert Consultation.objects.visible_to(demo.xu_li).filter(pk=asked.pk).exists()
    consultation_update(actor=demo.xu_li, consultation=asked, answer="支持 OPC UA 接口")
    [read] = portal.consultations(account)
    assert read.answer == "支持 OPC UA 接口" and read.status == Consultation.Status.ANSWERED
    with pytest.raises(ValidationFailed) as error:
        portal_question_ask(account=account, question="")
    assert "question" in error.value.fields
