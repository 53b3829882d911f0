"""Org endpoints: departments, employees, groups (read for staff, write for administrators),
the signed-in user, and the caller's own API tokens."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response
from rest_framework.views import APIView

from org import services as org_services
from org.models import Department, Employee, GroupProfile
from org.selectors import effective_group_names, user_row_scope

from ..filters import IdFilter
from ..models import ApiToken
from ..permissions import IsStaffMember
from ..serializers.org import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    DepartmentSerializer,
    EmployeeSerializer,
    GroupSerializer,
    MeSerializer,
)
from ..services import token_create, token_revoke
from ..viewsets import BatonGenericViewSet, BatonModelViewSet


@extend_schema_view(
    list=extend_schema(summary="List departments"),
    retrieve=extend_schema(summary="Get a department"),
    create=extend_schema(summary="Create a department"),
    update=extend_schema(summary="Replace a department"),
    partial_update=extend_schema(summary="Update a department"),
    destroy=extend_schema(summary="Delete a department (only without sub-departments and employees)"),
)
class DepartmentViewSet(BatonModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_fields = ["parent", "head", "code"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "sort_order"]

    def create_object(self, serializer):
        return org_services.department_create(actor=self.request.user, **serializer.validated_data)

    def update_object(self, serializer):
        return org_services.department_update(
            actor=self.request.user, department=serializer.instance, **serializer.validated_data
        )

    def delete_object(self, instance) -> None:
        org_services.department_delete(actor=self.request.user, department=instance)


class EmployeeFilter(filters.FilterSet):
    department = IdFilter(field_name="department_id")
    manager = IdFilter(field_name="manager_id")
    active = filters.BooleanFilter()

    class Meta:
        model = Employee
        fields = ["department", "manager", "active"]


@extend_schema_view(
    list=extend_schema(summary="List employees"),
    retrieve=extend_schema(summary="Get an employee"),
    create=extend_schema(summary="Create an employee record for a user"),
    update=extend_schema(summary="Replace an employee record"),
    partial_update=extend_schema(summary="Update an employee record"),
    destroy=extend_schema(summary="Delete an employee record"),
)
class EmployeeViewSet(BatonModelViewSet):
    queryset = Employee.objects.select_related("user", "department", "position")
    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilter
    search_fields = ["code", "name", "user__username", "email"]
    ordering_fields = ["code", "name"]

    def create_object(self, serializer):
        return org_services.employee_create(actor=self.request.user, **serializer.validated_data)

    def update_object(self, serializer):
        return org_services.employee_update(
            actor=self.request.user, employee=serializer.instance, **serializer.validated_data
        )

    def delete_object(self, instance) -> None:
        org_services.employee_delete(actor=self.request.user, employee=instance)


@extend_schema_view(
    list=extend_schema(summary="List groups and roles (with their permissions and row scope)"),
    retrieve=extend_schema(summary="Get a group"),
    create=extend_schema(summary="Create a group (administrators)"),
    update=extend_schema(summary="Replace a group (administrators)"),
    partial_update=extend_schema(summary="Update a group (administrators)"),
    destroy=extend_schema(summary="Delete a group (administrators)"),
)
class GroupViewSet(BatonModelViewSet):
    """Every employee may read the groups; changing them needs the auth group permissions."""

    queryset = (
        Group.objects.select_related("profile").prefetch_related("permissions__content_type").order_by("name")
    )
    serializer_class = GroupSerializer
    action_permissions = {"list": None, "retrieve": None}
    search_fields = ["name"]
    ordering_fields = ["name"]

    def create_object(self, serializer):
        data = serializer.validated_data
        profile = data.get("profile", {})
        return org_services.group_create(
            actor=self.request.user,
            name=data["name"],
            parent=profile.get("parent"),
            kind=profile.get("kind", GroupProfile.Kind.TEAM),
            row_scope=profile.get("row_scope", GroupProfile._meta.get_field("row_scope").default),
            description=profile.get("description", ""),
            permissions=data.get("permissions"),
        )

    def update_object(self, serializer):
        data = serializer.validated_data
        return org_services.group_update(
            actor=self.request.user,
            group=serializer.instance,
            name=data.get("name"),
            profile=data.get("profile"),
            permissions=data.get("permissions"),
        )

    def delete_object(self, instance) -> None:
        org_services.group_delete(actor=self.request.user, group=instance)


class MeView(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        summary="The signed-in user, their effective groups and permissions", responses=MeSerializer
    )
    def get(self, request):
        user = request.user
        employee = Employee.objects.filter(user=user).select_related("user").first()
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "name": str(user),
            "email": user.email,
            "language": user.language,
            "is_superuser": user.is_superuser,
            "employee": employee,
            "groups": sorted(effective_group_names(user)),
            "permissions": sorted(user.get_all_permissions()),
            "row_scope": user_row_scope(user),
        }
        return Response(MeSerializer(data).data)


@extend_schema_view(
    list=extend_schema(summary="List my API tokens (revoked ones included)"),
    retrieve=extend_schema(summary="Get one of my API tokens"),
    create=extend_schema(
        summary="Create an API token (signed-in session only, not with a token); the secret is in "
        "this answer only",
        request=ApiTokenSerializer,
        responses={201: ApiTokenCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke one of my API tokens"),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    BatonGenericViewSet,
):
    """Each user manages their own tokens; nobody sees another user's."""

    queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer
    action_permissions = {"list": None, "retrieve": None, "create": None, "destroy": None}
    filterset_fields = []
    search_fields = []
    ordering_fields = ["created_at", "name"]

    def base_queryset(self):
        user = self.request.user
        return ApiToken.objects.filter(user=user) if user.is_authenticated else ApiToken.objects.none()

    def create(self, request, *args, **kwargs):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            read_only=serializer.validated_data.get("read_only", False),
            credential=request.auth if isinstance(request.auth, ApiToken) else None,
            request=request,
        )
        token.secret = secret
        return Response(ApiTokenCreatedSerializer(token).data, status=201)

    def perform_destroy(self, instance):
        token_revoke(actor=self.request.user, token=instance, request=self.request)
