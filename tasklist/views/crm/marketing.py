"""The marketing workspace on the generic object views: campaigns (members, tasks, costs, mailings,
return on cost), competitors and partners (cooperation records), expense claims (receipts, the
approval process) and favourite groups (a bulk action on every customer and contact list). Each
entity declares; the few pages that are not list/detail/form are small views here, each calling
one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, ValidationFailed
from crm.marketing import selectors as marketing_selectors
from crm.marketing.services import (
    campaign_add_cost,
    campaign_add_members_from,
    campaign_add_task,
    campaign_create,
    campaign_delete,
    campaign_remove_member,
    campaign_task_done,
    campaign_update,
    competitor_create,
    competitor_update,
    cooperation_add,
    expense_create,
    expense_delete,
    expense_submit,
    expense_update,
    favourite_add,
    favourite_list_create,
    favourite_list_delete,
    favourite_list_update,
    favourite_remove,
    opportunity_competitors_set,
)
from crm.models import (
    Campaign,
    CampaignMember,
    CampaignTask,
    Competitor,
    Contact,
    Customer,
    Expense,
    FavouriteList,
    Opportunity,
)
from engine.selectors import worklist
from integrations.mailings import mailing_create, mailings_for_topic, personalize
from integrations.models import Channel
from org.selectors import effective_group_ids

from ..objects import (
    BulkAction,
    Column,
    Filter,
    FormField,
    ObjectType,
    get_or_404,
    located,
    register_bulk_action,
)
from .common import permission
from .sales import customers, model_choices, people

User = get_user_model()


# --- choices ---------------------------------------------------------------------------------------


def _active_people(_user) -> list[tuple[str, str]]:
    rows = User.objects.filter(is_active=True, employee__isnull=False).order_by("display_name")[:500]
    return [(str(u.pk), u.get_full_name() or str(u)) for u in rows]


def _my_groups(user) -> list[tuple[str, str]]:
    from org.selectors import group_labels

    groups = list(Group.objects.filter(pk__in=effective_group_ids(user)))
    labels = group_labels(g.name for g in groups)
    return sorted(((str(g.pk), labels.get(g.name, g.name)) for g in groups), key=lambda r: r[1])


def _campaigns(user) -> list[tuple[str, str]]:
    rows = (
        Campaign.objects.visible_to(user)
        .exclude(status=Campaign.Status.CANCELLED)
        .order_by("-starts_on", "-pk")
        .values_list("pk", "name")[:200]
    )
    return [(str(pk), name) for pk, name in rows]


def _open_opportunities(user) -> list[tuple[str, str]]:
    rows = (
        Opportunity.objects.visible_to(user)
        .filter(status=Opportunity.Status.OPEN)
        .select_related("customer")
        .order_by("-pk")[:300]
    )
    return [(str(o.pk), f"{o.name} · {o.customer.name}") for o in rows]


def _categories(_user) -> list[tuple[str, str]]:
    return marketing_selectors.expense_category_choices()


def _my_favourite_groups(user) -> list[tuple[str, str]]:
    return [
        (str(pk), name) for pk, name in FavouriteList.objects.filter(owner=user).values_list("pk", "name")
    ]


# --- campaigns -------------------------------------------------------------------------------------

CAMPAIGN_FIELDS = (
    FormField("name", required=True, maxlength=200),
    FormField("kind", maxlength=60),
    FormField("channel", kind="select", choices=model_choices(Campaign.Channel)),
    FormField("goal", kind="textarea"),
    FormField("starts_on", kind="date"),
    FormField("ends_on", kind="date"),
    FormField("budget", kind="number"),
    FormField("expected_revenue", kind="number"),
    FormField("status", kind="select", required=True, choices=model_choices(Campaign.Status)),
    FormField("description", kind="textarea"),
)


def _campaign_panels(request, campaign) -> dict:
    user = request.user
    page = marketing_selectors.campaign_page(user=user, campaign=campaign)
    can_change = Campaign.objects.visible_to(user, "change").filter(pk=campaign.pk).exists()
    topic = marketing_selectors.mailing_topic(campaign)
    return {
        "page": page,
        "can_change": can_change,
        "sources": marketing_selectors.audience_sources(user=user) if can_change else [],
        "people": _active_people(user) if can_change else [],
        "mailings": mailings_for_topic(user=user, topic=topic),
        "can_mail": can_change and user.has_perm("integrations.add_mailing"),
        "report_url": reverse("reports:report", args=["campaigns"]),
    }


CAMPAIGNS = ObjectType(
    key="campaign",
    model=Campaign,
    list_entity="campaign",
    url_prefix="campaigns",
    title=_("campaign"),
    title_plural=_("Campaigns"),
    columns=(
        Column("name", _("name"), link=True),
        Column("channel", _("channel")),
        Column("status", _("status")),
        Column("starts_on", _("from"), kind="date"),
        Column("ends_on", _("until"), kind="date"),
        Column("budget", _("budget"), kind="money"),
        Column("owner", _("owner")),
    ),
    filters=(
        Filter("status", _("Status"), model_choices(Campaign.Status)),
        Filter("channel", _("Channel"), model_choices(Campaign.Channel)),
        Filter("owner", _("Owner"), people),
    ),
    sorts=(("-starts_on", _("Newest first")), ("starts_on", _("Oldest first"))),
    groups=(("status", _("Status")), ("channel", _("Channel")), ("owner", _("Owner"))),
    search_label=_("Name starts with"),
    detail_fields=(
        "kind",
        "channel",
        "status",
        "goal",
        "starts_on",
        "ends_on",
        "budget",
        "expected_revenue",
        "owner",
        "description",
    ),
    form_fields=CAMPAIGN_FIELDS,
    create=lambda actor, values, request: campaign_create(actor=actor, **values),
    update=lambda actor, obj, values: campaign_update(actor=actor, campaign=obj, **values),
    delete=lambda actor, obj: campaign_delete(actor=actor, campaign=obj),
    select_related=("owner",),
    initial=lambda user, get: {"status": Campaign.Status.PLANNED, "channel": Campaign.Channel.EMAIL},
    detail_panels="tasklist/crm/_campaign_panels.html",
    detail_wide="tasklist/crm/_campaign_wide.html",
    detail_context=_campaign_panels,
    list_actions=(("crm:campaign_task_list", _("My campaign tasks")),),
)


def _campaign_for_change(request, pk) -> Campaign:
    return get_or_404(request.user, CAMPAIGNS, pk, "change")


def _back_to_campaign(campaign, anchor: str = ""):
    return redirect(reverse("crm:campaign_detail", args=[campaign.pk]) + (f"#{anchor}" if anchor else ""))


def _report(request, error: DomainError) -> None:
    messages.error(request, "; ".join(m for ms in located(error).values() for m in ms))


@require_POST
def campaign_members_add(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    try:
        added = campaign_add_members_from(
            actor=request.user, campaign=campaign, source=request.POST.get("source", "")
        )
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, _g("%(n)d members added.") % {"n": added})
    return _back_to_campaign(campaign, "members")


@require_POST
def campaign_member_remove(request, pk: int, member_id: int):
    campaign = _campaign_for_change(request, pk)
    member = CampaignMember.objects.filter(campaign=campaign, pk=member_id).first()
    if member is None:
        raise Http404
    campaign_remove_member(actor=request.user, member=member)
    return _back_to_campaign(campaign, "members")


@require_POST
def campaign_task_add(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    post = request.POST
    assignee = (
        User.objects.filter(pk=int(post["assignee"])).first() if post.get("assignee", "").isdigit() else None
    )
    try:
        task = campaign_add_task(
            actor=request.user,
            campaign=campaign,
            title=post.get("title", ""),
            assignee=assignee,
            due_on=post.get("due_on"),
        )
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _g("Task “%(task)s” given to %(name)s, who was notified.") % {"task": task, "name": assignee},
        )
    return _back_to_campaign(campaign, "tasks")


@require_POST
def campaign_task_mark(request, task_id: int):
    """Mark a campaign task done (or open again): its assignee, or whoever may change the campaign."""
    task = CampaignTask.objects.select_related("campaign").filter(pk=task_id).first()
    if task is None or not (
        task.assignee_id == request.user.pk
        or Campaign.objects.visible_to(request.user, "change").filter(pk=task.campaign_id).exists()
    ):
        raise Http404(_g("Not found, or not yours to see."))
    done = request.POST.get("done", "1") == "1"
    try:
        campaign_task_done(actor=request.user, task=task, done=done)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _g("Done: %(task)s.") % {"task": task} if done else _g("Open again: %(task)s.") % {"task": task},
        )
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return _back_to_campaign(task.campaign, "tasks")


@permission("crm.view_campaign")
@require_GET
def campaign_task_list(request):
    """The campaign tasks given to me, open ones first, each with its Done button."""
    tasks = marketing_selectors.my_campaign_tasks(
        user=request.user, include_done=request.GET.get("all") == "1"
    )
    return render(
        request,
        "tasklist/crm/campaign_tasks.html",
        {"tasks": tasks, "show_all": request.GET.get("all") == "1"},
    )


@require_POST
def campaign_cost_add(request, pk: int):
    campaign = _campaign_for_change(request, pk)
    post = request.POST
    try:
        campaign_add_cost(
            actor=request.user,
            campaign=campaign,
            item=post.get("item", ""),
            amount=post.get("amount", ""),
            spent_on=post.get("spent_on") or None,
        )
    except DomainError as error:
        _report(request, error)
    return _back_to_campaign(campaign, "costs")


@require_http_methods(["GET", "POST"])
def campaign_mailing(request, pk: int):
    """Write an e-mail or SMS to the campaign's members, preview it as the first recipients will
    read it ({{ name }} filled in), then send; unsubscribed addresses are skipped."""
    campaign = _campaign_for_change(request, pk)
    if not request.user.has_perm("integrations.add_mailing"):
        raise PermissionDenied
    post = request.POST
    channel = post.get("channel") or (
        Channel.SMS if campaign.channel == Campaign.Channel.SMS else Channel.EMAIL
    )
    form = {
        "name": post.get("name") or campaign.name,
        "channel": channel,
        "subject": post.get("subject", ""),
        "body": post.get("body", ""),
    }
    recipients = marketing_selectors.campaign_recipients(
        user=request.user, campaign=campaign, channel="email" if channel == Channel.EMAIL else "sms"
    )
    errors: dict = {}
    preview = []
    if request.method == "POST":
        if post.get("send") == "1":
            try:
                mailing = mailing_create(
                    actor=request.user,
                    name=form["name"],
                    channel=channel,
                    subject=form["subject"],
                    body=form["body"],
                    recipients=recipients,
                    source=_g("Campaign: %(name)s") % {"name": campaign.name},
                    topic=marketing_selectors.mailing_topic(campaign),
                )
            except ValidationFailed as error:
                errors = located(error)
            else:
                messages.success(
                    request, _g("The mailing “%(name)s” is being sent.") % {"name": mailing.name}
                )
                return _back_to_campaign(campaign, "mailings")
        elif not form["body"].strip():
            errors = {"body": [_g("Write the text to send.")]}
        if not errors or post.get("send") != "1":
            preview = [
                {
                    "address": r["address"],
                    "subject": personalize(form["subject"], r["name"]),
                    "body": personalize(form["body"], r["name"]),
                }
                for r in recipients[:3]
            ]
    context = {
        "campaign": campaign,
        "form": form,
        "errors": errors,
        "preview": preview if not errors else [],
        "recipient_count": len(recipients),
        "channels": [(Channel.EMAIL, _g("E-mail")), (Channel.SMS, _g("SMS"))],
    }
    return render(request, "tasklist/crm/campaign_mailing.html", context, status=400 if errors else 200)


# --- competitors and partners ----------------------------------------------------------------------

COMPETITOR_FIELDS = (
    FormField("kind", kind="select", required=True, choices=model_choices(Competitor.Kind)),
    FormField("name", required=True, maxlength=200),
    FormField("website", maxlength=200),
    FormField("products", kind="textarea"),
    FormField("strengths", kind="textarea"),
    FormField("weaknesses", kind="textarea"),
    FormField("notes", kind="textarea"),
)


def _competitor_panels(request, competitor) -> dict:
    user = request.user
    return {
        "cooperations": list(competitor.cooperations.select_related("created_by")[:200]),
        "opportunities": list(
            Opportunity.objects.visible_to(user)
            .filter(competitors=competitor)
            .select_related("customer")
            .order_by("-pk")[:50]
        ),
        "can_change": user.has_perm("crm.change_competitor"),
    }


COMPETITORS = ObjectType(
    key="competitor",
    model=Competitor,
    list_entity="competitor",
    url_prefix="competitors",
    title=_("competitor or partner"),
    title_plural=_("Competitors and partners"),
    columns=(
        Column("name", _("name"), link=True),
        Column("kind", _("kind")),
        Column("products", _("competing products")),
        Column("website", _("website")),
    ),
    filters=(Filter("kind", _("Kind"), model_choices(Competitor.Kind)),),
    sorts=(("name", _("Name")), ("-created", _("Newest"))),
    groups=(("kind", _("Kind")),),
    search_label=_("Name starts with"),
    detail_fields=("kind", "website", "products", "strengths", "weaknesses", "notes"),
    form_fields=COMPETITOR_FIELDS,
    create=lambda actor, values, request: competitor_create(actor=actor, **values),
    update=lambda actor, obj, values: competitor_update(actor=actor, competitor=obj, **values),
    initial=lambda user, get: {
        "kind": get.get("kind") if get.get("kind") in Competitor.Kind.values else "competitor"
    },
    detail_panels="tasklist/crm/_competitor_panels.html",
    detail_context=_competitor_panels,
)


@require_POST
def cooperation_new(request, pk: int):
    partner = get_or_404(request.user, COMPETITORS, pk, "change")
    post = request.POST
    try:
        cooperation_add(
            actor=request.user,
            partner=partner,
            happened_on=post.get("happened_on", ""),
            subject=post.get("subject", ""),
            value=post.get("value", ""),
        )
    except DomainError as error:
        _report(request, error)
    return redirect(reverse("crm:competitor_detail", args=[partner.pk]) + "#cooperation")


@require_POST
def opportunity_competitors(request, pk: int):
    """Pick the competitors (and partners) of an opportunity, from its page."""
    opportunity = Opportunity.objects.visible_to(request.user, "change").filter(pk=pk).first()
    if opportunity is None:
        raise Http404(_g("Not found, or not yours to see."))
    ids = [int(v) for v in request.POST.getlist("competitors") if v.isdigit()]
    try:
        opportunity_competitors_set(
            actor=request.user, opportunity=opportunity, competitors=Competitor.objects.filter(pk__in=ids)
        )
    except DomainError as error:
        _report(request, error)
    return redirect(reverse("crm:opportunity_detail", args=[opportunity.pk]) + "#competitors")


# --- expenses --------------------------------------------------------------------------------------

EXPENSE_FIELDS = (
    FormField("category", _("category"), kind="select", required=True, choices=_categories),
    FormField("amount", kind="number", required=True),
    FormField("spent_on", kind="date", required=True),
    FormField("description", maxlength=300),
    FormField("customer", _("customer"), kind="select", choices=customers),
    FormField("opportunity", _("opportunity"), kind="select", choices=_open_opportunities),
    FormField("campaign", _("campaign"), kind="select", choices=_campaigns),
    FormField(
        "receipt",
        kind="file",
        accept=".pdf,.png,.jpg,.jpeg,.gif,image/*",
        help=_("A photo or PDF of the receipt or invoice (at most 10 MB)."),
    ),
)


def _expense_create(actor, values, request):
    values = dict(values)
    submit = values.pop("submit", False)
    if not values.get("receipt"):
        values.pop("receipt", None)
    return expense_create(actor=actor, submit=submit, **values)


def _expense_update(actor, obj, values):
    values = dict(values)
    if not values.get("receipt"):
        values.pop("receipt", None)  # an empty file input keeps the stored receipt
    return expense_update(actor=actor, expense=obj, **values)


def _expense_panels(request, expense) -> dict:
    user = request.user
    instance = worklist.latest_instance_of("crm", "expense", str(expense.pk))
    my_task = (
        worklist.assigned_tasks(user).filter(instance=instance).first() if instance is not None else None
    )
    return {
        "instance": instance,
        "my_task": my_task,
        "can_submit": expense.status == Expense.Status.DRAFT
        and Expense.objects.visible_to(user, "change").filter(pk=expense.pk).exists(),
    }


EXPENSES = ObjectType(
    key="expense",
    model=Expense,
    list_entity="expense",
    url_prefix="expenses",
    title=_("expense"),
    title_plural=_("Expenses"),
    columns=(
        Column("spent_on", _("date"), kind="date", link=True),
        Column("owner", _("spent by")),
        Column("category.name", _("category")),
        Column("amount", _("amount"), kind="money"),
        Column("status", _("status")),
        Column("customer.name", _("customer")),
        Column("campaign.name", _("campaign")),
        Column("description", _("description")),
    ),
    filters=(
        Filter("owner", _("Spent by"), people),
        Filter("status", _("Status"), model_choices(Expense.Status)),
        Filter("category", _("Category"), _categories),
        Filter("campaign", _("Campaign"), _campaigns),
    ),
    sorts=(("-spent_on", _("Newest first")), ("-amount", _("Amount, largest first"))),
    groups=(
        ("owner", _("Spent by")),
        ("status", _("Status")),
        ("category", _("Category")),
        ("campaign", _("Campaign")),
    ),
    search_label=_("Description starts with"),
    detail_fields=(
        "status",
        "category",
        "amount",
        "spent_on",
        "description",
        "owner",
        "customer",
        "opportunity",
        "campaign",
        "decision_note",
    ),
    form_fields=(
        *EXPENSE_FIELDS,
        FormField("submit", _("Send it for approval now"), kind="bool"),
    ),
    edit_fields=EXPENSE_FIELDS,
    create=_expense_create,
    update=_expense_update,
    delete=lambda actor, obj: expense_delete(actor=actor, expense=obj),
    select_related=("owner", "category", "customer", "opportunity", "campaign"),
    initial=lambda user, get: {
        "spent_on": timezone.localdate().isoformat(),
        "submit": True,
        **{k: get[k][:20] for k in ("customer", "opportunity", "campaign") if get.get(k, "").isdigit()},
    },
    detail_panels="tasklist/crm/_expense_panels.html",
    detail_context=_expense_panels,
    list_actions=(("crm:expense_mine", _("My expenses")),),
)


@permission("crm.view_expense")
@require_GET
def expense_mine(request):
    return redirect(reverse("crm:expense_list") + "?owner=me")


@require_POST
def expense_submit_view(request, pk: int):
    expense = get_or_404(request.user, EXPENSES, pk, "change")
    try:
        expense_submit(actor=request.user, expense=expense)
    except DomainError as error:
        _report(request, error)
    else:
        messages.success(request, _g("Sent for approval."))
    return redirect(reverse("crm:expense_detail", args=[expense.pk]))


@require_GET
def expense_receipt(request, pk: int):
    """The receipt, to whoever may see the expense (its approver through the task)."""
    expense = Expense.objects.visible_to(request.user).filter(pk=pk).first()
    if expense is None or not expense.receipt:
        raise Http404(_g("Not found, or not yours to see."))
    return FileResponse(expense.receipt.open("rb"), filename=expense.receipt.name.rsplit("/", 1)[-1])


# --- favourite groups ------------------------------------------------------------------------------

FAVOURITE_FIELDS = (
    FormField("name", required=True, maxlength=100),
    FormField(
        "shared_with",
        _("Share with"),
        kind="select",
        choices=_my_groups,
        help=_("Colleagues in the group see the list; only you change it."),
    ),
)


def _group_of(user, value):
    if not str(value or "").isdigit():
        return None
    return Group.objects.filter(pk=int(value)).first()


def _favourite_panels(request, group) -> dict:
    user = request.user
    return {
        "customers": list(
            Customer.objects.visible_to(user)
            .filter(favourite_items__favourite_list=group)
            .order_by("search_name")[:500]
        ),
        "contacts": list(
            Contact.objects.visible_to(user)
            .filter(favourite_items__favourite_list=group)
            .select_related("customer")
            .order_by("name")[:500]
        ),
        "is_owner": group.owner_id == user.pk,
        "can_mail": user.has_perm("integrations.add_mailing"),
    }


FAVOURITES = ObjectType(
    key="favourite_list",
    model=FavouriteList,
    list_entity="favourite_list",
    url_prefix="favourites",
    title=_("favourite group"),
    title_plural=_("Favourite groups"),
    columns=(
        Column("name", _("name"), link=True),
        Column("owner", _("owner")),
        Column("shared_with", _("shared with")),
    ),
    filters=(Filter("owner", _("Owner"), lambda user: [("me", str(_("Me")))]),),
    sorts=(("name", _("Name")), ("-created", _("Newest"))),
    search_label=_("Name starts with"),
    detail_fields=("owner", "shared_with", "created_at"),
    form_fields=FAVOURITE_FIELDS,
    create=lambda actor, values, request: favourite_list_create(
        actor=actor, name=values["name"], shared_with=_group_of(actor, values.get("shared_with"))
    ),
    update=lambda actor, obj, values: favourite_list_update(
        actor=actor,
        favourite_list=obj,
        name=values["name"],
        shared_with=_group_of(actor, values.get("shared_with")),
    ),
    delete=lambda actor, obj: favourite_list_delete(actor=actor, favourite_list=obj),
    select_related=("owner", "shared_with"),
    detail_panels="tasklist/crm/_favourite_panels.html",
    detail_context=_favourite_panels,
)


def _favourite_group(actor, value) -> FavouriteList:
    group = (
        FavouriteList.objects.filter(owner=actor, pk=int(value)).first()
        if str(value or "").isdigit()
        else None
    )
    if group is None:
        raise ValidationFailed(
            _("Choose one of your favourite groups."),
            fields={"value": [_g("Choose one of your favourite groups.")]},
        )
    return group


def _add_customers(actor, rows, value) -> int:
    return favourite_add(actor=actor, favourite_list=_favourite_group(actor, value), customers=rows)


def _add_contacts(actor, rows, value) -> int:
    return favourite_add(actor=actor, favourite_list=_favourite_group(actor, value), contacts=rows)


FAVOURITE_GROUP_PARAM = FormField(
    "favourite_list", _("Favourite group"), kind="select", required=True, choices=_my_favourite_groups
)
ADD_CUSTOMERS_TO_GROUP = register_bulk_action(
    Customer,
    BulkAction(
        "favourite_add",
        _("Add to a favourite group"),
        "view",
        _add_customers,
        param=FAVOURITE_GROUP_PARAM,
    ),
)
ADD_CONTACTS_TO_GROUP = register_bulk_action(
    Contact,
    BulkAction(
        "favourite_add",
        _("Add to a favourite group"),
        "view",
        _add_contacts,
        param=FAVOURITE_GROUP_PARAM,
    ),
)


@require_POST
def favourite_member(request, pk: int):
    """Add a customer to one of my groups or take one off (from the customer's card or the group's
    page); `remove=1` takes it off."""
    group = FavouriteList.objects.filter(owner=request.user, pk=pk).first()
    if group is None:
        raise Http404(_g("Not found, or not yours to see."))
    kind = "contact" if request.POST.get("contact", "").isdigit() else "customer"
    model = Contact if kind == "contact" else Customer
    record = model.objects.visible_to(request.user).filter(pk=int(request.POST.get(kind) or 0)).first()
    if record is None:
        raise Http404(_g("Not found, or not yours to see."))
    records = {"contacts" if kind == "contact" else "customers": [record]}
    try:
        if request.POST.get("remove") == "1":
            favourite_remove(actor=request.user, favourite_list=group, **records)
            messages.success(request, _g("Removed from “%(group)s”.") % {"group": group})
        else:
            favourite_add(actor=request.user, favourite_list=group, **records)
            messages.success(request, _g("Added to “%(group)s”.") % {"group": group})
    except DomainError as error:
        _report(request, error)
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(reverse("crm:favourite_list_detail", args=[group.pk]))


MARKETING_TYPES = (CAMPAIGNS, COMPETITORS, EXPENSES, FAVOURITES)


def _login(view):
    return login_required(view)


urlpatterns = [
    path("campaigns/tasks/", campaign_task_list, name="campaign_task_list"),
    path("campaigns/tasks/<int:task_id>/done/", _login(campaign_task_mark), name="campaign_task_done"),
    path("campaigns/<int:pk>/members/", _login(campaign_members_add), name="campaign_members_add"),
    path(
        "campaigns/<int:pk>/members/<int:member_id>/remove/",
        _login(campaign_member_remove),
        name="campaign_member_remove",
    ),
    path("campaigns/<int:pk>/tasks/", _login(campaign_task_add), name="campaign_task_add"),
    path("campaigns/<int:pk>/costs/", _login(campaign_cost_add), name="campaign_cost_add"),
    path("campaigns/<int:pk>/mailing/", _login(campaign_mailing), name="campaign_mailing"),
    path("competitors/<int:pk>/cooperation/", _login(cooperation_new), name="cooperation_new"),
    path(
        "opportunities/<int:pk>/competitors/", _login(opportunity_competitors), name="opportunity_competitors"
    ),
    path("expenses/mine/", expense_mine, name="expense_mine"),
    path("expenses/<int:pk>/submit/", _login(expense_submit_view), name="expense_submit"),
    path("expenses/<int:pk>/receipt/", _login(expense_receipt), name="expense_receipt"),
    path("favourites/<int:pk>/members/", _login(favourite_member), name="favourite_member"),
]
