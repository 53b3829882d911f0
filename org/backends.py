"""Authentication backend that grants the permissions of nested groups.

Django's ModelBackend reads only a user's direct groups; in Baton a member of "Sales East" also
holds what "Sales" grants. A user's permission set is remembered by core.memo (two queries
otherwise, on every request that checks a permission).
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from core.memo import remembered


class OrgPermissionBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        from .selectors import effective_group_ids

        return Permission.objects.filter(group__id__in=effective_group_ids(user_obj))

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            read = super().get_all_permissions
            key = ("permissions", user_obj.pk, user_obj.is_superuser)
            user_obj._perm_cache = remembered(key, lambda: frozenset(read(user_obj)))
        return user_obj._perm_cache
