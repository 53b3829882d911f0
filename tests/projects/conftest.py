"""A small project world: Owner Qian runs "Launch" with Sun (manager), Li (member), Zhou (observer);
Wu is outside the project; Admin holds projects.manage_projects."""

import datetime

import pytest

from projects import services
from projects.models import ProjectMember
from tests.factories import UserFactory


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.owner = UserFactory(username="qian", display_name="Qian Hao")
    w.manager = UserFactory(username="sun", display_name="Sun Mei")
    w.member = UserFactory(username="li", display_name="Li Na")
    w.observer = UserFactory(username="zhou", display_name="Zhou Yu")
    w.outsider = UserFactory(username="wu", display_name="Wu Lei")
    w.admin = UserFactory(username="padmin", display_name="Project Admin", perms=["projects.manage_projects"])
    for u in (w.owner, w.manager, w.member, w.observer, w.outsider, w.admin):
        u.is_staff = True
        u.save()
    w.today = datetime.date.today()
    w.project = services.project_create(
        actor=w.owner,
        name="Launch",
        goal="Ship the new model",
        starts_on=w.today,
        ends_on=w.today + datetime.timedelta(days=30),
        members=[
            (w.manager, ProjectMember.Role.MANAGER),
            (w.member, ProjectMember.Role.MEMBER),
            (w.observer, ProjectMember.Role.OBSERVER),
        ],
    )
    return w


def days(n: int) -> datetime.date:
    return datetime.date.today() + datetime.timedelta(days=n)
