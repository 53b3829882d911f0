from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission

        from core.memo import forget_on_change

        from .models import Department, Employee, GroupProfile

        # What core.memo remembers from org (group trees, permissions, row scopes, staff status)
        # is forgotten when membership, grants, the group tree or the org chart change.
        user = get_user_model()
        forget_on_change(
            Group, GroupProfile, Permission, Employee, Department,
            m2m=(user.groups.through, user.user_permissions.through, Group.permissions.through),
        )  # fmt: skip
