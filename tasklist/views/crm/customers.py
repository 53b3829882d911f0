"""Customer list (filters, grouping with totals, saved queries, export) and the customer card."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core import jsonlimits
from core.errors import DomainError, ValidationFailed
from crm.models import (
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
from crm.selectors.customers import customer_card, customer_get
from crm.selectors.dedup import customer_find_duplicates
from crm.selectors.documents import documents_for_customer
from crm.selectors.lists import list_groups, list_page, list_totals
from crm.selectors.misc import saved_queries_for
from crm.services.customers import (
    DuplicateFound,
    customer_create,
    customer_share,
    customer_unshare,
    customer_update,
)
from crm.services.imports import list_export
from crm.services.levels import customer_level_change_request
from crm.services.misc import saved_query_delete, saved_query_save
from crm.services.pools import pool_release
from engine.models import ProcessInstance
from org.models import Department
from org.permissions import RowScope
from org.selectors import group_choices, user_row_scope, users_in_scope

from .common import (
    custom_definitions,
    form_rows,
    form_values,
    initial_values,
    option_choices,
    permission,
    viewable,
)

User = get_user_model()

FILTERS = ("status", "level", "customer_type", "source", "industry", "region", "owner")
SORTS = (
    ("-last_activity", gettext_lazy("Last activity, newest first")),
    ("name", gettext_lazy("Name")),
    ("code", gettext_lazy("Code")),
    ("-annual_revenue", gettext_lazy("Annual revenue, largest first")),
    ("next_follow_up", gettext_lazy("Next follow-up")),
    ("-created", gettext_lazy("Newest")),
)
GROUPS = (
    ("level", gettext_lazy("Level")),
    ("owner", gettext_lazy("Customer manager")),
    ("status", gettext_lazy("Status")),
    ("industry", gettext_lazy("Industry")),
    ("region", gettext_lazy("Region")),
    ("credit_level", gettext_lazy("Credit level")),
)
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


# --- the list ---------------------------------------------------------------------------------


def list_params(get) -> dict:
    """The GET parameters of the list page as crm list params (what a saved query stores)."""
    filters = {name: get[name] for name in FILTERS if get.get(name)}
    params: dict = {"filters": filters}
    for key, name in (("q", "search"), ("sort", "sort"), ("group", "group_by")):
        if get.get(key):
            params[name] = get[key]
    return params


def params_query(params: dict) -> str:
    """Back from list params to the page's query string (for saved query links)."""
    query = {k: v for k, v in (params.get("filters") or {}).items() if k in FILTERS}
    for name, key in (("search", "q"), ("sort", "sort"), ("group_by", "group")):
        if params.get(name):
            query[key] = params[name]
    return urlencode(query)


def _owner_choices(user) -> list:
    """Customer managers the user may filter by: the people whose customers their row scope reaches."""
    scope = user_row_scope(user)
    if scope == RowScope.OWN:
        return []
    users = User.objects.filter(is_active=True)
    if scope != RowScope.ALL:
        users = users.filter(pk__in=users_in_scope(user, scope))
    return list(users.order_by("username")[:300])


def _filter_fields(user, get, errors: dict) -> list[dict]:
    """The list's select boxes (filters, grouping, sort) with their choices and located errors."""
    options = option_choices()
    any_ = [("", _("Any"))]
    fields = [
        ("status", _("Status"), any_ + [(str(o.pk), o.label) for o in options["status"]], "status"),
        (
            "level",
            _("Level"),
            any_ + [(str(lv.pk), lv.name) for lv in CustomerLevel.objects.filter(active=True)],
            "level",
        ),
        ("customer_type", _("Type"), any_ + [(str(o.pk), o.label) for o in options["type"]], "customer_type"),
        ("source", _("Source"), any_ + [(str(o.pk), o.label) for o in options["source"]], "source"),
        ("industry", _("Industry"), any_ + [(str(o.pk), o.label) for o in options["industry"]], "industry"),
        ("region", _("Region"), any_ + [(str(o.pk), o.label) for o in options["region"]], "region"),
        (
            "owner",
            _("Customer manager"),
            [("", _("Anyone")), ("me", _("Me"))] + [(str(u.pk), str(u)) for u in _owner_choices(user)],
            "owner",
        ),
        ("group", _("Group by"), [("", _("No grouping"))] + [(k, str(v)) for k, v in GROUPS], "group_by"),
        ("sort", _("Sort"), [(k, str(v)) for k, v in SORTS], "sort"),
    ]
    return [
        {
            "name": name,
            "label": label,
            "choices": choices,
            "selected": get.get(name, ""),
            "errors": errors.get(key, []),
        }
        for name, label, choices, key in fields
    ]


@permission("crm.view_customer")
@require_GET
def customer_list(request):
    user = request.user
    params = list_params(request.GET)
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    errors: dict = {}
    page = {"rows": [], "count": 0, "count_capped": False, "page": 1, "page_size": 50}
    groups, totals = [], {}
    try:
        page = list_page(user=user, entity="customer", params=params, page=page_number)
        totals = list_totals(user=user, entity="customer", params=params)
        if params.get("group_by"):
            groups = list_groups(user=user, entity="customer", params=params)
    except ValidationFailed as error:
        errors = {k: [str(m) for m in v] for k, v in error.fields.items()}
    query = params_query(params)
    saved = list(saved_queries_for(user=user, entity="customer"))
    for entry in saved:
        entry.query_string = params_query(entry.params)
    context = {
        "page": page,
        "groups": groups,
        "totals": totals,
        "errors": errors,
        "get": request.GET,
        "filter_fields": _filter_fields(user, request.GET, errors),
        "params_json": json.dumps(params, ensure_ascii=False),
        "query": query,
        "next_query": urlencode({**dict(request.GET.items()), "page": page_number + 1})
        if len(page["rows"]) == page["page_size"]
        else "",
        "previous_query": urlencode({**dict(request.GET.items()), "page": page_number - 1})
        if page_number > 1
        else "",
        "saved_queries": saved,
        "current_saved": next((s for s in saved if s.query_string == query), None),
        "sharing_groups": group_choices(
            Group.objects.filter(pk__in=user.groups.values("pk")).order_by("name")
        ),
        "filtered": bool(query),
        "can_add": user.has_perm("crm.add_customer"),
        "can_export": user.has_perm("crm.export_customer"),
        "can_merge": user.has_perm("crm.delete_customer"),
        "can_import": user.has_perm("crm.add_importjob"),
    }
    template = (
        "tasklist/crm/_customer_results.html"
        if request.htmx and request.htmx.target == "customer-results"
        else "tasklist/crm/customer_list.html"
    )
    return render(request, template, context)


@permission("crm.export_customer")
@require_GET
def customer_export(request):
    try:
        data = list_export(actor=request.user, entity="customer", params=list_params(request.GET))
    except ValidationFailed as error:
        messages.error(request, str(error.message))
        return redirect(reverse("crm:customer_list") + "?" + request.GET.urlencode())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="customers.xlsx"'
    return response


@permission("crm.add_savedquery")
@require_POST
def saved_query_create(request):
    try:
        params = jsonlimits.loads(request.POST.get("params") or "{}")
    except ValueError:
        params = {}
    group = None
    if request.POST.get("shared_with", "").isdigit():
        group = Group.objects.filter(pk=int(request.POST["shared_with"])).first()
    try:
        saved = saved_query_save(
            actor=request.user,
            name=request.POST.get("name", ""),
            entity="customer",
            params=params,
            shared_with=group,
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(reverse("crm:customer_list") + "?" + params_query(params))
    messages.success(request, _("Saved the query “%(name)s”.") % {"name": saved.name})
    return redirect(reverse("crm:customer_list") + "?" + params_query(saved.params))


@permission("crm.change_savedquery")
@require_POST
def saved_query_delete_view(request, saved_query_id: int):
    try:
        saved_query_delete(actor=request.user, saved_query_id=saved_query_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Deleted the saved query."))
    return redirect("crm:customer_list")


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

    condition = Q(business_object_type=types[Customer], business_object_id=str(customer.pk))
    for model in (LevelChangeRequest, Opportunity, Order, Complaint, ServiceRequest):
        condition |= Q(business_object_type=types[model], business_object_id__in=ids(model))
    return list(
        ProcessInstance.objects.filter(condition)
        .select_related("definition", "started_by")
        .order_by("-started_at")[:50]
    )


def _attach_stage_processes(opportunities) -> None:
    """Each opportunity's newest process (its stage process), in one query."""
    if not opportunities:
        return
    content_type = ContentType.objects.get_for_model(Opportunity)
    latest: dict[str, ProcessInstance] = {}
    for instance in ProcessInstance.objects.filter(
        business_object_type=content_type, business_object_id__in=[str(o.pk) for o in opportunities]
    ).order_by("started_at", "pk"):
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
        "custom_rows": [
            (d.label, customer.custom[d.key])
            for d in custom_definitions()
            if d.key in (customer.custom or {})
        ]
        if tab == "overview"
        else [],
    }
    if can_change and tab == "overview":
        context["share_users"] = list(User.objects.filter(is_active=True).order_by("username")[:500])
        context["share_groups"] = group_choices(Group.objects.order_by("name"))
        context["share_departments"] = list(Department.objects.order_by("name"))
    return render(request, "tasklist/crm/customer_detail.html", context)


def _render_form(request, *, customer, values, errors, duplicates=(), status=200, definitions=None):
    definitions = custom_definitions() if definitions is None else definitions
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
        custom_definitions(),
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
    definitions = custom_definitions()
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
