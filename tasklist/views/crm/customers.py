"""Customers: the list as a generic object view (tasklist.views.objects: filters, grouping with
totals, saved queries, column choice, export, bulk transfer/release/favourites) and the
customer card, form and card actions, which stay pages of their own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from crm.models import (
    ChoiceList,
    Complaint,
    ContactEmployment,
    Customer,
    CustomerLevel,
    CustomerShare,
    Document,
    LevelChangeRequest,
    Opportunity,
    Order,
    ServiceRequest,
    ShareLevel,
)
from crm.selectors.custom_fields import custom_rows
from crm.selectors.customers import customer_card, customer_get
from crm.selectors.dedup import customer_find_duplicates
from crm.selectors.documents import documents_for_customer
from crm.services.customers import (
    DuplicateFound,
    customer_create,
    customer_share,
    customer_transfer,
    customer_unshare,
    customer_update,
)
from crm.services.levels import customer_level_change_request
from crm.services.pools import pool_release
from engine.selectors import ProcessInstance, work, worklist
from org.models import Department
from org.selectors import group_choices

from ..objects import BulkAction, Column, Filter, FormField, ObjectType
from .common import (
    custom_definitions,
    form_rows,
    form_values,
    initial_values,
    permission,
    viewable,
)
from .sales import options, people

User = get_user_model()

TABS = (
    ("overview", gettext_lazy("Overview")),
    ("contacts", gettext_lazy("Contacts")),
    ("activities", gettext_lazy("Activities")),
    ("opportunities", gettext_lazy("Opportunities")),
    ("orders", gettext_lazy("Orders, contracts, payments")),
    ("service", gettext_lazy("Complaints and service")),
    ("documents", gettext_lazy("Documents")),
    ("history", gettext_lazy("Change history")),
    ("processes", gettext_lazy("Processes")),
)

# Seen only through a task (crm.access): the basics, the contacts and the records the task is about.
BASICS_TABS = tuple(
    (key, label) for key, label in TABS if key in ("overview", "contacts", "orders", "service")
)


# --- the list (a generic object view) ----------------------------------------------------------


def _levels(_user) -> list[tuple[str, str]]:
    return [(str(level.pk), level.name) for level in CustomerLevel.objects.filter(active=True)]


def _colleagues(user) -> list[tuple[str, str]]:
    """Whom a customer can be handed to: active staff by display name."""
    rows = User.objects.filter(is_active=True, employee__isnull=False).order_by("display_name")[:300]
    return [(str(u.pk), u.get_full_name() or str(u)) for u in rows]


def _transfer(actor, customers, value) -> int:
    owner = User.objects.filter(pk=int(value) if value.isdigit() else 0).first()
    for customer in customers:
        customer_transfer(
            actor=actor, customer=customer, owner=owner, note=str(_("Transferred from the list."))
        )
    return len(customers)


def _release(actor, customers, value) -> int:
    for customer in customers:
        pool_release(actor=actor, customer=customer, reason=value[:300])
    return len(customers)


CUSTOMERS = ObjectType(
    key="customer",
    model=Customer,
    list_entity="customer",
    url_prefix="customers",
    title=gettext_lazy("customer"),
    title_plural=gettext_lazy("Customers"),
    columns=(
        Column("name", gettext_lazy("customer"), link=True),
        Column("short_name", gettext_lazy("short name"), default=False),
        Column("code", gettext_lazy("code")),
        Column("phone", gettext_lazy("phone"), kind="tel"),
        Column("level", gettext_lazy("level")),
        Column("customer_type", gettext_lazy("type"), default=False),
        Column("status", gettext_lazy("status")),
        Column("industry", gettext_lazy("industry")),
        Column("region", gettext_lazy("region")),
        Column("owner", gettext_lazy("customer manager")),
        Column("last_activity_at", gettext_lazy("last activity"), kind="datetime"),
        Column("next_follow_up", gettext_lazy("next follow-up"), kind="date"),
        Column("annual_revenue", gettext_lazy("annual revenue"), kind="money"),
        Column("source", gettext_lazy("source"), default=False),
        Column("credit_level", gettext_lazy("credit level"), default=False),
        Column("email", gettext_lazy("e-mail"), default=False),
        Column("address", gettext_lazy("address"), default=False),
        Column("employee_count", gettext_lazy("employees"), default=False),
        Column("created_at", gettext_lazy("created"), kind="datetime", default=False),
    ),
    filters=(
        Filter("status", gettext_lazy("Status"), options(ChoiceList.STATUS)),
        Filter("level", gettext_lazy("Level"), _levels),
        Filter("customer_type", gettext_lazy("Type"), options(ChoiceList.TYPE)),
        Filter("source", gettext_lazy("Source"), options(ChoiceList.SOURCE)),
        Filter("industry", gettext_lazy("Industry"), options(ChoiceList.INDUSTRY)),
        Filter("region", gettext_lazy("Region"), options(ChoiceList.REGION)),
        Filter("owner", gettext_lazy("Customer manager"), people),
    ),
    sorts=(
        ("-last_activity", gettext_lazy("Last activity, newest first")),
        ("name", gettext_lazy("Name")),
        ("code", gettext_lazy("Code")),
        ("-annual_revenue", gettext_lazy("Annual revenue, largest first")),
        ("next_follow_up", gettext_lazy("Next follow-up")),
        ("-created", gettext_lazy("Newest")),
    ),
    groups=(
        ("level", gettext_lazy("Level")),
        ("owner", gettext_lazy("Customer manager")),
        ("status", gettext_lazy("Status")),
        ("industry", gettext_lazy("Industry")),
        ("region", gettext_lazy("Region")),
        ("credit_level", gettext_lazy("Credit level")),
    ),
    search_label=gettext_lazy("Name, phone, code or contact"),
    search_placeholder=gettext_lazy("Customer name…"),
    select_related=("owner", "level", "status", "industry", "region"),
    bulk_actions=(
        BulkAction(
            "transfer",
            gettext_lazy("Transfer to"),
            "change",
            _transfer,
            param=FormField(
                "owner", gettext_lazy("customer manager"), kind="select", required=True, choices=_colleagues
            ),
        ),
        BulkAction(
            "release",
            gettext_lazy("Release to the pool"),
            "change",
            _release,
            param=FormField("reason", gettext_lazy("reason"), required=True, maxlength=300),
        ),
    ),
    own_pages=("detail", "new", "edit"),
    list_actions=(
        ("crm:pool", gettext_lazy("Customer pool")),
        ("crm:customer_merge", gettext_lazy("Merge"), "crm.delete_customer"),
        ("crm:import", gettext_lazy("Import"), "crm.add_importjob"),
        ("tasklist:mailing_new", gettext_lazy("Send a mailing"), "integrations.add_mailing"),
    ),
)


# --- the card ---------------------------------------------------------------------------------


def _customer_or_404(user, pk, action="view") -> Customer:
    try:
        return customer_get(user=user, pk=pk, action=action)
    except DomainError:
        raise Http404(_("No such customer, or it is not yours to see.")) from None


def _can(user, customer, action) -> bool:
    return Customer.objects.visible_to(user, action).filter(pk=customer.pk).exists()


def _portal_invite_url(customer) -> str:
    try:
        return reverse("portal:staff_invite", args=[customer.pk])
    except NoReverseMatch:
        return ""


def customer_processes(customer) -> list[ProcessInstance]:
    """Process instances about this customer or one of its records (one query)."""
    types = ContentType.objects.get_for_models(
        Customer, LevelChangeRequest, Opportunity, Order, Complaint, ServiceRequest
    )

    def ids(model):
        return model.objects.filter(customer=customer).annotate(sid=Cast("pk", CharField())).values("sid")

    objects = [(types[Customer], str(customer.pk))]
    for model in (LevelChangeRequest, Opportunity, Order, Complaint, ServiceRequest):
        objects.append((types[model], ids(model)))
    return list(
        worklist.instances_about_any(objects)
        .select_related("definition", "started_by")
        .order_by("-started_at")[:50]
    )


def _attach_stage_processes(opportunities) -> None:
    """Each opportunity's newest process (its stage process), in one query."""
    if not opportunities:
        return
    content_type = ContentType.objects.get_for_model(Opportunity)
    latest: dict[str, ProcessInstance] = {}
    for instance in work.instances_about(content_type, [o.pk for o in opportunities]).order_by(
        "started_at", "pk"
    ):
        latest[instance.business_object_id] = instance
    for opportunity in opportunities:
        opportunity.stage_process = latest.get(str(opportunity.pk))


def _documents(customer, user) -> list:
    return list(documents_for_customer(user=user, customer=customer)[:100])


@viewable(Customer)
@require_GET
def customer_detail(request, pk: int):
    user = request.user
    try:
        card = customer_card(user=user, pk=pk)
    except DomainError:
        raise Http404(_("No such customer, or it is not yours to see.")) from None
    customer = card["customer"]
    tabs = BASICS_TABS if card["basics_only"] else TABS
    tab = request.GET.get("tab") if request.GET.get("tab") in dict(tabs) else "overview"
    contacts = [c for group in card["contacts_by_department"].values() for c in group]
    employments: dict[int, list] = {}
    if tab == "contacts" and contacts:
        for row in ContactEmployment.objects.filter(contact__in=contacts).select_related("customer"):
            employments.setdefault(row.contact_id, []).append(row)
    for contact in contacts:
        contact.history = employments.get(contact.pk, [])
    if tab == "opportunities":
        _attach_stage_processes(card["opportunities"])
    can_change = _can(user, customer, "change")
    context = {
        **card,
        "tab": tab,
        "tabs": tabs,
        "can_change": can_change,
        "can_merge": user.has_perm("crm.delete_customer"),
        "processes": customer_processes(customer) if tab == "processes" else [],
        "documents": _documents(customer, user) if tab == "documents" else None,
        "shares": list(customer.shares.select_related("user", "group__profile", "department"))
        if tab == "overview"
        else [],
        "levels": list(CustomerLevel.objects.filter(active=True)) if can_change else [],
        "pending_level": LevelChangeRequest.objects.filter(
            customer=customer, status=LevelChangeRequest.Status.PENDING
        )
        .select_related("to_level")
        .first(),
        "portal_invite_url": _portal_invite_url(customer) if can_change else "",
        "invite_contacts": [c for c in contacts if c.active] if can_change else [],
        "invite_email": next((c.email for c in contacts if c.is_primary and c.email), customer.email),
        "share_levels": ShareLevel.choices,
        "document_kinds": Document.Kind.choices,
        "custom_rows": [row for row in custom_rows(user, customer, "customer") if row[1] is not None]
        if tab == "overview"
        else [],
    }
    if can_change and tab == "overview":
        context["share_users"] = list(User.objects.filter(is_active=True).order_by("username")[:500])
        context["share_groups"] = group_choices(Group.objects.order_by("name"))
        context["share_departments"] = list(Department.objects.order_by("name"))
    return render(request, "tasklist/crm/customer_detail.html", context)


def _render_form(request, *, customer, values, errors, duplicates=(), status=200, definitions=None):
    definitions = custom_definitions(request.user) if definitions is None else definitions
    context = {
        "customer": customer,
        "groups": form_rows(values, errors, definitions),
        "errors": errors,
        "duplicates": duplicates,
        "merge_keep": customer.pk if customer else None,
        "non_field_errors": [str(m) for k, ms in errors.items() if k == "__all__" for m in ms],
    }
    return render(request, "tasklist/crm/customer_form.html", context, status=status)


def _located(error: DomainError) -> dict:
    return {k: [str(m) for m in v] for k, v in error.fields.items()} or {"__all__": [str(error.message)]}


def _submit(request, customer, definitions, save):
    """Run `save(values, custom, allow_duplicate)` on the posted form. Returns (saved, None), or
    (None, the form again) with the duplicates found (409) or the errors on their fields (400)."""
    values, custom = form_values(request.POST, definitions)
    try:
        return save(values, custom, request.POST.get("allow_duplicate") == "on"), None
    except DomainError as error:  # DuplicateFound is one
        duplicate = isinstance(error, DuplicateFound)
        page = _render_form(
            request,
            customer=customer,
            values={**values, **{f"custom.{k}": v for k, v in custom.items()}},
            errors={} if duplicate else _located(error),
            duplicates=_visible_matches(request.user, error.matches) if duplicate else (),
            status=409 if duplicate else 400,
            definitions=definitions,
        )
        return None, page


@permission("crm.add_customer")
def customer_new(request):
    if request.method != "POST":
        return _render_form(request, customer=None, values={"name": request.GET.get("name", "")}, errors={})
    customer, page = _submit(
        request,
        None,
        custom_definitions(request.user),
        lambda values, custom, allow_duplicate: customer_create(
            actor=request.user,
            allow_duplicate=allow_duplicate,
            custom={k: v for k, v in custom.items() if v != ""},
            **values,
        ),
    )
    if page is not None:
        return page
    messages.success(request, _("Created the customer %(code)s.") % {"code": customer.code})
    return redirect("crm:customer_detail", pk=customer.pk)


@permission("crm.change_customer")
def customer_edit(request, pk: int):
    customer = _customer_or_404(request.user, pk, "change")
    definitions = custom_definitions(request.user)
    if request.method != "POST":
        return _render_form(
            request, customer=customer, values=initial_values(customer, definitions), errors={}
        )
    _saved, page = _submit(
        request,
        customer,
        definitions,
        lambda values, custom, allow_duplicate: customer_update(
            actor=request.user,
            customer=customer,
            allow_duplicate=allow_duplicate,
            custom=custom if definitions else None,
            **values,
        ),
    )
    if page is not None:
        return page
    messages.success(request, _("Saved."))
    return redirect("crm:customer_detail", pk=customer.pk)


def _visible_matches(user, matches) -> list[dict]:
    """Duplicate matches; the ones the user may open carry a link."""
    visible = set(
        Customer.objects.visible_to(user)
        .filter(pk__in=[m.customer_id for m in matches])
        .values_list("pk", flat=True)
    )
    return [dict(m.as_dict(), visible=m.customer_id in visible) for m in matches]


@permission("crm.add_customer")
@require_GET
def customer_duplicates(request):
    """The live duplicate warning of the new-customer form (htmx, debounced while typing)."""
    get = request.GET
    name = get.get("name", "").strip()
    matches = []
    if len(name) >= 2 or get.get("phone") or get.get("email") or get.get("tax_id"):
        exclude = int(get["exclude"]) if get.get("exclude", "").isdigit() else None
        found = customer_find_duplicates(
            name=name[:200],
            phone=get.get("phone", "")[:50],
            email=get.get("email", "")[:254],
            tax_id=get.get("tax_id", "")[:40],
            exclude_pk=exclude,
            limit=10,
        )
        matches = _visible_matches(request.user, found)
    exclude = get.get("exclude", "")
    context = {"duplicates": matches, "merge_keep": int(exclude) if exclude.isdigit() else None}
    return render(request, "tasklist/crm/_duplicates.html", context)


# --- actions on the card ------------------------------------------------------------------------


def _back(pk, tab="overview"):
    return redirect(reverse("crm:customer_detail", args=[pk]) + ("" if tab == "overview" else f"?tab={tab}"))


@permission("crm.change_customer")
@require_POST
def customer_share_add(request, pk: int):
    customer = _customer_or_404(request.user, pk)
    target, target_id = request.POST.get("target", ""), request.POST.get("target_id", "")
    lookup = {"user": User, "group": Group, "department": Department}.get(target)
    obj = lookup.objects.filter(pk=int(target_id)).first() if lookup and target_id.isdigit() else None
    if obj is None:
        messages.error(request, _("Choose whom to share with."))
        return _back(pk)
    try:
        customer_share(
            actor=request.user, customer=customer, level=request.POST.get("level", ""), **{target: obj}
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Shared with %(who)s.") % {"who": obj})
    return _back(pk)


@permission("crm.change_customer")
@require_POST
def customer_share_remove(request, pk: int, share_id: int):
    customer = _customer_or_404(request.user, pk)
    share = CustomerShare.objects.filter(pk=share_id, customer=customer).select_related("customer").first()
    if share is None:
        raise Http404
    try:
        customer_unshare(actor=request.user, share=share)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The share was removed."))
    return _back(pk)


@permission("crm.change_customer")
@require_POST
def customer_level_request(request, pk: int):
    """Ask for a new level: the level-change process starts from its start binding."""
    customer = _customer_or_404(request.user, pk)
    level = CustomerLevel.objects.filter(pk=request.POST.get("to_level") or 0, active=True).first()
    if level is None:
        messages.error(request, _("Choose the new level."))
        return _back(pk)
    try:
        customer_level_change_request(
            actor=request.user,
            customer=customer,
            to_level=level,
            reason=request.POST.get("reason", "")[:2000],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The level change was requested; your manager decides it."))
    return _back(pk)


@permission("crm.change_customer")
@require_POST
def customer_release(request, pk: int):
    """Return the customer to the pool (公海) with a reason."""
    customer = _customer_or_404(request.user, pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Give a reason for releasing the customer."))
        return _back(pk)
    try:
        pool_release(actor=request.user, customer=customer, reason=reason[:300])
    except DomainError as error:
        messages.error(request, str(error.message))
        return _back(pk)
    messages.success(request, _("%(name)s was released to the pool.") % {"name": customer.name})
    return redirect("crm:pool")
