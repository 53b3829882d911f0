"""Quotations (报价单) and the staff order form: priced lines picked from the catalogue (price and
stock shown), versions, the PDF, sending by e-mail, accepting into a contract or an order."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from crm.models import Contact, Customer, Order, Product, Quotation, StockLevel
from crm.pdf import quotation_pdf, quotation_pdf_name
from crm.services.commerce import order_create, order_set_status
from crm.services.quotations import (
    DEFAULT_TAX_PERCENT,
    quotation_accept,
    quotation_create,
    quotation_decline,
    quotation_revise,
    quotation_send,
)

from ..custom_fields import posted_custom
from ..objects import (
    BulkAction,
    Column,
    FormField,
    ObjectType,
    custom_form_definitions,
    custom_form_fields,
    save_with_custom,
)
from .common import permission
from .sales import BY_STATUS_OWNER_CUSTOMER, status_and_owner

EMPTY_ROWS = 3


def _visible_or_404(user, model, pk, *related, action="view"):
    obj = model.objects.visible_to(user, action).select_related(*related).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("Not found, or not yours to see."))
    return obj


def _errors(error: DomainError) -> dict:
    return {k: [str(m) for m in v] for k, v in error.fields.items()} or {"__all__": [str(error.message)]}


def catalogue() -> list[dict]:
    """Products on sale with their price-list price and the stock available, for the line picker."""
    products = list(Product.objects.filter(active=True).order_by("code")[:500])
    stock = {
        row["product_id"]: (row["on_hand"] or 0) - (row["reserved"] or 0)
        for row in StockLevel.objects.filter(product__in=products)
        .order_by()
        .values("product_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    }
    return [{"product": p, "stock": stock.get(p.pk, Decimal(0))} for p in products]


def read_lines(post, *, with_tax: bool) -> tuple[list[dict], list[dict]]:
    """The submitted rows (as typed, for redisplay) and the non-empty ones as service lines;
    each service line remembers its row so an error `lines.N.field` lands on that row."""
    products = {
        str(p.pk): p
        for p in Product.objects.filter(pk__in=[v for v in post.getlist("product") if v.isdigit()])
    }
    keys = ["product", "quantity", "price", "discount_percent"] + (["tax_percent"] if with_tax else [])
    columns = {key: post.getlist(key) for key in keys}
    count = max((len(v) for v in columns.values()), default=0)
    rows, lines = [], []
    for index in range(count):
        row = {key: (columns[key][index] if index < len(columns[key]) else "").strip() for key in keys}
        rows.append(row)
        if not any(row.values()):
            continue
        line = {"product": products.get(row["product"]), "quantity": row["quantity"]}
        for key in keys[2:]:
            if row[key]:
                line[key] = row[key]
        line["row"] = index
        lines.append(line)
    return rows, lines


def rows_with_errors(rows: list[dict], lines: list[dict], errors: dict) -> list[dict]:
    """Attach `lines.N.field` errors to the rows they came from; add empty rows to type into."""
    for number, line in enumerate(lines, start=1):
        prefix = f"lines.{number}."
        rows[line["row"]]["errors"] = {
            key[len(prefix) :]: messages for key, messages in errors.items() if key.startswith(prefix)
        }
    return rows + [{} for _ in range(EMPTY_ROWS)]


def _line_form_context(*, customer, rows, errors, with_tax: bool) -> dict:
    return {
        "customer": customer,
        "catalogue": catalogue(),
        "rows": rows,
        "errors": errors,
        "general_errors": errors.get("__all__", []) + errors.get("lines", []),
        "with_tax": with_tax,
        "default_tax": DEFAULT_TAX_PERCENT,
    }


def _customer_from(request, action="view") -> Customer:
    pk = request.GET.get("customer") or request.POST.get("customer")
    if not str(pk or "").isdigit():
        raise Http404(_("Choose a customer first."))
    return _visible_or_404(request.user, Customer, int(pk), action=action)


QUOTATION_FIELDS = ("title", "valid_until", "terms", "notes")


def _quotation_form(request, *, customer, quotation=None):
    """New quotation, or a revision of `quotation` (a new version)."""
    errors: dict = {}
    contacts = list(Contact.objects.filter(customer=customer, active=True).order_by("name"))
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in QUOTATION_FIELDS}
        values["contact"] = request.POST.get("contact", "")
        rows, lines = read_lines(request.POST, with_tax=True)
        contact = next((c for c in contacts if str(c.pk) == values["contact"]), None)
        service_lines = [{k: v for k, v in line.items() if k != "row"} for line in lines]
        fields = {name: values[name] for name in QUOTATION_FIELDS}
        try:
            if quotation is None:
                result = quotation_create(
                    actor=request.user, customer=customer, lines=service_lines, contact=contact, **fields
                )
            else:
                result = quotation_revise(
                    actor=request.user, quotation=quotation, lines=service_lines, contact=contact, **fields
                )
        except DomainError as error:
            errors = _errors(error)
            rows = rows_with_errors(rows, lines, errors)
        else:
            messages.success(request, _("Quotation %(code)s saved.") % {"code": result})
            return redirect("crm:quotation_detail", result.pk)
    elif quotation is not None:
        values = {
            name: "" if getattr(quotation, name) is None else str(getattr(quotation, name))
            for name in QUOTATION_FIELDS
        }
        values["contact"] = str(quotation.contact_id or "")
        rows = [
            {
                "product": str(line.product_id),
                "quantity": f"{line.quantity.normalize():f}",
                "price": str(line.price),
                "discount_percent": f"{line.discount_percent.normalize():f}",
                "tax_percent": f"{line.tax_percent.normalize():f}",
            }
            for line in quotation.lines.order_by("id")
        ] + [{} for _ in range(EMPTY_ROWS)]
    else:
        values = {name: "" for name in QUOTATION_FIELDS}
        values["contact"] = str(next((c.pk for c in contacts if c.is_primary), ""))
        rows = [{} for _ in range(EMPTY_ROWS)]
    context = _line_form_context(customer=customer, rows=rows, errors=errors, with_tax=True)
    context.update(
        {
            "values": values,
            "contacts": contacts,
            "quotation": quotation,
            "title": _("Revise %(code)s") % {"code": quotation} if quotation else _("New quotation"),
        }
    )
    return render(request, "tasklist/crm/quotation_form.html", context, status=400 if errors else 200)


@permission("crm.add_quotation")
def quotation_new(request):
    return _quotation_form(request, customer=_customer_from(request))


@permission("crm.change_quotation")
def quotation_revise_view(request, pk: int):
    quotation = _visible_or_404(request.user, Quotation, pk, "customer", action="change")
    return _quotation_form(request, customer=quotation.customer, quotation=quotation)


def _decline(actor, quotations, reason) -> int:
    done = 0
    for quotation in quotations:
        if quotation.status in (Quotation.Status.DRAFT, Quotation.Status.SENT):
            quotation_decline(actor=actor, quotation=quotation, reason=reason)
            done += 1
    return done


QUOTATIONS = ObjectType(
    key="quotation",
    model=Quotation,
    list_entity="quotation",
    url_prefix="quotations",
    title=gettext_lazy("quotation"),
    title_plural=gettext_lazy("Quotations"),
    columns=(
        Column("code", gettext_lazy("code"), link=True),
        Column("version", gettext_lazy("version"), default=False),
        Column("title", gettext_lazy("title")),
        Column("customer.name", gettext_lazy("customer")),
        Column("status", gettext_lazy("status")),
        Column("quoted_on", gettext_lazy("date"), kind="date"),
        Column("valid_until", gettext_lazy("valid until"), kind="date"),
        Column("total_amount", gettext_lazy("total"), kind="money"),
        Column("net_amount", gettext_lazy("net amount"), kind="money", default=False),
        Column("sent_to", gettext_lazy("sent to"), default=False),
        Column("owner", gettext_lazy("owner")),
    ),
    filters=status_and_owner(Quotation.Status),
    sorts=(
        ("-created", gettext_lazy("Newest")),
        ("-quoted_on", gettext_lazy("Date, newest first")),
        ("-total_amount", gettext_lazy("Total, largest first")),
        ("valid_until", gettext_lazy("Valid until")),
    ),
    groups=BY_STATUS_OWNER_CUSTOMER,
    search_label=gettext_lazy("Code or title starts with"),
    select_related=("customer", "owner"),
    bulk_actions=(
        BulkAction(
            "decline",
            gettext_lazy("Mark as declined"),
            "change",
            _decline,
            param=FormField("reason", gettext_lazy("reason"), required=True, maxlength=300),
        ),
    ),
    own_pages=("detail",),
    list_actions=(("crm:contract_list", gettext_lazy("Contracts")),),
)


@permission("crm.view_quotation")
@require_GET
def quotation_detail(request, pk: int):
    quotation = _visible_or_404(request.user, Quotation, pk, "customer", "contact", "owner", "opportunity")
    versions = list(
        Quotation.objects.visible_to(request.user).filter(code=quotation.code).order_by("-version")
    )
    can_change = Quotation.objects.visible_to(request.user, "change").filter(pk=quotation.pk).exists()
    open_ = quotation.status in (Quotation.Status.DRAFT, Quotation.Status.SENT)
    return render(
        request,
        "tasklist/crm/quotation_detail.html",
        {
            "quotation": quotation,
            "customer": quotation.customer,
            "lines": list(quotation.lines.select_related("product").order_by("id")),
            "versions": versions if len(versions) > 1 else [],
            "can_change": can_change and open_,
            "send_to": quotation.sent_to
            or (quotation.contact.email if quotation.contact else "")
            or quotation.customer.email,
            "contracts": list(quotation.contracts.all()),
            "orders": list(quotation.orders.all()),
        },
    )


@permission("crm.view_quotation")
@require_GET
def quotation_pdf_view(request, pk: int):
    quotation = _visible_or_404(request.user, Quotation, pk, "customer", "contact", "owner")
    response = HttpResponse(quotation_pdf(quotation), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quotation_pdf_name(quotation)}"'
    return response


@permission("crm.change_quotation")
@require_POST
def quotation_action(request, pk: int, action: str):
    quotation = _visible_or_404(request.user, Quotation, pk, "customer", action="change")
    try:
        if action == "send":
            quotation_send(
                actor=request.user,
                quotation=quotation,
                to=request.POST.get("to", ""),
                message=request.POST.get("message", ""),
            )
            messages.success(request, _("Quotation sent to %(to)s.") % {"to": request.POST.get("to")})
        elif action == "decline":
            quotation_decline(actor=request.user, quotation=quotation, reason=request.POST.get("reason", ""))
            messages.success(request, _("Marked as declined."))
        elif action == "accept":
            into = request.POST.get("into", "contract")
            result = quotation_accept(actor=request.user, quotation=quotation, into=into)
            messages.success(request, _("Accepted: %(result)s created.") % {"result": result})
            if isinstance(result, Order):
                return redirect("crm:order_detail", result.pk)
            return redirect("crm:contract_detail", result.pk)
        else:
            raise Http404
    except DomainError as error:
        for field_messages in _errors(error).values():
            for message in field_messages:
                messages.error(request, message)
    return redirect("crm:quotation_detail", quotation.pk)


# --- the staff order form ----------------------------------------------------------------------


@permission("crm.add_order")
def order_new(request):
    """An order with many lines for a customer; saved as a draft or submitted for approval (the
    order approval process, as for every order)."""
    customer = _customer_from(request)
    errors: dict = {}
    values = {"delivery_on": "", "notes": ""}
    rows = [{} for _ in range(EMPTY_ROWS)]
    definitions = custom_form_definitions(None, request.user, entity="order")
    custom: dict = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        rows, lines = read_lines(request.POST, with_tax=False)
        service_lines = [{k: v for k, v in line.items() if k != "row"} for line in lines]
        custom = posted_custom(request.POST, definitions)
        try:
            with transaction.atomic():  # the order, its custom fields and its submission, or nothing
                order = save_with_custom(
                    request.user,
                    definitions,
                    custom,
                    lambda: order_create(
                        actor=request.user, customer=customer, lines=service_lines, **values
                    ),
                    new=True,
                )
                if request.POST.get("submit") == "approval":
                    order_set_status(actor=request.user, order=order, status=Order.Status.SUBMITTED)
        except DomainError as error:
            errors = _errors(error)
            rows = rows_with_errors(rows, lines, errors)
        else:
            messages.success(request, _("Order %(code)s saved.") % {"code": order.code})
            return redirect("crm:order_detail", order.pk)
    context = _line_form_context(customer=customer, rows=rows, errors=errors, with_tax=False)
    context.update(
        {
            "values": values,
            "title": _("New order"),
            "fields": custom_form_fields(definitions, {f"custom.{k}": v for k, v in custom.items()}, errors),
        }
    )
    return render(request, "tasklist/crm/order_form.html", context, status=400 if errors else 200)
