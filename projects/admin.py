from django.contrib import admin

from .models import Milestone, Project, ProjectMember, ProjectTask


class MemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "status", "starts_on", "ends_on")
    list_filter = ("status",)
    search_fields = ("name",)
    inlines = [MemberInline, MilestoneInline]


@admin.register(ProjectTask)
class ProjectTaskAdmin(admin.ModelAdmin):
    list_display = ("title", "project", "assignee", "status", "due_on")
    list_filter = ("status",)
    search_fields = ("title", "project__name")
