from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .models import Department, Employee, GroupProfile, Position, User


class EmployeeInline(admin.StackedInline):
    model = Employee
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ["department", "manager", "position"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Baton"), {"fields": ("display_name", "language", "phone")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "is_active")
    inlines = [EmployeeInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "head", "sort_order")
    search_fields = ("code", "name")
    autocomplete_fields = ["parent", "head"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department", "position", "manager", "active")
    list_filter = ("active", "department")
    search_fields = ("code", "name", "user__username", "email")
    autocomplete_fields = ["user", "department", "position", "manager"]


class GroupProfileInline(admin.StackedInline):
    model = GroupProfile
    fk_name = "group"
    can_delete = False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    inlines = [GroupProfileInline]
    list_display = ("name",)
