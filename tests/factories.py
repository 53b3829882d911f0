"""factory_boy factories for the org chart, shared by every app's tests.

Apps add their own factories in tests/<app>/factories.py.
"""

import factory
from django.contrib.auth.models import Group, Permission

from org.models import Department, Employee, GroupProfile, Position, User
from org.permissions import RowScope

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """UserFactory(perms=["crm.view_customer"]) grants those permissions directly."""
        if create and extracted:
            for label in extracted:
                app_label, codename = label.split(".")
                self.user_permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
        if create:
            self.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"Department {n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"Position {n}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    user = factory.SubFactory(UserFactory)
    code = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.LazyAttribute(lambda e: e.user.display_name)
    department = factory.SubFactory(DepartmentFactory)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"group{n}")

    @factory.post_generation
    def profile(self, create, extracted, **kwargs):
        """GroupFactory(profile__parent=g, profile__row_scope=RowScope.ALL)."""
        if create:
            GroupProfile.objects.update_or_create(
                group=self,
                defaults={
                    "parent": kwargs.get("parent"),
                    "kind": kwargs.get("kind", GroupProfile.Kind.TEAM),
                    "row_scope": kwargs.get("row_scope", RowScope.OWN),
                },
            )

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        if create and extracted:
            for label in extracted:
                app_label, codename = label.split(".")
                self.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )
