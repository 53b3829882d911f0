from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .memo import forget
        from .models import GroupProfile

        # a request that changes membership or the group tree reads its own writes
        m2m_changed.connect(forget, sender=get_user_model().groups.through, dispatch_uid="org_memo_m2m")
        for model in (Group, GroupProfile):
            post_save.connect(forget, sender=model, dispatch_uid=f"org_memo_save_{model.__name__}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"org_memo_delete_{model.__name__}")
