import pytest

from core.errors import NotPermitted, ValidationFailed
from crm.marketing.selectors import campaign_roi, expense_totals_by_category
from crm.marketing.services import (
    campaign_add_cost,
    campaign_add_members,
    campaign_add_task,
    campaign_create,
    competitor_create,
    expense_category_create,
    expense_category_move,
    expense_create,
    favourite_add,
    favourite_list_create,
)
from crm.models import Complaint, FavouriteList, ServiceRecord
from crm.sales.services import opportunity_close, opportunity_create
from crm.services.service import complaint_submit, service_record_create, service_request_submit
from crm.signals import business_event

from .factories import ContactFactory, CustomerFactory


def test_favourites_hold_visible_customers_and_contacts_once(org):
    mine, theirs = CustomerFactory(owner=org.zhang), CustomerFactory(owner=org.yang)
    contact = ContactFactory(customer=mine)
    favourites = favourite_list_create(actor=org.zhang, name="春节问候", shared_with=org.sales_group)
    assert (
        favourite_add(actor=org.zhang, favourite_list=favourites, customers=[mine], contacts=[contact]) == 2
    )
    assert favourite_add(actor=org.zhang, favourite_list=favourites, customers=[mine]) == 0
    with pytest.raises(NotPermitted):
        favourite_add(actor=org.zhang, favourite_list=favourites, customers=[theirs])
    # shared with the group: colleagues see the list, cannot change it
    assert FavouriteList.objects.visible_to(org.yang).get() == favourites
    assert not FavouriteList.objects.visible_to(org.yang, "change").exists()


def test_campaign_members_tasks_costs_and_roi(org):
    campaign = campaign_create(actor=org.zhang, name="2026 环保展", budget=20000)
    customer = CustomerFactory(owner=org.zhang)
    assert campaign_add_members(actor=org.zhang, campaign=campaign, customers=[customer]) == 1
    campaign_add_task(actor=org.zhang, campaign=campaign, title="布展", assignee=org.liu)
    campaign_add_cost(actor=org.zhang, campaign=campaign, item="展位", amount=10000)
    opp = opportunity_create(actor=org.zhang, customer=customer, name="deal", amount=50000, campaign=campaign)
    opportunity_close(actor=org.zhang, opportunity=opp, won=True, reason="met at the fair")
    roi = campaign_roi(campaign=campaign)
    assert (roi["cost"], roi["won_revenue"], roi["roi"]) == (10000, 50000, 4.0)
    with pytest.raises(ValidationFailed):
        campaign_add_cost(actor=org.zhang, campaign=campaign, item="", amount=-1)


def test_expense_tree_totals_and_no_cycles(org):
    travel = expense_category_create(actor=org.admin, name="差旅费")
    hotel = expense_category_create(actor=org.admin, name="住宿", parent=travel)
    taxi = expense_category_create(actor=org.admin, name="交通", parent=travel)
    expense_create(actor=org.zhang, category=hotel, amount="480", spent_on="2026-03-01")
    expense_create(actor=org.zhang, category=taxi, amount="35.5", spent_on="2026-03-01")
    totals = {row["name"]: row["total"] for row in expense_totals_by_category(user=org.zhang)}
    assert totals["差旅费"] == 515.5 and totals["住宿"] == 480
    with pytest.raises(ValidationFailed):
        expense_category_move(actor=org.admin, category=travel, parent=hotel)
    with pytest.raises(ValidationFailed):
        expense_create(actor=org.zhang, category=hotel, amount="x", spent_on="")


def test_service_records_complaints_and_requests_are_records_with_events(org):
    customer = CustomerFactory(owner=org.zhang)
    events = []
    receiver = lambda sender, name, **kw: events.append(name)  # noqa: E731
    business_event.connect(receiver, weak=False, dispatch_uid="t-svc")
    try:
        service_record_create(actor=org.zhang, customer=customer, subject="咨询滤芯更换", channel="online")
        complaint = complaint_submit(actor=org.zhang, customer=customer, subject="安装延误", severity="high")
        service_request_submit(actor=org.zhang, customer=customer, subject="上门维修", kind="repair")
    finally:
        business_event.disconnect(dispatch_uid="t-svc")
    assert events == ["complaint.submitted", "service_request.submitted"]
    assert complaint.code.startswith("TS") and ServiceRecord.objects.get().channel == "online"
    with pytest.raises(ValidationFailed):
        complaint_submit(actor=org.zhang, customer=customer, subject="", severity="apocalyptic")
    assert Complaint.objects.count() == 1


def test_competitor_and_partner(org):
    competitor_create(actor=org.admin, name="友商B", kind="competitor", strengths="price")
    competitor_create(actor=org.admin, name="渠道商C", kind="partner")
    with pytest.raises(ValidationFailed):
        competitor_create(actor=org.admin, name="友商B", kind="enemy")
