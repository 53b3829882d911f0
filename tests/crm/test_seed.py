import io

from django.contrib.auth import get_user_model

from crm.models import Contact, Customer, Opportunity, Order, Product


def test_demo_seed_is_believable_and_idempotent(db):
    # given the demo organisation
    from crm.seed import seed_demo
    from org.seed import seed_demo as seed_org

    seed_org(io.StringIO())
    # when the CRM seed runs twice
    seed_demo(io.StringIO())
    counts = (
        Customer.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
        Order.objects.count(),
    )
    seed_demo(io.StringIO())
    # then it created a demo book once: customers of every salesperson, some in the pool
    assert (
        Customer.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
        Order.objects.count(),
    ) == counts
    assert counts[0] == 40 and counts[1] >= 40 and counts[2] >= 30 and counts[3] >= 3
    owners = set(Customer.objects.values_list("owner__username", flat=True))
    assert {"zhang.wei", "liu.yang", "yang.lei", "zhao.min", None} <= owners
    assert set(Opportunity.objects.values_list("stage", flat=True)) == set(
        ["potential", "lead", "confirmed", "contract", "receivables", "repeat"]
    )
    assert Product.objects.count() == 6
    # and two past campaigns with their costs, credited with their source's customers and deals, once
    # (and one planned, whose members come from a favourite group: crm.marketing.demo)
    from crm.models import Campaign
    from reports.filters import ReportFilters
    from reports.selectors import campaign_report

    assert Campaign.objects.count() == 3
    admin = get_user_model().objects.get(username="admin")
    report = campaign_report(user=admin, filters=ReportFilters())
    past = [row for row in report["campaigns"] if row["opportunities"]]
    assert len(past) == 2 and all(row["members"] and row["cost"] for row in past)
    assert (
        sum(row["members"] for row in past)
        == Customer.objects.filter(source__code__in=["fair", "web"]).count()
    )


def test_demo_orders_are_approved_by_their_approval_task_not_around_it(db):
    # given the whole demo, processes included, seeded as `seed_demo` does
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from engine.models import HumanTask

    call_command("seed_demo", stdout=io.StringIO())
    approvals = HumanTask.objects.filter(
        business_object_type=ContentType.objects.get_for_model(Order),
        element_id__in=["manager_approval", "finance_approval"],
    )
    ready = approvals.filter(status=HumanTask.Status.READY)
    waiting = set(ready.values_list("business_object_id", flat=True))
    approved = set(
        approvals.filter(status=HumanTask.Status.COMPLETED, element_id="manager_approval").values_list(
            "business_object_id", flat=True
        )
    )
    orders = {str(pk): status for pk, status in Order.objects.values_list("pk", "status")}
    # then no order reads Approved while an approval task still waits for it
    assert not [pk for pk in waiting if orders[pk] == Order.Status.APPROVED]
    # and each approved order had its manager's approval completed through the process
    assert {pk for pk, status in orders.items() if status == Order.Status.APPROVED} <= approved
    assert any(status == Order.Status.APPROVED for status in orders.values())
    # and some still wait for their manager, who has them to approve in her inbox
    assert any(orders[pk] == Order.Status.SUBMITTED for pk in waiting)
    assert HumanTask.objects.inbox(get_user_model().objects.get(username="wang.fang")).filter(
        element_id="manager_approval"
    )
    # and every step of the demo has somebody to do it: no "nobody to assign" incident
    from engine.models import Incident

    assert not Incident.objects.filter(status=Incident.Status.OPEN).values_list("message", flat=True)
