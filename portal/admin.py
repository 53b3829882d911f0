"""Administrators see who has portal access; invitations go through portal.services (the
`portal_invite` command or a customer admin in the portal), never through a raw admin form."""

from django.contrib import admin

from .models import PortalAccount


@admin.register(PortalAccount)
class PortalAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "customer", "contact", "is_customer_admin", "activated_at")
    list_filter = ("is_customer_admin",)
    search_fields = ("user__username", "user__email", "customer__name", "customer__code")
    list_select_related = ("user", "customer", "contact")
    readonly_fields = ("user", "customer", "invited_by", "created_at", "activated_at")
    fields = ("user", "customer", "contact", "is_customer_admin", "invited_by", "created_at", "activated_at")

    def has_add_permission(self, request):
        return False
