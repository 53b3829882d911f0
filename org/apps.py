from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
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
        post_save.connect(_user_saved, sender=user, dispatch_uid="org_memo_user_saved")
        post_delete.connect(_user_saved, sender=user, dispatch_uid="org_memo_user_deleted")

        from . import pickers

        pickers.register()


def _user_saved(sender, instance=None, update_fields=None, **kwargs) -> None:
    """A user switched on or off changes who can work a group's queue (engine.owners remembers
    which groups have active members); a sign-in (last_login only) changes nothing remembered."""
    from core.memo import forget

    if update_fields is None or {"is_active", "is_superuser", "is_staff"} & set(update_fields):
        forget()
