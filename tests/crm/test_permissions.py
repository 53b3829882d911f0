"""Row-level visibility of customers and what hangs off them."""

import pytest

from core.errors import NotPermitted
from crm.models import Contact, Customer
from crm.services.customers import customer_share, customer_update

from .factories import ContactFactory, CustomerFactory


@pytest.fixture
def cards(org):
    return {
        "zhang": CustomerFactory(owner=org.zhang, name="张的客户"),
        "liu": CustomerFactory(owner=org.liu, name="刘的客户"),
        "yang": CustomerFactory(owner=org.yang, name="杨的客户"),
    }


def names(user, action="view"):
    return set(Customer.objects.visible_to(user, action).values_list("name", flat=True))


def test_salesperson_sees_own_only(org, cards):
    assert names(org.zhang) == {"张的客户"}
    assert names(org.yang) == {"杨的客户"}


def test_manager_sees_the_team_through_department_tree(org, cards):
    assert names(org.wang) == {"张的客户", "刘的客户"}


def test_others_and_users_without_permission_see_nothing(org, cards):
    assert names(org.outsider) == set()
    assert names(org.no_perms) == set()


def test_shares_grant_read_or_edit_to_user_group_and_department(org, cards):
    # given zhang shares his card read-only with yang and for editing with department B
    customer_share(actor=org.zhang, customer=cards["zhang"], user=org.yang)
    # then yang sees it but may not edit
    assert "张的客户" in names(org.yang)
    assert "张的客户" not in names(org.yang, "change")
    with pytest.raises(NotPermitted):
        customer_update(actor=org.yang, customer=cards["zhang"], description="x")
    # when it is shared for editing with yang's department (via its parent department)
    customer_share(actor=org.zhang, customer=cards["zhang"], department=org.root, level="edit")
    # then yang may edit, and the outsider (other department) still sees nothing
    customer_update(actor=org.yang, customer=cards["zhang"], description="edited by yang")
    assert names(org.outsider) == set()


def test_group_share_and_no_duplicate_rows(org, cards):
    # given the same card shared twice with liu (user + group)
    customer_share(actor=org.zhang, customer=cards["zhang"], user=org.liu)
    customer_share(actor=org.zhang, customer=cards["zhang"], group=org.sales_group)
    # then the outsider (in the sales group) sees it once, liu sees it once
    assert list(Customer.objects.visible_to(org.outsider).values_list("name", flat=True)) == ["张的客户"]
    assert Customer.objects.visible_to(org.liu).filter(name="张的客户").count() == 1


def test_contacts_follow_their_customer(org, cards):
    ContactFactory(customer=cards["zhang"], name="王经理")
    ContactFactory(customer=cards["yang"], name="李总")
    assert set(Contact.objects.visible_to(org.zhang).values_list("name", flat=True)) == {"王经理"}
    assert set(Contact.objects.visible_to(org.wang).values_list("name", flat=True)) == {"王经理"}
    customer_share(actor=org.yang, customer=cards["yang"], user=org.zhang)
    assert set(Contact.objects.visible_to(org.zhang).values_list("name", flat=True)) == {"王经理", "李总"}


def test_superuser_sees_all(org, cards):
    assert len(names(org.admin)) == 3


def test_nested_group_share_reaches_members_of_sub_groups(org, cards):
    # given a group nested under the one the card is shared with
    from tests.factories import GroupFactory

    parent = GroupFactory(name="t_all_staff")
    org.sales_group.profile.parent = parent
    org.sales_group.profile.save()
    customer_share(actor=org.zhang, customer=cards["zhang"], group=parent)
    # then a member of the sub-group sees the card
    assert "张的客户" in names(org.outsider)


def test_child_rows_follow_their_parent(org, cards):
    from crm.models import OrderLine
    from crm.services.commerce import order_create

    from .factories import ProductFactory

    order_create(
        actor=org.zhang, customer=cards["zhang"], lines=[{"product": ProductFactory(), "quantity": 1}]
    )
    assert OrderLine.objects.visible_to(org.zhang).count() == 1
    assert OrderLine.objects.visible_to(org.wang).count() == 1
    assert OrderLine.objects.visible_to(org.yang).count() == 0


@pytest.mark.parametrize("action", ["view", "change"])
def test_the_rule_split_into_branches_admits_what_visible_to_admits(org, cards, action):
    # given shares that reach yang (read) and department B (edit), and a superuser
    from django.db.models import Q

    from tests.factories import UserFactory

    customer_share(actor=org.zhang, customer=cards["zhang"], user=org.yang)
    customer_share(actor=org.zhang, customer=cards["zhang"], department=org.dept_b, level="edit")
    admin = UserFactory(is_superuser=True)
    for user in (org.zhang, org.wang, org.yang, org.outsider, org.no_perms, admin):
        # when the rule is read as branches (what the customer search runs one by one)
        branches = Customer.objects.visible_branches(user, action)
        by_branches = (
            set(Customer.objects.values_list("name", flat=True))
            if branches is None
            else {n for b in branches for n in Customer.objects.filter(b).values_list("name", flat=True)}
        )
        # then together they admit exactly the rows visible_to admits
        assert by_branches == names(user, action), user
        assert branches is None or all(isinstance(b, Q) for b in branches)
