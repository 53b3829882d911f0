from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import NotFound
from crm.models import Activity
from crm.selectors.customers import customer_card

from .factories import ContactFactory, CustomerFactory, OpportunityFactory


def test_card_tabs_in_a_constant_number_of_queries(org):
    # given a card with one of each, and one with many
    small, big = CustomerFactory(owner=org.zhang), CustomerFactory(owner=org.zhang)
    for customer, n in ((small, 1), (big, 6)):
        for i in range(n):
            contact = ContactFactory(customer=customer, department=f"部门{i % 2}")
            Activity.objects.create(
                customer=customer,
                contact=contact,
                subject="call",
                occurred_at=timezone.now(),
                owner=org.zhang,
            )
            OpportunityFactory(customer=customer, owner=org.zhang)

    def queries(customer):
        with CaptureQueriesContext(connection) as ctx:
            card = customer_card(user=org.zhang, pk=customer.pk)
            [str(a.contact) + str(a.owner) for a in card["activities"]]
            [str(c.superior) for group in card["contacts_by_department"].values() for c in group]
        return len(ctx.captured_queries), card

    queries(small)  # warm the permission cache
    few, _ = queries(small)
    many, card = queries(big)
    # then the card costs the same whatever it holds, and shows contacts by department
    assert few == many
    assert sorted(card["contacts_by_department"]) == ["部门0", "部门1"]


def test_card_of_someone_elses_customer_is_not_found(org):
    import pytest

    with pytest.raises(NotFound):
        customer_card(user=org.yang, pk=CustomerFactory(owner=org.zhang).pk)
