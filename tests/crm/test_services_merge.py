import pytest
from django.utils import timezone

from core.errors import NotPermitted, ValidationFailed
from crm.models import (
    Activity,
    ContactEmployment,
    Customer,
    CustomerChange,
    CustomerMerge,
    CustomerShare,
    FavouriteItem,
    FavouriteList,
    Opportunity,
)
from crm.services.customers import contact_create, customer_share
from crm.services.merge import customer_merge

from .factories import CustomerFactory, OpportunityFactory


@pytest.fixture
def pair(org):
    keep = CustomerFactory(
        owner=org.zhang, name="华远电子有限公司", phone="", email="a@huayuan.cn", annual_revenue=100
    )
    remove = CustomerFactory(
        owner=org.zhang,
        name="华远电子股份有限公司",
        phone="0571-8888 1234",
        email="b@huayuan.cn",
        annual_revenue=900,
    )
    return keep, remove


def test_merge_moves_every_related_record_and_keeps_provenance(org, pair):
    keep, remove = pair
    # given records on the card to be removed
    contact = contact_create(actor=org.zhang, customer=remove, name="钱经理")
    opp = OpportunityFactory(customer=remove, owner=org.zhang)
    Activity.objects.create(customer=remove, subject="visit", occurred_at=timezone.now(), owner=org.zhang)
    favourites = FavouriteList.objects.create(name="VIP", owner=org.zhang)
    FavouriteItem.objects.create(favourite_list=favourites, customer=remove)
    FavouriteItem.objects.create(favourite_list=favourites, customer=keep)
    customer_share(actor=org.zhang, customer=remove, user=org.yang, level="edit")
    removed_pk, removed_code = remove.pk, remove.code
    # when the manager merges, taking the removed card's revenue
    merged = customer_merge(actor=org.wang, keep=keep, remove=remove, choices={"annual_revenue": "remove"})
    # then the kept card has everything, the other card is gone
    assert not Customer.objects.filter(pk=removed_pk).exists()
    assert merged.annual_revenue == 900 and merged.email == "a@huayuan.cn"
    assert merged.phone == "0571-8888 1234"  # empty on the kept card: filled from the removed one
    assert merged.phone_digits == "57188881234"
    contact.refresh_from_db()
    opp.refresh_from_db()
    assert contact.customer == merged and opp.customer == merged
    assert Activity.objects.get().customer == merged
    assert ContactEmployment.objects.get(contact=contact).customer == merged
    assert FavouriteItem.objects.filter(favourite_list=favourites).count() == 1
    assert CustomerShare.objects.get(customer=merged).user == org.yang
    # and the merge is on record: what came from where
    record = CustomerMerge.objects.get(kept=merged)
    assert record.removed_code == removed_code
    assert record.removed_snapshot["annual_revenue"] == "900.00"
    assert record.choices == {"annual_revenue": "remove", "phone": "remove"}
    assert record.moved["crm.contact.customer"] == [contact.pk]
    assert record.moved["crm.opportunity.customer"] == [opp.pk]
    history = CustomerChange.objects.filter(customer=merged, kind="merge")
    assert {c.field for c in history} == {"annual_revenue", "phone", "merge"}


def test_merge_with_itself_is_refused(org, pair):
    keep, _remove = pair
    with pytest.raises(ValidationFailed) as error:
        customer_merge(actor=org.wang, keep=keep, remove=keep)
    assert "remove" in error.value.fields


def test_merge_rejects_unknown_choices_and_changes_nothing(org, pair):
    keep, remove = pair
    with pytest.raises(ValidationFailed) as error:
        customer_merge(actor=org.wang, keep=keep, remove=remove, choices={"code": "remove", "name": "both"})
    assert set(error.value.fields) == {"code", "name"}
    assert Customer.objects.count() == 2


def test_merge_needs_delete_rights_on_the_removed_card(org, pair):
    keep, remove = pair
    OpportunityFactory(customer=remove, owner=org.zhang)
    with pytest.raises(NotPermitted):
        customer_merge(actor=org.zhang, keep=keep, remove=remove)
    assert Customer.objects.count() == 2 and Opportunity.objects.get().customer == remove
