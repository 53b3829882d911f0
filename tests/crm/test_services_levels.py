import pytest

from core.errors import Conflict, NotPermitted, ValidationFailed
from crm.models import CustomerChange, LevelChangeRequest
from crm.selectors.customers import customer_stats_by_level
from crm.services.levels import customer_level_change_request, customer_level_decide, customer_level_set
from crm.signals import business_event

from .factories import CustomerFactory, CustomerLevelFactory


@pytest.fixture
def levels(db):
    return {
        code: CustomerLevelFactory(code=code, name=f"{code}级客户", sort_order=i)
        for i, code in enumerate(["A", "B", "C"])
    }


def test_request_starts_the_process_and_approval_applies_the_level(org, levels):
    # given a C customer and a receiver standing in for the process start binding
    customer = CustomerFactory(owner=org.zhang, level=levels["C"])
    events = []

    def receiver(sender, name, obj, actor, data, **kwargs):
        events.append((name, data["to_level"], data["owner"]))

    business_event.connect(receiver)
    try:
        # when the salesperson asks for level A
        request = customer_level_change_request(
            actor=org.zhang, customer=customer, to_level=levels["A"], reason="signed a framework deal"
        )
    finally:
        business_event.disconnect(receiver)
    # then the process is asked to start, and the level is unchanged until approved
    assert events == [("customer.level_change_requested", "A", "t.zhang")]
    customer.refresh_from_db()
    assert customer.level == levels["C"]
    # when the manager approves
    customer_level_decide(actor=org.wang, request=request, approved=True, note="ok")
    # then the level changes with a history row
    customer.refresh_from_db()
    assert customer.level == levels["A"]
    change = CustomerChange.objects.get(customer=customer, kind="level")
    assert (change.old_value, change.new_value, change.changed_by) == ("C级客户", "A级客户", org.wang)


def test_a_second_pending_request_and_self_approval_are_refused(org, levels):
    customer = CustomerFactory(owner=org.zhang, level=levels["C"])
    request = customer_level_change_request(actor=org.zhang, customer=customer, to_level=levels["B"])
    with pytest.raises(Conflict):
        customer_level_change_request(actor=org.zhang, customer=customer, to_level=levels["A"])
    with pytest.raises(NotPermitted):
        customer_level_decide(actor=org.zhang, request=request, approved=True)
    customer_level_decide(actor=org.wang, request=request, approved=False, note="not yet")
    assert LevelChangeRequest.objects.get().status == "rejected"
    with pytest.raises(Conflict):
        customer_level_decide(actor=org.wang, request=request, approved=True)


def test_same_level_request_is_invalid(org, levels):
    customer = CustomerFactory(owner=org.zhang, level=levels["C"])
    with pytest.raises(ValidationFailed):
        customer_level_change_request(actor=org.zhang, customer=customer, to_level=levels["C"])


def test_only_an_administrator_sets_a_level_directly(org, levels):
    customer = CustomerFactory(owner=org.zhang)
    with pytest.raises(NotPermitted):
        customer_level_set(actor=org.zhang, customer=customer, level=levels["A"])
    customer_level_set(actor=org.admin, customer=customer, level=levels["A"])
    customer.refresh_from_db()
    assert customer.level == levels["A"]


def test_statistics_by_level_cover_visible_customers(org, levels):
    CustomerFactory(owner=org.zhang, level=levels["A"], annual_revenue=100)
    CustomerFactory(owner=org.liu, level=levels["A"], annual_revenue=50)
    CustomerFactory(owner=org.liu)
    CustomerFactory(owner=org.yang, level=levels["B"])
    stats = customer_stats_by_level(user=org.wang)
    assert [(r["level"], r["customers"], r["annual_revenue"]) for r in stats] == [
        ("A", 2, 150),
        ("B", 0, 0),
        ("C", 0, 0),
        (None, 1, 0),
    ]
