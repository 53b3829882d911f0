from django.contrib import admin

from engine.ownership import ProcessOwnedReadOnlyAdmin

from .models import (
    LeaveBalance,
    LeaveRequest,
    LeaveType,
    Notice,
    NoticeReceipt,
    SupplyItem,
    SupplyRequest,
    SupplyRequestLine,
    Vehicle,
    VehicleBooking,
    VehicleRequest,
)


@admin.register(LeaveType)
class LeaveTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "annual_days", "needs_balance", "backdate_days", "active"]


@admin.register(LeaveBalance)
class LeaveBalanceAdmin(ProcessOwnedReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "leave_type", "year", "entitled_days", "used_days"]
    list_filter = ["year", "leave_type"]
    search_fields = ["user__username"]


@admin.register(LeaveRequest)
class LeaveRequestAdmin(ProcessOwnedReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "leave_type", "starts_on", "ends_on", "days", "status"]
    list_filter = ["status", "leave_type"]
    readonly_fields = ["decision_note"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["plate", "name", "seats", "mileage_km", "active"]


@admin.register(VehicleRequest)
class VehicleRequestAdmin(ProcessOwnedReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "destination", "starts_at", "ends_at", "status"]
    list_filter = ["status"]


@admin.register(VehicleBooking)
class VehicleBookingAdmin(admin.ModelAdmin):
    list_display = ["vehicle", "starts_at", "ends_at", "cancelled", "returned_at", "mileage_km"]
    list_filter = ["vehicle", "cancelled"]


class NoticeReceiptInline(admin.TabularInline):
    model = NoticeReceipt
    extra = 0
    readonly_fields = ["user", "read_at"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "published_at", "requires_receipt"]
    list_filter = ["kind"]
    inlines = [NoticeReceiptInline]


@admin.register(SupplyItem)
class SupplyItemAdmin(admin.ModelAdmin):
    """Items are added and renamed here; the stock moves only by hand-outs and the shelf's
    "Book in" (audited), so it is read-only."""

    list_display = ["code", "name", "unit", "stock", "reorder_level", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["stock"] if obj is not None else []


class SupplyRequestLineInline(admin.TabularInline):
    model = SupplyRequestLine
    extra = 0
    readonly_fields = ["item", "quantity"]


@admin.register(SupplyRequest)
class SupplyRequestAdmin(ProcessOwnedReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["user", "submitted_at", "status", "issued_by"]
    list_filter = ["status"]
    inlines = [SupplyRequestLineInline]
