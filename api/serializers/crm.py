"""CRM records: read serializers (every field, foreign keys as ids) and the input of each write.

Inputs only shape the request; the CRM services validate values and answer with per-field errors.
Foreign keys in inputs resolve only to records the caller can see.
"""

from __future__ import annotations

from rest_framework import serializers

from crm import models as crm
from org.models import Department, User

from ..viewsets import restrict

# Normalized search keys, maintained by the services; not part of the API.
_INTERNAL = {"search_name", "name_key", "name_bucket", "phone_digits", "email_key", "tax_id_key"}


class ReadModelSerializer(serializers.ModelSerializer):
    """Output only. Every field read-only, but keeping `allow_blank`/`allow_null`, so the schema
    says that an optional choice may be "" (DRF drops those flags from read_only_fields)."""

    _DROP = (
        "required",
        "default",
        "validators",
        "queryset",
        "min_length",
        "max_length",
        "min_value",
        "max_value",
    )

    def _read_only(self, kwargs: dict) -> dict:
        for key in self._DROP:
            kwargs.pop(key, None)
        kwargs["read_only"] = True
        return kwargs

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        return field_class, self._read_only(kwargs)

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        return field_class, self._read_only(kwargs)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if isinstance(data.get("custom"), dict):
            data["custom"] = {k: v for k, v in data["custom"].items() if k in self._visible_custom(instance)}
        return data

    def _visible_custom(self, instance) -> set[str]:
        """The custom field keys the caller sees (role visibility), read once per response."""
        from crm.selectors.custom_fields import custom_fields_for, entity_of

        entity = entity_of(instance)
        cache = self.context.setdefault("_visible_custom", {})
        if entity not in cache:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            cache[entity] = (
                {d.key for d in custom_fields_for(user, entity)} if entity and user is not None else set()
            )
        return cache[entity]


def read_serializer(model, *, extra: dict | None = None) -> type[serializers.ModelSerializer]:
    """A read-only serializer of the model's concrete fields (internal keys left out)."""
    names = [f.name for f in model._meta.concrete_fields if f.name not in _INTERNAL]
    meta = type("Meta", (), {"model": model, "fields": [*names, *(extra or {})]})
    attrs = {"Meta": meta, **(extra or {})}
    return type(f"{model.__name__}Serializer", (ReadModelSerializer,), attrs)


class Visible(serializers.PrimaryKeyRelatedField):
    """A foreign key the caller may see (row rules applied): others answer "does not exist"."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        queryset = self.model._default_manager.all()
        if request is None:
            return queryset.none()
        return restrict(queryset, request.user, "view")


def _user(**kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), **kwargs)


def _text(max_length: int, **kwargs):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


def _money(**kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


_OPTION_HELP = "An option of the administrator's list: its id or code."


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = crm.OrderLine
        fields = ["id", "product", "unit", "quantity", "price", "discount_percent", "amount", "delivery_on"]
        read_only_fields = fields


CustomerSerializer = read_serializer(crm.Customer)
ContactSerializer = read_serializer(crm.Contact)
LeadSerializer = read_serializer(crm.Lead)
OpportunitySerializer = read_serializer(
    crm.Opportunity,
    extra={
        "stage_name": serializers.CharField(source="stage.label", read_only=True),
        "sales_process": serializers.IntegerField(source="stage.process_id", read_only=True),
    },
)
ProductSerializer = read_serializer(crm.Product)
OrderSerializer = read_serializer(crm.Order, extra={"lines": LineSerializer(many=True, read_only=True)})
ContractSerializer = read_serializer(crm.Contract)
PaymentSerializer = read_serializer(crm.Payment)
ComplaintSerializer = read_serializer(crm.Complaint)
ServiceRequestSerializer = read_serializer(crm.ServiceRequest)
ActivitySerializer = read_serializer(crm.Activity)
CampaignSerializer = read_serializer(crm.Campaign)
CustomerPoolSerializer = read_serializer(crm.CustomerPool)
CustomFieldDefinitionSerializer = read_serializer(crm.CustomFieldDefinition)
StockMoveSerializer = read_serializer(crm.StockMove)
CustomerLevelSerializer = read_serializer(crm.CustomerLevel)
LevelChangeRequestSerializer = read_serializer(crm.LevelChangeRequest)


class CustomerUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    short_name = _text(100)
    address = _text(300)
    phone = _text(50)
    fax = _text(50)
    zip_code = _text(20)
    website = _text(200)
    email = _text(254)
    legal_person = _text(100)
    tax_id = _text(40)
    status = serializers.CharField(required=False, allow_null=True, help_text=_OPTION_HELP)
    customer_type = serializers.CharField(required=False, allow_null=True, help_text=_OPTION_HELP)
    source = serializers.CharField(required=False, allow_null=True, help_text=_OPTION_HELP)
    industry = serializers.CharField(required=False, allow_null=True, help_text=_OPTION_HELP)
    region = serializers.CharField(required=False, allow_null=True, help_text=_OPTION_HELP)
    credit_level = serializers.ChoiceField(choices=crm.CreditLevel.choices, required=False, allow_blank=True)
    description = _text(100_000)
    background = _text(100_000)
    annual_revenue = _money(required=False, allow_null=True, min_value=0)
    employee_count = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10**9)
    portal_enabled = serializers.BooleanField(required=False)
    custom = serializers.DictField(required=False, help_text="Custom field values by field key.")
    allow_duplicate = serializers.BooleanField(
        required=False, default=False, help_text="Save even when probable duplicates exist."
    )


class CustomerCreateInput(CustomerUpdateInput):
    name = serializers.CharField(max_length=200)
    owner = _user(required=False, allow_null=True, help_text="Default: the caller; null: no owner.")


class CustomerTransferInput(serializers.Serializer):
    owner = _user()
    note = _text(300)


class CustomerShareInput(serializers.Serializer):
    user = _user(required=False, allow_null=True)
    group = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    level = serializers.ChoiceField(choices=crm.ShareLevel.values, default=crm.ShareLevel.READ)


class PoolReleaseInput(serializers.Serializer):
    pool = serializers.PrimaryKeyRelatedField(
        queryset=crm.CustomerPool.objects.all(), required=False, allow_null=True
    )
    reason = _text(300)


class PoolClaimInput(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, help_text="An unowned customer of this pool.")


class ContactUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    department = _text(100)
    title = _text(100)
    role = _text(100)
    gender = serializers.ChoiceField(
        choices=crm.Contact._meta.get_field("gender").choices, required=False, allow_blank=True
    )
    phone = _text(50)
    mobile = _text(50)
    email = _text(254)
    birthday = serializers.DateField(required=False, allow_null=True)
    interests = _text(300)
    notes = _text(100_000)
    is_primary = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)
    superior = Visible(crm.Contact, required=False, allow_null=True)
    custom = serializers.DictField(required=False)


class ContactCreateInput(ContactUpdateInput):
    customer = Visible(crm.Customer)
    name = serializers.CharField(max_length=100)


class ContactMoveInput(serializers.Serializer):
    to_customer = Visible(crm.Customer)
    department = _text(100)
    title = _text(100)


class LeadCreateInput(serializers.Serializer):
    company_name = serializers.CharField(max_length=200)
    contact_name = _text(100)
    phone = _text(50)
    email = _text(254)
    source = serializers.CharField(required=False, allow_null=True, help_text=_OPTION_HELP)
    quality = serializers.ChoiceField(choices=crm.Lead.Quality.choices, required=False)
    priority = serializers.ChoiceField(choices=crm.Lead.Priority.choices, required=False)
    description = _text(100_000)
    next_follow_up = serializers.DateField(required=False, allow_null=True)
    campaign = Visible(crm.Campaign, required=False, allow_null=True)


class LeadDisqualifyInput(serializers.Serializer):
    reason = _text(300)


class LeadConvertInput(serializers.Serializer):
    customer = Visible(crm.Customer, required=False, allow_null=True, help_text="Attach to this customer.")
    opportunity_name = _text(200)
    amount = _money(required=False, min_value=0)
    expected_close = serializers.DateField(required=False, allow_null=True)
    allow_duplicate = serializers.BooleanField(required=False, default=False)


class LeadConvertResult(serializers.Serializer):
    customer = serializers.IntegerField()
    contact = serializers.IntegerField(allow_null=True)
    opportunity = serializers.IntegerField()


class OpportunityUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    amount = _money(required=False, min_value=0)
    expected_close = serializers.DateField(required=False, allow_null=True)
    probability = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    stage = serializers.SlugRelatedField(
        slug_field="key", queryset=crm.SalesStage.objects.all(), required=False
    )
    contact = Visible(crm.Contact, required=False, allow_null=True)
    campaign = Visible(crm.Campaign, required=False, allow_null=True)


class OpportunityCreateInput(OpportunityUpdateInput):
    customer = Visible(crm.Customer)
    process = serializers.PrimaryKeyRelatedField(
        queryset=crm.SalesProcess.objects.filter(active=True),
        required=False,
        help_text="The sales process (default: the one of the customer's type or the owner's department).",
    )
    name = serializers.CharField(max_length=200)


class OpportunityCloseInput(serializers.Serializer):
    won = serializers.BooleanField()
    reason = serializers.CharField(max_length=300)


class ProductUpdateInput(serializers.Serializer):
    code = serializers.CharField(max_length=40, required=False)
    name = serializers.CharField(max_length=200, required=False)
    unit = serializers.CharField(max_length=20, required=False)
    spec = _text(200)
    price = _money(required=False, min_value=0)
    description = _text(100_000)
    active = serializers.BooleanField(required=False)


class ProductCreateInput(ProductUpdateInput):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    custom = serializers.DictField(required=False)


class OrderLineInput(serializers.Serializer):
    product = Visible(crm.Product)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    price = _money(required=False, min_value=0, help_text="Default: the product's price.")
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100
    )
    unit = _text(20)
    delivery_on = serializers.DateField(required=False, allow_null=True)


class OrderCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    lines = OrderLineInput(many=True, allow_empty=False, max_length=500)
    ordered_on = serializers.DateField(required=False, allow_null=True)
    delivery_on = serializers.DateField(required=False, allow_null=True)
    contract = Visible(crm.Contract, required=False, allow_null=True)
    opportunity = Visible(crm.Opportunity, required=False, allow_null=True)
    notes = _text(100_000)


class OrderStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=crm.Order.Status.choices)
    note = _text(300)


class ContractCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    title = serializers.CharField(max_length=200)
    amount = _money(min_value=0)
    signed_on = serializers.DateField(required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    opportunity = Visible(crm.Opportunity, required=False, allow_null=True)
    terms = _text(20_000)
    customer_signer = _text(100)


class PaymentCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    amount = _money(min_value=0)
    paid_on = serializers.DateField(required=False, allow_null=True)
    order = Visible(crm.Order, required=False, allow_null=True)
    contract = Visible(crm.Contract, required=False, allow_null=True)
    instalment = Visible(
        crm.Instalment,
        required=False,
        allow_null=True,
        help_text="An instalment of the contract's payment plan.",
    )
    method = serializers.ChoiceField(choices=crm.Payment.Method.choices, required=False)
    reference = _text(100)


class ComplaintCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    subject = serializers.CharField(max_length=200)
    description = _text(100_000)
    severity = serializers.ChoiceField(choices=crm.Complaint.Severity.choices, required=False)
    channel = serializers.ChoiceField(choices=crm.Complaint.Channel.choices, required=False)
    contact = Visible(crm.Contact, required=False, allow_null=True)
    category = serializers.CharField(
        required=False, allow_null=True, help_text="An option of the complaint-category list: its id or code."
    )


class ComplaintUpdateInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=crm.Complaint.Status.choices, required=False)
    handler = _user(required=False, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    resolution = _text(100_000)
    satisfaction = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    severity = serializers.ChoiceField(choices=crm.Complaint.Severity.choices, required=False)
    category = serializers.CharField(
        required=False, allow_null=True, help_text="An option of the complaint-category list: its id or code."
    )


class ServiceRequestCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    subject = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=crm.ServiceRequest.Kind.choices, required=False)
    description = _text(100_000)
    product = Visible(crm.Product, required=False, allow_null=True)
    contact = Visible(crm.Contact, required=False, allow_null=True)
    serial_number = _text(100)
    preferred_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When the customer would like the visit."
    )
    address = _text(300, help_text="Where the service is done, if not the customer's address.")


class ServiceRequestUpdateInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=crm.ServiceRequest.Status.choices, required=False)
    technician = _user(required=False, allow_null=True)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    work_record = _text(100_000)
    satisfaction = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    serial_number = _text(100)
    preferred_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When the customer would like the visit."
    )
    address = _text(300, help_text="Where the service is done, if not the customer's address.")


class ActivityCreateInput(serializers.Serializer):
    customer = Visible(crm.Customer)
    subject = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=crm.Activity.Kind.choices, required=False)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    contact = Visible(crm.Contact, required=False, allow_null=True)
    opportunity = Visible(crm.Opportunity, required=False, allow_null=True)
    outcome = _text(100_000)
    cost = _money(required=False, min_value=0)
    next_follow_up = serializers.DateField(required=False, allow_null=True)


class CampaignCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = _text(50)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    budget = _money(required=False, min_value=0)
    expected_revenue = _money(required=False, min_value=0)


class StockMoveInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[("in", "Stock in"), ("out", "Stock out"), ("transfer", "Transfer"), ("count", "Stock count")]
    )
    product = Visible(crm.Product)
    warehouse = Visible(crm.Warehouse, help_text="The warehouse (for a transfer: the source).")
    target_warehouse = Visible(crm.Warehouse, required=False, allow_null=True, help_text="Transfers only.")
    quantity = serializers.DecimalField(
        max_digits=14, decimal_places=3, min_value=0, help_text="For a count: the counted quantity."
    )
    reference = _text(100)
    order = Visible(crm.Order, required=False, allow_null=True, help_text="Stock out for an order.")


class StockMovesResult(serializers.Serializer):
    moves = StockMoveSerializer(many=True)


class LevelChangeInput(serializers.Serializer):
    to_level = Visible(crm.CustomerLevel)
    reason = _text(1000)
