"""Org chart, the signed-in user, and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from rest_framework import serializers

from org.models import Department, Employee, GroupProfile, Position, User
from org.permissions import RowScope

from ..models import ApiToken
from .base import OutputModelSerializer


class UserBriefSerializer(OutputModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "parent", "head", "sort_order"]


class EmployeeSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    username = serializers.CharField(source="user.username", read_only=True)
    position = serializers.PrimaryKeyRelatedField(
        queryset=Position.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Employee
        fields = [
            "id",
            "user",
            "username",
            "code",
            "name",
            "department",
            "position",
            "manager",
            "phone",
            "email",
            "birthday",
            "hire_date",
            "active",
        ]


class GroupSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        source="profile.parent", queryset=Group.objects.all(), allow_null=True, required=False
    )
    kind = serializers.ChoiceField(
        source="profile.kind", choices=GroupProfile.Kind.choices, default=GroupProfile.Kind.TEAM
    )
    row_scope = serializers.ChoiceField(
        source="profile.row_scope", choices=RowScope.choices, default=RowScope.OWN
    )
    description = serializers.CharField(
        source="profile.description", allow_blank=True, required=False, default=""
    )
    permissions = serializers.ListField(
        child=serializers.CharField(max_length=255),
        required=False,
        help_text='Permissions as "app_label.codename", e.g. "crm.view_customer".',
    )

    class Meta:
        model = Group
        fields = ["id", "name", "parent", "kind", "row_scope", "description", "permissions"]

    def to_representation(self, instance):
        profile = getattr(instance, "profile", None) if hasattr(instance, "profile") else None
        data = {
            "id": instance.pk,
            "name": instance.name,
            "parent": profile.parent_id if profile else None,
            "kind": profile.kind if profile else GroupProfile.Kind.TEAM,
            "row_scope": profile.row_scope if profile else RowScope.OWN,
            "description": profile.description if profile else "",
            "permissions": sorted(
                f"{p.content_type.app_label}.{p.codename}" for p in instance.permissions.all()
            ),
        }
        return data

    def validate_permissions(self, value):
        found, missing = [], []
        for label in value:
            app_label, _sep, codename = label.partition(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            (found if perm else missing).append(perm or label)
        if missing:
            raise serializers.ValidationError([f"Unknown permission: {label}" for label in missing])
        return found


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    language = serializers.CharField(allow_blank=True)
    is_superuser = serializers.BooleanField()
    employee = EmployeeSerializer(allow_null=True)
    groups = serializers.ListField(
        child=serializers.CharField(), help_text="Effective groups (nested included)."
    )
    permissions = serializers.ListField(child=serializers.CharField(), help_text='"app_label.codename" held.')
    row_scope = serializers.ChoiceField(choices=RowScope.choices)


class ApiTokenSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "read_only", "prefix", "created_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at", "active"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "secret"]
        read_only_fields = [*ApiTokenSerializer.Meta.read_only_fields, "secret"]
