"""The sales entities as generic object views (leads, opportunities, activities, contacts): what
each declares — columns, filters, form fields, the services that write — and nothing more."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed
from crm.models import (
    Activity,
    ChoiceList,
    ChoiceOption,
    Contact,
    Customer,
    Lead,
    Opportunity,
    SalesProcess,
)
from crm.sales.selectors import funnel_stages, lead_duplicates
from crm.sales.services import (
    activity_create,
    activity_plan,
    lead_create,
    lead_delete,
    lead_disqualify,
    lead_update,
    opportunity_create,
    opportunity_update,
)
from crm.services.customers import contact_create, contact_update
from org.permissions import RowScope
from org.selectors import user_row_scope, users_in_scope

from ..objects import BulkAction, Column, Filter, FormField, ObjectType

User = get_user_model()


# --- choices ----------------------------------------------------------------------------------------


def options(choice_list: str):
    def choices(_user) -> list[tuple[str, str]]:
        return [
            (str(o.pk), o.label)
            for o in ChoiceOption.objects.filter(choice_list=choice_list, active=True).order_by(
                "sort_order", "code"
            )
        ]

    return choices


def model_choices(enum):
    return lambda _user: [(str(value), label) for value, label in enum.choices]


def people(user) -> list[tuple[str, str]]:
    """ "Me" and the people whose records the user's row scope reaches, by display name."""
    scope = user_row_scope(user)
    result = [("me", str(_("Me")))]
    if scope == RowScope.OWN:
        return result
    users = User.objects.filter(is_active=True)
    if scope != RowScope.ALL:
        users = users.filter(pk__in=users_in_scope(user, scope))
    return result + [(str(u.pk), u.get_full_name() or str(u)) for u in users.order_by("display_name")[:300]]


def status_and_owner(status_enum) -> tuple[Filter, Filter]:
    """The two filters every money record's list has: its status and its owner."""
    return (Filter("status", _("Status"), model_choices(status_enum)), Filter("owner", _("Owner"), people))


# grouping of the money records (quotations, contracts, invoices)
BY_STATUS_OWNER_CUSTOMER = (("status", _("Status")), ("owner", _("Owner")), ("customer", _("Customer")))


def customers(user) -> list[tuple[str, str]]:
    """Customers the user may add records to (their own and shared ones, by name)."""
    rows = Customer.objects.visible_to(user, "view").order_by("search_name").values_list("pk", "name")[:500]
    return [(str(pk), name) for pk, name in rows]


def _customer(user, value, errors_key: str = "customer") -> Customer:
    customer = (
        Customer.objects.visible_to(user, "view").filter(pk=int(value)).first()
        if str(value or "").isdigit()
        else None
    )
    if customer is None:
        raise ValidationFailed(_("Choose the customer."), fields={errors_key: [_("Choose the customer.")]})
    return customer


def _visible(user, model, value):
    if not str(value or "").isdigit():
        return None
    return model.objects.visible_to(user, "view").filter(pk=int(value)).first()


def _customer_initial(user, get) -> dict:
    values = {}
    for key in ("customer", "opportunity", "name"):
        if get.get(key):
            values[key] = get[key][:200]
    if get.get("opportunity", "").isdigit() and not values.get("customer"):
        opportunity = Opportunity.objects.visible_to(user).filter(pk=int(get["opportunity"])).first()
        if opportunity is not None:
            values["customer"] = str(opportunity.customer_id)
    return values


# --- leads ------------------------------------------------------------------------------------------

LEAD_FIELDS = (
    FormField("company_name", kind="text", required=True, maxlength=200),
    FormField("contact_name", maxlength=100),
    FormField("phone", kind="tel", maxlength=50),
    FormField("email", kind="email", maxlength=254),
    FormField("source", kind="select", choices=options(ChoiceList.SOURCE)),
    FormField("region", kind="select", choices=options(ChoiceList.REGION)),
    FormField("industry", kind="select", choices=options(ChoiceList.INDUSTRY)),
    FormField("quality", kind="select", required=True, choices=model_choices(Lead.Quality)),
    FormField("priority", kind="select", required=True, choices=model_choices(Lead.Priority)),
    FormField("next_follow_up", kind="date"),
    FormField("description", kind="textarea"),
)


def _lead_create(actor, values, request):
    values = dict(values)
    values["priority"] = int(values["priority"]) if str(values.get("priority", "")).isdigit() else -1
    return lead_create(actor=actor, **values)


def _disqualify_leads(actor, leads) -> int:
    done = 0
    for lead in leads:
        if lead.status not in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED):
            lead_disqualify(actor=actor, lead=lead, reason=str(_("Disqualified from the list.")))
            done += 1
    return done


def _lead_panels(request, lead) -> dict:
    """The convert panel of the lead page: customers and leads that look like it."""
    if lead.status in (Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED):
        return {}
    return {"duplicates": lead_duplicates(user=request.user, lead=lead)}


LEADS = ObjectType(
    key="lead",
    model=Lead,
    list_entity="lead",
    url_prefix="leads",
    title=_("lead"),
    title_plural=_("Leads"),
    columns=(
        Column("company_name", _("company"), link=True),
        Column("contact_name", _("contact")),
        Column("phone", _("phone")),
        Column("quality", _("quality")),
        Column("status", _("status")),
        Column("owner", _("owner")),
        Column("next_follow_up", _("next follow-up"), kind="date"),
    ),
    filters=(
        Filter("status", _("Status"), model_choices(Lead.Status)),
        Filter("quality", _("Quality"), model_choices(Lead.Quality)),
        Filter("source", _("Source"), options(ChoiceList.SOURCE)),
        Filter("owner", _("Owner"), people),
    ),
    sorts=(("priority", _("Priority")), ("-created", _("Newest"))),
    groups=(("owner", _("Owner")), ("status", _("Status")), ("quality", _("Quality"))),
    search_label=_("Company starts with"),
    detail_fields=(
        "company_name",
        "contact_name",
        "phone",
        "email",
        "source",
        "region",
        "industry",
        "quality",
        "priority",
        "status",
        "owner",
        "next_follow_up",
        "description",
        "converted_at",
    ),
    form_fields=LEAD_FIELDS,
    create=_lead_create,
    update=lambda actor, obj, values: lead_update(actor=actor, lead=obj, **values),
    delete=lambda actor, obj: lead_delete(actor=actor, lead=obj),
    select_related=("owner", "source", "region", "industry", "converted_customer"),
    initial=lambda user, get: {"quality": Lead.Quality.WARM, "priority": str(Lead.Priority.NORMAL)},
    detail_panels="tasklist/crm/_lead_panels.html",
    detail_context=_lead_panels,
    bulk_actions=(BulkAction("disqualify", _("Disqualify"), "change", _disqualify_leads),),
    list_actions=(("crm:lead_import", _("Import")), ("crm:lead_form_help", _("Web form"))),
)


# --- opportunities -------------------------------------------------------------------------------

OPPORTUNITY_FIELDS = (
    FormField("name", required=True, maxlength=200),
    FormField("amount", kind="number"),
    FormField("expected_close", kind="date"),
    FormField("probability", kind="number"),
    FormField("source", kind="select", choices=options(ChoiceList.SOURCE)),
    FormField("importance", kind="select", required=True, choices=model_choices(Opportunity.Importance)),
)


def sales_processes(_user) -> list[tuple[str, str]]:
    return [(str(p.pk), p.label) for p in SalesProcess.objects.filter(active=True)]


def _opportunity_create(actor, values, request):
    values = dict(values)
    customer = _customer(actor, values.pop("customer", ""))
    process = values.pop("process", "")
    if process:
        values["process"] = SalesProcess.objects.filter(
            active=True, pk=int(process) if str(process).isdigit() else None
        ).first()
        if values["process"] is None:
            raise ValidationFailed(
                _("Choose a sales process."), fields={"process": [_("Unknown sales process.")]}
            )
    if values.get("probability") == "":
        values["probability"] = None
    return opportunity_create(actor=actor, customer=customer, **values)


def _opportunity_update(actor, obj, values):
    values = {k: v for k, v in values.items() if not (k == "probability" and v == "")}
    return opportunity_update(actor=actor, opportunity=obj, **values)


OPPORTUNITIES = ObjectType(
    key="opportunity",
    model=Opportunity,
    list_entity="opportunity",
    url_prefix="opportunities",
    title=_("opportunity"),
    title_plural=_("Opportunities"),
    columns=(
        Column("name", _("name"), link=True),
        Column("customer.name", _("customer")),
        Column("stage", _("stage")),
        Column("status", _("status")),
        Column("amount", _("amount"), kind="money"),
        Column("expected_close", _("expected close"), kind="date"),
        Column("importance", _("importance")),
        Column("owner", _("owner")),
    ),
    filters=(
        Filter("stage", _("Stage"), lambda _user: funnel_stages()),
        Filter("status", _("Status"), model_choices(Opportunity.Status)),
        Filter("importance", _("Importance"), model_choices(Opportunity.Importance)),
        Filter("source", _("Source"), options(ChoiceList.SOURCE)),
        Filter("owner", _("Owner"), people),
    ),
    sorts=(
        ("-created", _("Newest")),
        ("-amount", _("Amount, largest first")),
        ("expected_close", _("Expected close")),
    ),
    groups=(
        ("stage", _("Stage")),
        ("owner", _("Owner")),
        ("status", _("Status")),
        ("source", _("Source")),
        ("close_reason", _("Reason category")),
    ),
    search_label=_("Name starts with"),
    form_fields=(
        FormField("customer", _("customer"), kind="select", required=True, choices=customers),
        FormField(
            "process",
            _("sales process"),
            kind="select",
            choices=sales_processes,
            help=_("Leave empty to follow the process of the customer's type or your department."),
        ),
        *OPPORTUNITY_FIELDS,
    ),
    edit_fields=OPPORTUNITY_FIELDS,
    create=_opportunity_create,
    update=_opportunity_update,
    select_related=("customer", "owner", "source", "stage"),
    initial=lambda user, get: {
        **_customer_initial(user, get),
        "importance": str(Opportunity.Importance.NORMAL),
    },
    own_pages=("detail",),
    list_actions=(
        ("crm:opportunity_board", _("Pipeline board")),
        ("crm:opportunity_reasons", _("Win/loss reasons")),
    ),
)


# --- activities ----------------------------------------------------------------------------------


def _activity_create(actor, values, request):
    values = dict(values)
    customer = _customer(actor, values.pop("customer", ""))
    opportunity = _visible(actor, Opportunity, values.pop("opportunity", ""))
    if values.pop("planned", False):
        return activity_plan(
            actor=actor,
            customer=customer,
            opportunity=opportunity,
            subject=values["subject"],
            kind=values["kind"],
            planned_at=values["occurred_at"],
            outcome=values["outcome"],
        )
    return activity_create(actor=actor, customer=customer, opportunity=opportunity, **values)


def _opportunities_of_user(user) -> list[tuple[str, str]]:
    rows = (
        Opportunity.objects.visible_to(user)
        .filter(status=Opportunity.Status.OPEN)
        .select_related("customer")
        .order_by("-pk")[:300]
    )
    return [(str(o.pk), f"{o.name} · {o.customer.name}") for o in rows]


ACTIVITIES = ObjectType(
    key="activity",
    model=Activity,
    list_entity="activity",
    url_prefix="activities",
    title=_("activity"),
    title_plural=_("Activities"),
    columns=(
        Column("occurred_at", _("when"), kind="datetime"),
        Column("kind", _("kind")),
        Column("subject", _("subject"), link=True),
        Column("customer.name", _("customer")),
        Column("status", _("status")),
        Column("next_follow_up", _("next follow-up"), kind="date"),
        Column("owner", _("by")),
    ),
    filters=(
        Filter("kind", _("Kind"), model_choices(Activity.Kind)),
        Filter("status", _("Status"), model_choices(Activity.Status)),
        Filter("owner", _("By"), people),
    ),
    sorts=(("-occurred_at", _("Newest first")),),
    groups=(("owner", _("By")), ("kind", _("Kind")), ("status", _("Status"))),
    search_label=_("Subject starts with"),
    detail_fields=(
        "customer",
        "opportunity",
        "kind",
        "status",
        "subject",
        "occurred_at",
        "outcome",
        "next_follow_up",
        "owner",
    ),
    form_fields=(
        FormField("customer", _("customer"), kind="select", required=True, choices=customers),
        FormField("opportunity", _("opportunity"), kind="select", choices=_opportunities_of_user),
        FormField("kind", kind="select", required=True, choices=model_choices(Activity.Kind)),
        FormField("subject", required=True, maxlength=200),
        FormField("occurred_at", kind="datetime", required=True),
        FormField(
            "planned",
            _("Planned (it takes place at that time)"),
            kind="bool",
        ),
        FormField("outcome", kind="textarea"),
        FormField("next_follow_up", kind="date"),
    ),
    create=_activity_create,
    select_related=("customer", "owner", "opportunity"),
    initial=lambda user, get: {
        **_customer_initial(user, get),
        "kind": Activity.Kind.CALL,
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    },
    detail_panels="tasklist/crm/_activity_panels.html",
    list_actions=(("crm:calendar", _("My calendar")),),
)


# --- contacts ---------------------------------------------------------------------------------------


def _superior(actor, value, customer):
    if not str(value or "").isdigit():
        return None
    superior = Contact.objects.visible_to(actor).filter(pk=int(value)).first()
    if superior is None:
        raise ValidationFailed(_("Choose the superior."), fields={"superior": [_("Choose the superior.")]})
    return superior


CONTACT_TEXT_FIELDS = (
    FormField("name", required=True, maxlength=100),
    FormField("department", maxlength=100),
    FormField("title", maxlength=100),
    FormField("role", maxlength=100),
    FormField("phone", kind="tel", maxlength=50),
    FormField("mobile", kind="tel", maxlength=50),
    FormField("email", kind="email", maxlength=254),
    FormField("birthday", kind="date"),
    FormField("interests", maxlength=300),
    FormField("family", kind="textarea"),
    FormField("notes", kind="textarea"),
)


def _superior_choices(user) -> list[tuple[str, str]]:
    rows = Contact.objects.visible_to(user).select_related("customer").order_by("customer_id", "name")[:500]
    return [(str(c.pk), f"{c.name} · {c.customer.name}") for c in rows]


def _contact_create(actor, values, request):
    values = dict(values)
    customer = _customer(actor, values.pop("customer", ""))
    values["superior"] = _superior(actor, values.pop("superior", ""), customer)
    return contact_create(actor=actor, customer=customer, **values)


def _contact_update(actor, obj, values):
    values = dict(values)
    values["superior"] = _superior(actor, values.pop("superior", ""), obj.customer)
    return contact_update(actor=actor, contact=obj, **values)


CONTACTS = ObjectType(
    key="contact",
    model=Contact,
    list_entity="contact",
    url_prefix="contacts",
    title=_("contact"),
    title_plural=_("Contacts"),
    columns=(
        Column("name", _("name"), link=True),
        Column("customer.name", _("customer")),
        Column("title", _("job title")),
        Column("mobile", _("mobile")),
        Column("email", _("e-mail")),
        Column("birthday", _("birthday"), kind="date"),
    ),
    filters=(Filter("owner", _("Customer manager"), people),),
    sorts=(("name", _("Name")), ("-created", _("Newest"))),
    groups=(("customer", _("Customer")),),
    search_label=_("Name starts with"),
    form_fields=(
        FormField("customer", _("customer"), kind="select", required=True, choices=customers),
        *CONTACT_TEXT_FIELDS[:4],
        FormField("superior", kind="select", choices=_superior_choices),
        *CONTACT_TEXT_FIELDS[4:],
    ),
    # editing does not move the contact to another customer (that is "move", with its history)
    edit_fields=(
        *CONTACT_TEXT_FIELDS[:4],
        FormField("superior", kind="select", choices=_superior_choices),
        *CONTACT_TEXT_FIELDS[4:],
    ),
    create=_contact_create,
    update=_contact_update,
    select_related=("customer", "superior"),
    initial=_customer_initial,
    own_pages=("detail",),
)

SALES_TYPES = (LEADS, OPPORTUNITIES, ACTIVITIES, CONTACTS)
