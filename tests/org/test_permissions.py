"""visible_to(user, action): entity permission first, then the row rule (own, department, shared)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from org.permissions import RowScope
from tests.factories import DepartmentFactory, EmployeeFactory, GroupFactory, UserFactory
from tests.testapp.models import Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    sales = DepartmentFactory(code="SALES")
    east = DepartmentFactory(code="EAST", parent=sales)
    north = DepartmentFactory(code="NORTH", parent=sales)
    reps = GroupFactory(name="reps", perms=["testapp.view_note", "testapp.change_note"])
    managers = GroupFactory(
        name="managers", profile__parent=reps, profile__row_scope=RowScope.DEPARTMENT_TREE
    )
    auditors = GroupFactory(name="auditors", perms=["testapp.view_note"], profile__row_scope=RowScope.ALL)
    director = EmployeeFactory(department=sales)
    east_rep = EmployeeFactory(department=east)
    east_rep2 = EmployeeFactory(department=east)
    north_rep = EmployeeFactory(department=north)
    for e in (east_rep, east_rep2, north_rep):
        e.user.groups.add(reps)
    director.user.groups.add(managers)
    sales.head = director.user
    sales.save()
    notes = {
        name: Note.objects.create(title=name, owner=e.user)
        for name, e in [
            ("east1", east_rep),
            ("east2", east_rep2),
            ("north", north_rep),
            ("director", director),
        ]
    }
    return {
        "director": director.user,
        "east_rep": east_rep.user,
        "east_rep2": east_rep2.user,
        "north_rep": north_rep.user,
        "notes": notes,
        "auditors": auditors,
    }


def titles(qs):
    return sorted(qs.values_list("title", flat=True))


def test_a_user_without_the_view_permission_sees_nothing(org):
    outsider = EmployeeFactory().user
    assert titles(Note.objects.visible_to(outsider, "view")) == []
    assert titles(Note.objects.visible_to(AnonymousUser(), "view")) == []


def test_a_salesperson_sees_own_records_and_those_shared_with_them(org):
    org["notes"]["north"].shared_with.add(org["east_rep"], org["east_rep2"], org["director"])
    assert titles(Note.objects.visible_to(org["east_rep"], "view")) == ["east1", "north"]
    # sharing grants reading only, not editing
    assert titles(Note.objects.visible_to(org["east_rep"], "change")) == ["east1"]


def test_a_permission_the_user_lacks_gives_nothing_even_for_own_rows(org):
    assert titles(Note.objects.visible_to(org["east_rep"], "delete")) == []


def test_a_manager_with_department_tree_scope_sees_the_whole_team(org):
    assert titles(Note.objects.visible_to(org["director"], "view")) == ["director", "east1", "east2", "north"]


def test_department_scope_covers_colleagues_but_not_other_teams(org):
    GroupFactory(name="east_leads", profile__row_scope=RowScope.DEPARTMENT).user_set.add(org["east_rep"])
    assert titles(Note.objects.visible_to(org["east_rep"], "view")) == ["east1", "east2"]


def test_an_all_scope_role_sees_every_row(org):
    auditor = UserFactory()
    auditor.groups.add(org["auditors"])
    assert titles(Note.objects.visible_to(auditor, "view")) == ["director", "east1", "east2", "north"]
    assert titles(Note.objects.visible_to(auditor, "change")) == []


def test_superuser_sees_everything_and_inactive_users_nothing(org):
    admin = UserFactory(is_superuser=True)
    assert len(titles(Note.objects.visible_to(admin, "delete"))) == 4
    org["east_rep"].is_active = False
    org["east_rep"].save()
    assert titles(Note.objects.visible_to(org["east_rep"], "view")) == []


def test_unknown_actions_are_a_programming_error(org):
    with pytest.raises(ValueError, match="unknown action"):
        Note.objects.visible_to(org["east_rep"], "destroy")
