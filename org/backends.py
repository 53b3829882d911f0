"""Authentication backend that grants the permissions of nested groups.

Django's ModelBackend reads only a user's direct groups; in Baton a member of "Sales East" also
holds what "Sales" grants.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class OrgPermissionBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        from .selectors import effective_group_ids

        return Permission.objects.filter(group__id__in=effective_group_ids(user_obj))
