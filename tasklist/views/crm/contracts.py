"""Contracts (合同), invoices (发票) and receivables (the instalments of payment plans) as generic
object views; the contract page (terms, signers, approval, payment plan with overdue marks,
payments, invoices, documents) and its actions; the month's sales targets."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from crm.models import Contract, Document, Instalment, Invoice, Payment
from crm.selectors.budgets import sales_target_boards
from crm.selectors.receivables import contract_balance, payment_plan
from crm.services.budgets import sales_target_set
from crm.services.commerce import payment_record
from crm.services.contracts import (
    contract_set_status,
    contract_update,
    instalment_add,
    invoice_create,
    invoice_set_status,
)
from crm.services.documents import document_upload
from org.permissions import RowScope
from org.selectors import user_row_scope, users_in_scope

from ..objects import BulkAction, Column, Filter, ObjectType
from .common import permission
from .quotations import _errors, _visible_or_404
from .records import processes_of
from .sales import BY_STATUS_OWNER_CUSTOMER, model_choices, people, status_and_owner


def _submit(actor, contracts) -> int:
    done = 0
    for contract in contracts:
        if contract.status in (Contract.Status.DRAFT, Contract.Status.REJECTED):
            contract_set_status(actor=actor, contract=contract, status=Contract.Status.SUBMITTED)
            done += 1
    return done


CONTRACTS = ObjectType(
    key="contract",
    model=Contract,
    list_entity="contract",
    url_prefix="contracts",
    title=gettext_lazy("contract"),
    title_plural=gettext_lazy("Contracts"),
    columns=(
        Column("code", gettext_lazy("code"), link=True),
        Column("title", gettext_lazy("title")),
        Column("customer.name", gettext_lazy("customer")),
        Column("status", gettext_lazy("status")),
        Column("amount", gettext_lazy("amount"), kind="money"),
        Column("paid", gettext_lazy("paid"), kind="money"),
        Column("signed_on", gettext_lazy("signed"), kind="date"),
        Column("starts_on", gettext_lazy("from"), kind="date", default=False),
        Column("ends_on", gettext_lazy("until"), kind="date"),
        Column("customer_signer", gettext_lazy("signed by (customer)"), default=False),
        Column("owner", gettext_lazy("owner")),
    ),
    filters=status_and_owner(Contract.Status),
    sorts=(
        ("-created", gettext_lazy("Newest")),
        ("-amount", gettext_lazy("Amount, largest first")),
        ("-signed_on", gettext_lazy("Signed, newest first")),
        ("ends_on", gettext_lazy("Ends soonest")),
    ),
    groups=BY_STATUS_OWNER_CUSTOMER,
    search_label=gettext_lazy("Code or title starts with"),
    select_related=("customer", "owner"),
    bulk_actions=(BulkAction("submit", gettext_lazy("Submit for approval"), "change", _submit),),
    own_pages=("detail", "edit"),
    list_actions=(
        ("crm:quotation_list", gettext_lazy("Quotations")),
        ("crm:instalment_list", gettext_lazy("Receivables")),
        ("crm:invoice_list", gettext_lazy("Invoices")),
    ),
)


def _mark_sent(actor, invoices) -> int:
    done = 0
    for invoice in invoices:
        if invoice.status == Invoice.Status.ISSUED:
            invoice_set_status(actor=actor, invoice=invoice, status=Invoice.Status.SENT)
            done += 1
    return done


INVOICES = ObjectType(
    key="invoice",
    model=Invoice,
    list_entity="invoice",
    url_prefix="invoices",
    title=gettext_lazy("invoice"),
    title_plural=gettext_lazy("Invoices"),
    columns=(
        Column("number", gettext_lazy("invoice number"), link=True),
        Column("kind", gettext_lazy("kind")),
        Column("customer.name", gettext_lazy("customer")),
        Column("contract.code", gettext_lazy("contract")),
        Column("order.code", gettext_lazy("order"), default=False),
        Column("amount", gettext_lazy("amount"), kind="money"),
        Column("issued_on", gettext_lazy("invoice date"), kind="date"),
        Column("status", gettext_lazy("status")),
        Column("owner", gettext_lazy("owner")),
    ),
    filters=(
        Filter("status", gettext_lazy("Status"), model_choices(Invoice.Status)),
        Filter("kind", gettext_lazy("Kind"), model_choices(Invoice.Kind)),
        Filter("owner", gettext_lazy("Owner"), people),
    ),
    sorts=(
        ("-issued_on", gettext_lazy("Invoice date, newest first")),
        ("-amount", gettext_lazy("Amount, largest first")),
        ("-created", gettext_lazy("Newest")),
    ),
    groups=(
        ("status", gettext_lazy("Status")),
        ("kind", gettext_lazy("Kind")),
        ("owner", gettext_lazy("Owner")),
        ("customer", gettext_lazy("Customer")),
    ),
    search_label=gettext_lazy("Invoice number starts with"),
    detail_fields=(
        "number",
        "kind",
        "customer",
        "contract",
        "order",
        "amount",
        "issued_on",
        "status",
        "owner",
    ),
    select_related=("customer", "contract", "order", "owner"),
    bulk_actions=(BulkAction("sent", gettext_lazy("Mark as sent to the customer"), "change", _mark_sent),),
    detail_panels="tasklist/crm/_money_panels.html",
    list_actions=(("crm:contract_list", gettext_lazy("Contracts")),),
)


INSTALMENTS = ObjectType(
    key="instalment",
    model=Instalment,
    list_entity="instalment",
    url_prefix="receivables",
    title=gettext_lazy("instalment"),
    title_plural=gettext_lazy("Receivables"),
    columns=(
        Column("contract.code", gettext_lazy("contract"), link=True),
        Column("sequence", gettext_lazy("instalment")),
        Column("customer.name", gettext_lazy("customer")),
        Column("due_on", gettext_lazy("due on"), kind="date"),
        Column("amount", gettext_lazy("amount"), kind="money"),
        Column("paid", gettext_lazy("paid"), kind="money"),
        Column("outstanding", gettext_lazy("outstanding"), kind="money"),
        Column("contract.owner", gettext_lazy("owner")),
        Column("note", gettext_lazy("note"), default=False),
        Column("reminded_on", gettext_lazy("reminded"), kind="date", default=False),
    ),
    filters=(
        Filter(
            "due",
            gettext_lazy("Due"),
            lambda _user: [
                ("overdue", _("Overdue")),
                ("week", _("Due within 7 days")),
                ("month", _("Due within 30 days")),
                ("open", _("Not yet paid")),
                ("settled", _("Paid")),
            ],
        ),
        Filter("owner", gettext_lazy("Owner"), people),
    ),
    sorts=(
        ("due_on", gettext_lazy("Due soonest")),
        ("-due_on", gettext_lazy("Due latest")),
        ("-outstanding", gettext_lazy("Outstanding, largest first")),
    ),
    groups=(
        ("customer", gettext_lazy("Customer")),
        ("owner", gettext_lazy("Owner")),
        ("contract", gettext_lazy("Contract")),
    ),
    search_label=gettext_lazy("Contract code starts with"),
    detail_fields=("contract", "sequence", "customer", "due_on", "amount", "note", "settled", "reminded_on"),
    select_related=("contract", "customer", "contract__owner"),
    detail_panels="tasklist/crm/_money_panels.html",
    list_actions=(
        ("crm:contract_list", gettext_lazy("Contracts")),
        ("crm:invoice_list", gettext_lazy("Invoices")),
    ),
)


@permission("crm.view_contract")
@require_GET
def contract_detail(request, pk: int):
    user = request.user
    contract = _visible_or_404(user, Contract, pk, "customer", "owner", "signer", "quotation", "opportunity")
    can_change = Contract.objects.visible_to(user, "change").filter(pk=contract.pk).exists()
    plan = payment_plan(contract=contract)
    return render(
        request,
        "tasklist/crm/contract_detail.html",
        {
            "contract": contract,
            "customer": contract.customer,
            "balance": contract_balance(contract=contract),
            "plan": plan,
            "open_instalments": [row.instalment for row in plan if row.outstanding],
            "payments": list(
                contract.payments.select_related("order", "instalment").order_by("-paid_on", "-id")
            ),
            "invoices": list(contract.invoices.order_by("-issued_on", "-id")),
            "invoiced": sum(
                (i.amount for i in contract.invoices.all() if i.status != Invoice.Status.VOID), 0
            ),
            "orders": list(contract.orders.order_by("-id")),
            "documents": list(Document.objects.filter(contract=contract).order_by("-uploaded_at")),
            "processes": processes_of(contract),
            "can_change": can_change,
            "can_edit": can_change and contract.status in (Contract.Status.DRAFT, Contract.Status.REJECTED),
            "can_plan": can_change and user.has_perm("crm.add_instalment"),
            "can_pay": user.has_perm("crm.add_payment") and contract.status in Contract.RECEIVABLE,
            "can_invoice": user.has_perm("crm.add_invoice"),
            "methods": Payment.Method.choices,
            "invoice_kinds": Invoice.Kind.choices,
            "today": timezone.localdate(),
        },
    )


CONTRACT_FORM = ("title", "amount", "starts_on", "ends_on", "terms", "customer_signer")


@permission("crm.change_contract")
def contract_edit(request, pk: int):
    contract = _visible_or_404(request.user, Contract, pk, "customer", action="change")
    return _record_form(
        request,
        obj=contract,
        names=CONTRACT_FORM,
        save=lambda values: contract_update(actor=request.user, contract=contract, **values),
        back=reverse("crm:contract_detail", args=[contract.pk]),
        title=_("Edit %(name)s") % {"name": contract.code},
        kinds={"starts_on": "date", "ends_on": "date", "terms": "textarea", "amount": "number"},
        maxlength={"title": 200, "customer_signer": 100},
    )


def _flash(request, error: DomainError) -> None:
    for field_messages in _errors(error).values():
        for message in field_messages:
            messages.error(request, message)


@permission("crm.change_contract")
@require_POST
def contract_action(request, pk: int, action: str):
    """submit / sign / instalment / payment / invoice / invoice_status / attachment on one contract."""
    user = request.user
    post = request.POST
    contract = _visible_or_404(user, Contract, pk, "customer", action="view")
    try:
        if action == "submit":
            contract_set_status(actor=user, contract=contract, status=Contract.Status.SUBMITTED)
            messages.success(request, _("Submitted for approval."))
        elif action == "sign":
            contract_set_status(
                actor=user,
                contract=contract,
                status=Contract.Status.SIGNED,
                signed_on=post.get("signed_on"),
                customer_signer=post.get("customer_signer", ""),
            )
            messages.success(request, _("The signing is recorded."))
        elif action == "instalment":
            instalment_add(
                actor=user,
                contract=contract,
                due_on=post.get("due_on"),
                amount=post.get("amount"),
                note=post.get("note", ""),
            )
            messages.success(request, _("Instalment added to the payment plan."))
        elif action == "payment":
            instalment = None
            if post.get("instalment", "").isdigit():
                instalment = Instalment.objects.filter(contract=contract, pk=int(post["instalment"])).first()
            payment_record(
                actor=user,
                customer=contract.customer,
                contract=contract,
                instalment=instalment,
                amount=post.get("amount"),
                paid_on=post.get("paid_on") or None,
                method=post.get("method") or Payment.Method.TRANSFER,
                reference=post.get("reference", ""),
            )
            messages.success(request, _("Payment recorded."))
        elif action == "invoice":
            invoice_create(
                actor=user,
                customer=contract.customer,
                contract=contract,
                number=post.get("number", ""),
                amount=post.get("amount"),
                issued_on=post.get("issued_on") or None,
                kind=post.get("kind") or Invoice.Kind.VAT_SPECIAL,
            )
            messages.success(request, _("Invoice recorded."))
        elif action == "attachment":
            document = document_upload(
                actor=user,
                customer=contract.customer,
                upload=request.FILES.get("file"),
                title=post.get("title", ""),
                kind=Document.Kind.CONTRACT,
                contract=contract,
            )
            messages.success(request, _("Added the document “%(title)s”.") % {"title": document.title})
        elif action == "invoice_status":
            invoice = (
                Invoice.objects.visible_to(user, "change")
                .filter(contract=contract, pk=post.get("invoice"))
                .first()
            )
            if invoice is None:
                raise Http404
            invoice_set_status(actor=user, invoice=invoice, status=post.get("status", ""))
            messages.success(request, _("Invoice updated."))
        else:
            raise Http404
    except DomainError as error:
        _flash(request, error)
    return redirect("crm:contract_detail", contract.pk)


# --- sales targets -------------------------------------------------------------------------------


def _month(value: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{value}-01") if value else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@permission("crm.view_budget")
def targets(request):
    """The month's sales targets (sales budgets) with progress and ranking; managers set a
    salesperson's target for the month (a line of the team's budget; a change keeps its reason)."""
    user = request.user
    month = _month(request.GET.get("month") or request.POST.get("month"))
    can_set = user.has_perm("crm.add_budget")
    scope = user_row_scope(user)
    people = get_user_model().objects.filter(is_active=True, employee__isnull=False)
    if scope != RowScope.ALL:
        people = people.filter(pk__in=users_in_scope(user, scope))
    if request.method == "POST" and can_set:
        person = people.filter(pk=request.POST.get("salesperson") or 0).first()
        try:
            sales_target_set(
                actor=user,
                salesperson=person,
                month=month,
                planned=request.POST.get("planned"),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as error:
            _flash(request, error)
        else:
            messages.success(request, _("Target saved."))
        return redirect(f"{reverse('crm:targets')}?month={month:%Y-%m}")
    return render(
        request,
        "tasklist/crm/targets.html",
        {
            "boards": sales_target_boards(user=user, day=month),
            "month": month,
            "can_set": can_set,
            "people": list(people.order_by("username")[:300]) if can_set else [],
        },
    )


def _record_form(request, *, obj, names, save, back, title, kinds=None, maxlength=None):
    """GET: the record's fields; POST: the crm service saves them or its errors land on the fields."""
    kinds, maxlength = kinds or {}, maxlength or {}
    model = type(obj)
    errors: dict = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in names}
        try:
            save(values)
        except DomainError as error:
            errors = {k: [str(m) for m in v] for k, v in error.fields.items()} or {
                "__all__": [str(error.message)]
            }
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    else:
        values = {name: "" if getattr(obj, name) is None else str(getattr(obj, name)) for name in names}
    fields = [
        {
            "name": name,
            "label": model._meta.get_field(name).verbose_name,
            "value": values[name],
            "errors": errors.get(name, []),
            "kind": kinds.get(name, "text"),
            "maxlength": maxlength.get(name),
            "required": not model._meta.get_field(name).blank,
        }
        for name in names
    ]
    context = {
        "obj": obj,
        "customer": obj.customer,
        "title": title,
        "back": back,
        "fields": fields,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
    }
    return render(request, "tasklist/crm/contract_form.html", context, status=400 if errors else 200)
