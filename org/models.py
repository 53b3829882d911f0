"""Organisation models.

Glossary: 部门 = department, 职位 = position, 员工 = employee, 上级 = manager,
组/角色 = group/role (a role is a group that mainly carries permissions and a row scope).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .permissions import RowScope


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser's language."),
    )
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


def _check_no_cycle(instance, parent, parent_attr: str, message: str) -> None:
    """Walk up from `parent`; reaching `instance` again means the new link closes a loop."""
    seen = set()
    node = parent
    while node is not None:
        if instance.pk is not None and node.pk == instance.pk:
            raise ValidationError({parent_attr: message})
        if node.pk in seen:  # an existing loop elsewhere; stop rather than spin
            break
        seen.add(node.pk)
        node = getattr(node, parent_attr)


class Department(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        # The administration area's "Organisation" section (departments, positions, employees,
        # groups and roles, accounts, the permission matrix): delegated to HR, no superuser needed.
        permissions = [("manage_org", _("Can administer the organisation, people and roles"))]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_no_cycle(
            self,
            self.parent,
            "parent",
            _("A department cannot be placed under itself or one of its sub-departments."),
        )


class Position(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="employee",
    )
    code = models.CharField(_("employee number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="employees",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employees",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # "wang fang wangfang wf": what the address book matches when someone types pinyin
    name_pinyin = models.CharField(_("name in pinyin"), max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from .pinyin import searchable_pinyin

        self.name_pinyin = searchable_pinyin(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_pinyin"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.manager_id is not None and self.manager_id == self.pk:
            raise ValidationError({"manager": _("An employee cannot be their own manager.")})
        _check_no_cycle(
            self,
            self.manager,
            "manager",
            _("This manager reports (directly or indirectly) to this employee."),
        )


class GroupProfile(models.Model):
    """What Baton adds to a Django group: nesting, kind and the row scope it grants."""

    class Kind(models.TextChoices):
        TEAM = "team", _("Team")
        ROLE = "role", _("Role")

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="profile")
    parent = models.ForeignKey(
        Group,
        verbose_name=_("parent group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="child_profiles",
        help_text=_("Members of this group are also members of the parent group."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEAM)
    row_scope = models.CharField(
        _("row scope"),
        max_length=20,
        choices=RowScope.choices,
        default=RowScope.OWN,
        help_text=_("Which records members see for the entities this group grants."),
    )
    description = models.TextField(_("description"), blank=True)
    display_name = models.CharField(
        _("display name"),
        max_length=150,
        blank=True,
        help_text=_("What people read where a task is offered to this group (its name otherwise)."),
    )

    class Meta:
        verbose_name = _("group profile")
        verbose_name_plural = _("group profiles")

    def __str__(self) -> str:
        return self.group.name

    def clean(self) -> None:
        seen = set()
        node = self.parent
        while node is not None:
            if node.pk == self.group_id:
                raise ValidationError(
                    {"parent": _("A group cannot be nested inside itself or one of its sub-groups.")}
                )
            if node.pk in seen:
                break
            seen.add(node.pk)
            profile = GroupProfile.objects.filter(group=node).only("parent").first()
            node = profile.parent if profile else None
