"""Admin views of the engine's tables: read-only, because every change to an instance must go
through engine.services (one transaction, instance locked, projections kept in step)."""

from django.contrib import admin

from .models import (
    DefinitionVersion,
    HumanTask,
    Incident,
    InstanceEvent,
    MessageSubscription,
    ProcessInstance,
    Timer,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DefinitionVersion)
class DefinitionVersionAdmin(ReadOnlyAdmin):
    list_display = ("key", "version", "name", "active", "deployed_by", "deployed_at")
    list_filter = ("active",)
    search_fields = ("key", "name")


class HumanTaskInline(admin.TabularInline):
    model = HumanTask
    fields = ("name", "status", "assignee", "due_at", "completed_by", "completed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class IncidentInline(admin.TabularInline):
    model = Incident
    fields = ("kind", "status", "element_id", "message", "attempts", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = ("pk", "key", "status", "started_by", "business_object_label", "started_at", "ended_at")
    list_filter = ("status", "key")
    search_fields = ("key", "business_object_label")
    inlines = [HumanTaskInline, IncidentInline]
    exclude = ()


@admin.register(HumanTask)
class HumanTaskAdmin(ReadOnlyAdmin):
    list_display = ("name", "instance", "status", "assignee", "priority", "due_at", "created_at")
    list_filter = ("status", "definition_key")
    search_fields = ("name", "search_text")
    list_select_related = ("instance", "assignee")


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ("element_id", "instance", "definition", "kind", "due_at", "status")
    list_filter = ("status", "kind")


@admin.register(MessageSubscription)
class MessageSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("message_name", "instance", "definition", "element_id", "correlation")
    search_fields = ("message_name",)


@admin.register(InstanceEvent)
class InstanceEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "instance", "kind", "element_id", "actor")
    list_filter = ("kind",)
    list_select_related = ("instance", "actor")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "instance", "kind", "status", "element_id", "attempts", "next_retry_at")
    list_filter = ("status", "kind")
    readonly_fields = ("traceback",)
