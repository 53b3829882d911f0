"""Administration > Organisation: the tree refuses loops where the person sees them, the
permission matrix is saved at once and audited with its diff, invitations carry a working
set-password link, and the explainer says what a person can see and why."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from org.access import explain_user
from org.models import Department, Employee
from org.permissions import RowScope
from org.services import department_create, group_matrix_save, user_invite, user_set_active
from tests.factories import EmployeeFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(client):
    user = UserFactory(username="hr.admin", perms=["org.manage_org"])
    client.force_login(user)
    return user


def test_moving_a_department_under_its_sub_department_comes_back_on_the_parent_field(client, hr):
    # given HQ > Sales > East
    hq = department_create(actor=hr, code="HQ", name="HQ")
    sales = department_create(actor=hr, code="SALES", name="Sales", parent=hq)
    east = department_create(actor=hr, code="EAST", name="East", parent=sales)
    # when HR drops Sales onto East
    response = client.post(reverse("manage:department_move", args=[sales.pk]), {"parent": east.pk})
    # then the edit page says why on "parent department", and nothing moved
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="parent"' in html and "cannot be placed under itself" in html
    assert Department.objects.get(pk=sales.pk).parent_id == hq.pk
    # and a legal move is saved and audited with the diff
    response = client.post(reverse("manage:department_move", args=[east.pk]), {"parent": hq.pk})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(object_type="org.department", action="change").get()
    assert event.changes == {"parent_id": [sales.pk, hq.pk]} and event.actor == hr
    # and the section's audit page reads it with names, not ids
    html = client.get(reverse("manage:audit", args=["org"])).content.decode()
    assert "<del>Sales</del> → <ins>HQ</ins>" in html


def test_the_matrix_is_saved_in_one_go_and_audited_with_its_diff(hr):
    # given a role granting customers view, and a permission outside the matrix
    role = GroupFactory(name="key_accounts", perms=["crm.view_customer", "crm.view_customerlevel"])
    # when HR ticks customers change + export and orders view, unticks nothing else, scope department
    group_matrix_save(
        actor=hr,
        group=role,
        grants={
            ("crm.customer", "view"),
            ("crm.customer", "change"),
            ("crm.customer", "export"),
            ("crm.order", "view"),
        },
        row_scope=RowScope.DEPARTMENT,
    )
    # then the role grants exactly that (the permission outside the matrix kept)
    granted = set(role.permissions.values_list("codename", flat=True))
    assert granted == {
        "view_customer",
        "change_customer",
        "export_customer",
        "view_order",
        "view_customerlevel",
    }
    assert role.profile.__class__.objects.get(group=role).row_scope == RowScope.DEPARTMENT
    # and the audit log has the before/after of the permissions and of the scope
    permission_event = AuditEvent.objects.get(action="permission", object_id=str(role.pk))
    before, after = permission_event.changes["permissions"]
    assert "crm.change_customer" in after and "crm.change_customer" not in before
    assert AuditEvent.objects.filter(
        object_type="org.groupprofile", changes__row_scope=["own", "department"]
    ).exists()


def test_a_matrix_with_an_unknown_permission_saves_nothing(hr):
    role = GroupFactory(name="r", perms=["crm.view_customer"])
    with pytest.raises(Exception) as error:
        group_matrix_save(actor=hr, group=role, grants={("crm.customer", "fly")}, row_scope=RowScope.ALL)
    assert "grants" in error.value.fields
    assert set(role.permissions.values_list("codename", flat=True)) == {"view_customer"}


def test_without_the_section_permission_the_matrix_cannot_be_saved():
    clerk = UserFactory(perms=["org.view_department"])
    role = GroupFactory(name="r2")
    with pytest.raises(Exception) as error:
        group_matrix_save(actor=clerk, group=role, grants=set(), row_scope=RowScope.ALL)
    assert error.type.__name__ == "NotPermitted"


def test_an_invited_person_chooses_a_password_through_the_mailed_link(
    client, hr, settings, django_capture_on_commit_callbacks
):
    department = Department.objects.create(code="SVC", name="Service")
    with django_capture_on_commit_callbacks(execute=True):
        person = user_invite(
            actor=hr,
            username="new.person",
            display_name="新人 New Person",
            email="new@example.com",
            department=department,
            employee_code="E900",
        )
    assert not person.has_usable_password()
    assert Employee.objects.get(user=person).department == department
    link = re.search(r"https?://[^/\s]+(/accounts/set-password/\S+)", mail.outbox[0].body).group(1)
    assert mail.outbox[0].body.count(settings.PUBLIC_BASE_URL) == 1  # never the request's host
    client.logout()
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Ziyou-2026-Hai", "new_password2": "Ziyou-2026-Hai"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Ziyou-2026-Hai")


def test_a_deactivated_account_cannot_sign_in_and_nobody_switches_themselves_off(client, hr):
    person = UserFactory(username="leaver")
    user_set_active(actor=hr, user=person, active=False)
    client.logout()
    response = client.post(
        reverse("login"), {"username": "leaver", "password": "correct horse battery staple"}
    )
    assert response.status_code == 200  # the form again, not a redirect into the app
    with pytest.raises(Exception) as error:
        user_set_active(actor=hr, user=hr, active=False)
    assert "is_active" in error.value.fields


def test_the_explainer_names_the_group_the_scope_and_the_rows_admitted():
    from crm.models import Customer

    # given a salesperson in a nested team that grants customer view/change, scope own
    parent = GroupFactory(name="sales_x", perms=["crm.view_customer", "crm.change_customer"])
    GroupProfileParent = GroupFactory(name="sales_x_east", profile__parent=parent)
    seller = EmployeeFactory().user
    other = EmployeeFactory().user
    seller.groups.add(GroupProfileParent)
    Customer.objects.create(name="上海明远", owner=seller, code="C1")
    Customer.objects.create(name="北京华泰", owner=other, code="C2")
    # when HR asks what the seller can see
    explanation = explain_user(seller)
    customers = next(e for e in explanation.entities if e.name == "Customers")
    orders = next(e for e in explanation.entities if e.name == "Orders")
    # then: view and change through the parent group, own records only: 1 customer
    assert dict(customers.operations) == {"view": ["sales_x"], "change": ["sales_x"]}
    assert explanation.row_scope == RowScope.OWN
    assert customers.rows_admitted == 1
    assert orders.operations == [] and orders.rows_admitted is None


@pytest.mark.parametrize(
    ("url_name", "args"),
    [
        ("manage:departments", []),
        ("manage:employees", []),
        ("manage:groups", []),
        ("manage:users", []),
        ("manage:access", []),
        ("manage:notices", []),
        ("manage:webhooks", []),
    ],
)
def test_each_section_is_403_without_its_permission(client, url_name, args):
    # a colleague holding the other sections' permissions, not this one
    section_perm = {
        "manage:notices": "office.manage_notices",
        "manage:webhooks": "integrations.manage_webhooks",
    }.get(url_name, "org.manage_org")
    others = [
        p
        for p in ("org.manage_org", "office.manage_notices", "integrations.manage_webhooks")
        if p != section_perm
    ]
    client.force_login(UserFactory(perms=others))
    assert client.get(reverse(url_name, args=args)).status_code == 403
    client.force_login(UserFactory(perms=[section_perm]))
    assert client.get(reverse(url_name, args=args)).status_code == 200


def test_hr_sees_the_org_audit_filtered_by_what(client, hr):
    department_create(actor=hr, code="QA", name="质量部 Quality")
    group = Group.objects.create(name="g")
    response = client.get(reverse("manage:audit", args=["org"]), {"what": "org.department", "who": "hr"})
    html = response.content.decode()
    assert response.status_code == 200 and "质量部 Quality" in html
    assert client.get(reverse("manage:audit", args=["org"]), {"from": "yesterday"}).status_code == 400
    assert group.pk


def test_junk_in_the_administration_forms_is_never_a_server_error(client):
    client.force_login(
        UserFactory(perms=["org.manage_org", "office.manage_notices", "integrations.manage_webhooks"])
    )
    department = Department.objects.create(code="X", name="X")
    posts = [
        (reverse("manage:department_move", args=[department.pk]), {"parent": "abc"}),
        (reverse("manage:department", args=[department.pk]), {"name": "", "code": "X", "head": "999999"}),
        (reverse("manage:employees"), {}),
        (reverse("manage:positions"), {"position": "zz", "code": "", "name": ""}),
        (reverse("manage:groups"), {"name": "", "kind": "nonsense", "parent": "x"}),
        (reverse("manage:user_invite"), {"username": "a b", "email": "x", "hire_date": "31/31/2026"}),
        (reverse("manage:notice_new"), {"title": "t", "body": "b", "kind": "memo", "meeting_on": "soon"}),
        (reverse("manage:webhook_new"), {"name": "n", "url": "ftp://x", "events": ["nope"]}),
        (reverse("api_tokens"), {"action": "revoke", "token": "abc"}),
        (reverse("api_tokens"), {"action": "issue", "user": "abc", "name": "t"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (200, 302, 400, 404), url


def test_nesting_a_group_inside_its_own_sub_group_is_refused_on_the_parent_field(client, hr):
    outer = GroupFactory(name="outer")
    inner = GroupFactory(name="inner", profile__parent=outer)
    response = client.post(
        reverse("manage:group", args=[outer.pk]),
        {"action": "rename", "display_name": "外层", "parent": inner.pk},
    )
    assert response.status_code == 400
    assert "nested inside itself" in response.content.decode()
    outer.profile.refresh_from_db()
    assert (outer.profile.parent_id, outer.profile.display_name) == (None, "")  # nothing saved


def test_the_people_lists_cost_the_same_queries_for_2_or_12_people(client, hr):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    manager = EmployeeFactory()
    EmployeeFactory(manager=manager)
    few = {url: queries(url) for url in (reverse("manage:employees"), reverse("manage:users"))}
    for _ in range(10):
        EmployeeFactory(manager=manager, department=manager.department)
    many = {url: queries(url) for url in few}
    assert many == few
