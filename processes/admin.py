from django.contrib import admin

from .models import DeploymentLog, StartBinding


@admin.register(StartBinding)
class StartBindingAdmin(admin.ModelAdmin):
    list_display = ("event", "process_key", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("event", "process_key")


@admin.register(DeploymentLog)
class DeploymentLogAdmin(admin.ModelAdmin):
    list_display = ("at", "uploaded_by", "process_key", "version", "outcome")
    list_filter = ("outcome",)
    search_fields = ("process_key",)
    readonly_fields = [f.name for f in DeploymentLog._meta.fields]

    def has_add_permission(self, request):
        return False
