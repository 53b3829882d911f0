"""Django admin for CRM reference data and read-mostly views of the business records.

Writes that carry rules go through the services: a customer saved here is created/updated by
`customer_create` / `customer_update` (duplicate check, history, audit); ledgers, orders and
payments are read-only here.
"""

from __future__ import annotations

from django.contrib import admin, messages

from core.errors import DomainError
from engine.ownership import ProcessOwnedReadOnlyAdmin

from . import models
from .services.customers import CUSTOMER_FIELDS, customer_create, customer_update


@admin.register(models.ChoiceOption)
class ChoiceOptionAdmin(admin.ModelAdmin):
    list_display = ("choice_list", "code", "label", "sort_order", "active")
    list_filter = ("choice_list", "active")
    list_editable = ("label", "sort_order", "active")
    search_fields = ("code", "label")


@admin.register(models.CustomerLevel)
class CustomerLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order", "active")
    list_editable = ("sort_order", "active")


@admin.register(models.CustomerPool)
class CustomerPoolAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "is_default",
        "claim_limit",
        "days_without_follow_up",
        "days_without_won_deal",
        "protect_open_opportunities",
        "active",
    )
    filter_horizontal = ("claim_groups",)


@admin.register(models.CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ("entity", "key", "label", "kind", "required", "active")
    list_filter = ("entity", "kind", "active")


class ContactInline(admin.TabularInline):
    model = models.Contact
    fields = ("name", "department", "title", "role", "mobile", "email")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ShareInline(admin.TabularInline):
    model = models.CustomerShare
    fields = ("user", "group", "department", "level")
    extra = 0
    autocomplete_fields = ()


class ChangeInline(admin.TabularInline):
    model = models.CustomerChange
    fields = ("changed_at", "kind", "field", "old_value", "new_value", "changed_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-changed_at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Customer)
class CustomerAdmin(ProcessOwnedReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "owner", "level", "status", "industry", "region", "last_activity_at")
    list_filter = ("level", "status", "industry", "region", "credit_level", "pool")
    search_fields = ("code", "name", "phone", "tax_id")
    list_select_related = ("owner", "level", "status", "industry", "region")
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    readonly_fields = (
        "code",
        "owner",
        "owned_since",
        "pool",
        "last_activity_at",
        "next_follow_up",
        "last_won_at",
        "created_at",
        "updated_at",
        "created_by",
    )
    exclude = ("search_name", "name_key", "name_bucket", "phone_digits", "email_key", "tax_id_key")
    inlines = (ContactInline, ShareInline, ChangeInline)

    def get_queryset(self, request):
        return models.Customer.objects.visible_to(request.user, "view")

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in CUSTOMER_FIELDS}
        try:
            if change:
                customer_update(
                    actor=request.user, customer=obj, custom=form.cleaned_data.get("custom"), **fields
                )
            else:
                created = customer_create(
                    actor=request.user, allow_duplicate=True, **{"name": obj.name, **fields}
                )
                obj.pk = created.pk
                obj.refresh_from_db()
        except DomainError as error:
            messages.error(request, error.message)
            raise


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "department", "title", "mobile", "email", "birthday")
    search_fields = ("name", "mobile", "email", "customer__name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "superior")
    show_full_result_count = False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Business records created by services; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = ("name", "customer", "stage", "status", "amount", "probability", "expected_close", "owner")
    list_filter = ("stage", "status")
    search_fields = ("name", "customer__name")
    list_select_related = ("customer", "owner")


@admin.register(models.Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ("company_name", "contact_name", "quality", "priority", "status", "owner")
    list_filter = ("status", "quality")


@admin.register(models.Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "customer", "kind", "subject", "owner", "next_follow_up")
    list_filter = ("kind",)
    list_select_related = ("customer", "owner")


class OrderLineInline(admin.TabularInline):
    model = models.OrderLine
    fields = ("product", "unit", "quantity", "price", "discount_percent", "amount", "delivery_on")
    readonly_fields = fields
    extra = 0


@admin.register(models.Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("code", "customer", "status", "ordered_on", "total_amount", "owner")
    list_filter = ("status",)
    search_fields = ("code", "customer__name")
    inlines = (OrderLineInline,)


@admin.register(models.Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "customer", "status", "amount", "signed_on")


@admin.register(models.Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("customer", "amount", "paid_on", "method", "order", "contract")


@admin.register(models.StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ("at", "product", "warehouse", "kind", "quantity", "balance", "reference")
    list_filter = ("kind", "warehouse")


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "spec", "price", "active")
    search_fields = ("code", "name")
    list_filter = ("active",)


@admin.register(models.Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")


@admin.register(models.Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "website")
    list_filter = ("kind",)


@admin.register(models.ExpenseCategory)
class ExpenseCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "sort_order")


@admin.register(models.Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("code", "subject", "customer", "category", "severity", "status", "handler", "due_at")
    list_filter = ("status", "severity", "category")


@admin.register(models.ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "subject",
        "customer",
        "kind",
        "serial_number",
        "preferred_at",
        "status",
        "technician",
    )
    list_filter = ("status", "kind")


@admin.register(models.SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """How soon complaints and service requests are due; the processes read it on arrival and at
    triage, so a change applies to records that arrive afterwards."""

    list_display = (
        "record",
        "severity",
        "category",
        "customer_level",
        "response_time",
        "resolution_time",
        "priority",
        "active",
    )
    list_filter = ("record", "severity", "active")
    list_editable = ("response_time", "resolution_time", "priority", "active")


@admin.register(models.Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "customer", "kind", "file_name", "size", "shared_with_customer", "uploaded_at")
    list_filter = ("kind", "shared_with_customer")
    search_fields = ("title", "customer__name")
    list_select_related = ("customer",)


@admin.register(models.StockReservation)
class StockReservationAdmin(ReadOnlyAdmin):
    list_display = ("order", "product", "warehouse", "quantity", "status", "created_at", "closed_at")
    list_filter = ("status", "warehouse")
    list_select_related = ("order", "product", "warehouse")


class BudgetLineInline(admin.TabularInline):
    model = models.BudgetLine
    fields = ("salesperson", "category", "planned")
    readonly_fields = fields
    extra = 0


@admin.register(models.Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "starts_on", "ends_on", "department", "owner")
    list_filter = ("kind",)
    inlines = (BudgetLineInline,)


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "starts_on", "ends_on", "budget", "owner")


@admin.register(models.ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "entity",
        "status",
        "total_rows",
        "created_count",
        "skipped_count",
        "failed_batches",
        "created_by",
    )
    readonly_fields = ("errors", "message")


@admin.register(models.CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdmin):
    list_display = ("merged_at", "kept", "removed_code", "removed_name", "merged_by")
