"""Inputs and outputs of the CRM tool endpoints: Excel import jobs and list exports, favourite
lists, campaign members/tasks/costs, expenses, and the customer merge.

As in `crm.py`, inputs only shape the request; the CRM services validate values.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _
from rest_framework import serializers

from core.jsonlimits import BoundedJSONDecoder
from crm import models as crm
from crm.services.imports import TARGETS
from crm.services.merge import MERGEABLE_FIELDS
from org.models import Department

from .crm import CustomerSerializer, Visible, _money, _text, _user, read_serializer

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_IDS = 1000

# -- import jobs -----------------------------------------------------------------------------------


class ImportJobSerializer(read_serializer(crm.ImportJob)):
    """Progress of an import; the per-row errors are downloaded as a sheet (`…/errors/`)."""

    error_count = serializers.SerializerMethodField()

    class Meta:
        model = crm.ImportJob
        fields = [f.name for f in crm.ImportJob._meta.concrete_fields if f.name not in ("file", "errors")] + [
            "error_count"
        ]

    def get_error_count(self, job) -> int:
        return len(job.errors or [])


def _upload(value):
    if value.size > MAX_UPLOAD_BYTES:
        raise serializers.ValidationError(_("The file is larger than 50 MB; split it into several files."))
    return value


class ImportPreviewInput(serializers.Serializer):
    # A plain string, not an enum: a second enum named "entity" would collide in the schema
    # with the custom fields' one.
    entity = serializers.CharField(help_text="What the rows are: " + ", ".join(sorted(TARGETS)) + ".")
    file = serializers.FileField(help_text="An Excel workbook (.xlsx) or a CSV file.")

    def validate_entity(self, value):
        if value not in TARGETS:
            raise serializers.ValidationError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(TARGETS))}
            )
        return value

    def validate_file(self, value):
        return _upload(value)


class ImportJobCreateInput(ImportPreviewInput):
    mapping = serializers.JSONField(
        required=False,
        binary=True,
        decoder=BoundedJSONDecoder,
        help_text='Column header → field, e.g. {"客户名称": "name"}; as JSON text in a multipart form. '
        "Default: the suggested mapping.",
    )
    on_duplicate = serializers.ChoiceField(
        choices=crm.ImportJob.OnDuplicate.choices, default=crm.ImportJob.OnDuplicate.SKIP
    )

    def validate_mapping(self, value):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise serializers.ValidationError(_("Give an object of column header → field name strings."))
        return value


class ImportFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()


class ImportPreviewResult(serializers.Serializer):
    headers = serializers.ListField(child=serializers.CharField(allow_blank=True))
    suggested_mapping = serializers.DictField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField(allow_blank=True)))
    fields = ImportFieldSerializer(many=True)


# -- favourite lists -------------------------------------------------------------------------------

FavouriteListSerializer = read_serializer(crm.FavouriteList)


class FavouriteItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = crm.FavouriteItem
        fields = ["id", "customer", "contact", "added_at"]
        read_only_fields = fields


class FavouriteListCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    shared_with = serializers.PrimaryKeyRelatedField(
        queryset=Group.objects.all(), required=False, allow_null=True, help_text="One of your groups."
    )


class RecordsInput(serializers.Serializer):
    """Customers and contacts by id; each must be visible to the caller."""

    customers = serializers.ListField(
        child=Visible(crm.Customer), required=False, default=list, max_length=MAX_IDS
    )
    contacts = serializers.ListField(
        child=Visible(crm.Contact), required=False, default=list, max_length=MAX_IDS
    )

    def validate(self, attrs):
        if not attrs["customers"] and not attrs["contacts"]:
            raise serializers.ValidationError({"customers": [_("Name at least one customer or contact.")]})
        return attrs


class CountResult(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many records were added.")


# -- campaigns -------------------------------------------------------------------------------------

CampaignMemberSerializer = read_serializer(crm.CampaignMember)
CampaignTaskSerializer = read_serializer(crm.CampaignTask)
CampaignCostSerializer = read_serializer(crm.CampaignCost)


class CampaignMembersInput(RecordsInput):
    status = serializers.CharField(max_length=40, required=False, default="invited")


class CampaignTaskInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    assignee = _user()
    due_on = serializers.DateField(required=False, allow_null=True)


class CampaignCostInput(serializers.Serializer):
    item = serializers.CharField(max_length=200)
    amount = _money(min_value=0)
    spent_on = serializers.DateField(required=False, allow_null=True)


class CampaignRoiSerializer(serializers.Serializer):
    cost = _money()
    won_revenue = _money()
    members = serializers.IntegerField()
    roi = serializers.FloatField(allow_null=True, help_text="(won - cost) / cost; null without costs.")


# -- expenses --------------------------------------------------------------------------------------

ExpenseSerializer = read_serializer(crm.Expense)
ExpenseCategorySerializer = read_serializer(crm.ExpenseCategory)


class ExpenseCreateInput(serializers.Serializer):
    category = Visible(crm.ExpenseCategory)
    amount = _money(min_value=0)
    spent_on = serializers.DateField()
    description = _text(300)
    customer = Visible(crm.Customer, required=False, allow_null=True)
    campaign = Visible(crm.Campaign, required=False, allow_null=True)


class ExpenseCategoryCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    parent = Visible(crm.ExpenseCategory, required=False, allow_null=True)


class ExpenseCategoryMoveInput(serializers.Serializer):
    parent = Visible(crm.ExpenseCategory, allow_null=True, help_text="null: a top-level category.")


class ExpenseTotalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    depth = serializers.IntegerField(help_text="0 for a top-level category.")
    total = _money(help_text="Its own and its sub-categories' expenses visible to the caller.")


# -- customer merge --------------------------------------------------------------------------------


class MergeInput(serializers.Serializer):
    keep = serializers.IntegerField(min_value=1, help_text="The card that stays (you may change it).")
    remove = serializers.IntegerField(min_value=1, help_text="The card merged away (you may delete it).")


class MergeExecuteInput(MergeInput):
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=["keep", "remove"]),
        required=False,
        default=dict,
        help_text="Field → whose value the merged card takes; default: the kept value, or the removed "
        "one where the kept card has none. Fields: " + ", ".join(MERGEABLE_FIELDS),
    )


class MergeFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    keep = serializers.JSONField(allow_null=True)
    remove = serializers.JSONField(allow_null=True)
    differ = serializers.BooleanField()
    default = serializers.ChoiceField(
        choices=["keep", "remove"], help_text="What the merge takes unless told."
    )


class MergeMovingSerializer(serializers.Serializer):
    entity = serializers.CharField(help_text="app_label.model")
    label = serializers.CharField()
    count = serializers.IntegerField()


class MergePreviewSerializer(serializers.Serializer):
    keep = CustomerSerializer()
    remove = CustomerSerializer()
    fields = MergeFieldSerializer(many=True)
    moving = MergeMovingSerializer(many=True, help_text="Records that move from the removed card.")


# -- documents -------------------------------------------------------------------------------------


class DocumentSerializer(read_serializer(crm.Document)):
    class Meta:
        model = crm.Document
        fields = [f.name for f in crm.Document._meta.concrete_fields if f.name != "file"]


class DocumentUploadInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    file = serializers.FileField(
        help_text="PDF, Office, image, text or CSV; the type is read from the bytes."
    )
    title = _text(200, help_text="Default: the file name.")
    kind = serializers.ChoiceField(choices=crm.Document.Kind.choices, default=crm.Document.Kind.OTHER)
    opportunity = Visible(crm.Opportunity, required=False, allow_null=True)
    contract = Visible(crm.Contract, required=False, allow_null=True)
    order = Visible(crm.Order, required=False, allow_null=True)
    shared_with_customer = serializers.BooleanField(
        required=False, default=False, help_text="Show it to the customer in the portal."
    )


class DocumentShareInput(serializers.Serializer):
    shared_with_customer = serializers.BooleanField(
        help_text="Show it to the customer in the portal, or withdraw it."
    )


# -- budgets and stock -----------------------------------------------------------------------------


class BudgetLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = crm.BudgetLine
        fields = ["id", "salesperson", "category", "planned"]
        read_only_fields = fields


class BudgetSerializer(read_serializer(crm.Budget)):
    lines = BudgetLineSerializer(many=True, read_only=True)

    class Meta:
        model = crm.Budget
        fields = [f.name for f in crm.Budget._meta.concrete_fields] + ["lines"]


class BudgetLineInput(serializers.Serializer):
    salesperson = _user(required=False, allow_null=True, help_text="Sales targets: whose target.")
    category = Visible(crm.ExpenseCategory, required=False, allow_null=True, help_text="Expense budgets.")
    planned = _money(min_value=0)


class BudgetCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=crm.Budget.Kind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    notes = _text(10_000)
    lines = BudgetLineInput(many=True, help_text="One line per salesperson (sales) or category (expense).")


class BudgetAdjustInput(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text="A line of this budget.")
    planned = _money(min_value=0)
    reason = serializers.CharField(max_length=300)


class BudgetAdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = crm.BudgetAdjustment
        fields = ["id", "line", "old_amount", "new_amount", "reason", "adjusted_by", "adjusted_at"]
        read_only_fields = fields


class BudgetReportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(source="line.pk")
    label = serializers.CharField()
    planned = _money()
    actual = _money()
    remaining = _money()
    percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class BudgetReportSerializer(serializers.Serializer):
    budget = BudgetSerializer()
    rows = BudgetReportRowSerializer(many=True)
    planned = _money()
    actual = _money()


class StockLevelSerializer(serializers.ModelSerializer):
    available = serializers.DecimalField(
        max_digits=15, decimal_places=3, read_only=True, help_text="On hand minus reserved for orders."
    )

    class Meta:
        model = crm.StockLevel
        fields = ["id", "product", "warehouse", "on_hand", "reserved", "available"]
        read_only_fields = fields


StockReservationSerializer = read_serializer(crm.StockReservation)
