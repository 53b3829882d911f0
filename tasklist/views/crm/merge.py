"""Merge two customer cards: values side by side, what moves, then crm's merge service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from crm.models import Customer
from crm.selectors.merge import merge_default_side, merge_moving_counts
from crm.services.merge import MERGEABLE_FIELDS, customer_merge

from .common import permission


def _pick(user, value: str, action: str) -> Customer | None:
    """A customer by id or code, if the user may act on it."""
    value = (value or "").strip()
    if not value:
        return None
    qs = Customer.objects.visible_to(user, action).select_related(
        "status", "level", "customer_type", "source", "industry", "region", "owner"
    )
    condition = {"pk": int(value)} if value.isdigit() else {"code": value}
    return qs.filter(**condition).first()


def _display(customer: Customer, field: str) -> str:
    if field == "custom":
        return ", ".join(f"{k}: {v}" for k, v in (customer.custom or {}).items())
    value = getattr(customer, field)
    if hasattr(customer, f"get_{field}_display"):
        value = getattr(customer, f"get_{field}_display")()
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _rows(keep: Customer, remove: Customer) -> list[dict]:
    rows = []
    for field in MERGEABLE_FIELDS:
        left, right = _display(keep, field), _display(remove, field)
        attname = Customer._meta.get_field(field).attname
        rows.append(
            {
                "field": field,
                "label": Customer._meta.get_field(field).verbose_name,
                "keep": left,
                "remove": right,
                "differ": left != right,
                "default": merge_default_side(field, getattr(keep, attname), getattr(remove, attname)),
            }
        )
    return rows


@permission("crm.delete_customer")
def customer_merge_view(request):
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    keep_value, remove_value = source.get("keep", ""), source.get("remove", "")
    keep = _pick(user, keep_value, "change")
    remove = _pick(user, remove_value, "delete")
    errors = {}
    if keep_value and keep is None:
        errors["keep"] = [_("No customer with this id or code that you may change.")]
    if remove_value and remove is None:
        errors["remove"] = [_("No customer with this id or code that you may delete.")]
    if keep and remove and keep.pk == remove.pk:
        errors["remove"] = [_("Choose another customer.")]
    ready = bool(keep and remove and not errors)
    if request.method == "POST":
        if not ready:
            raise Http404
        choices = {
            f: request.POST[f"choice_{f}"] for f in MERGEABLE_FIELDS if request.POST.get(f"choice_{f}")
        }
        try:
            kept = customer_merge(actor=user, keep=keep, remove=remove, choices=choices)
        except DomainError as error:
            messages.error(request, str(error.message))
            errors = {k: [str(m) for m in v] for k, v in error.fields.items()}
        else:
            messages.success(
                request,
                _("%(removed)s was merged into %(kept)s.") % {"removed": remove.code, "kept": kept.code},
            )
            return redirect("crm:customer_detail", pk=kept.pk)
    context = {
        "keep": keep,
        "remove": remove,
        "keep_value": keep_value,
        "remove_value": remove_value,
        "errors": errors,
        "rows": _rows(keep, remove) if ready else [],
        "moving": merge_moving_counts(remove) if ready else [],
    }
    return render(
        request,
        "tasklist/crm/merge.html",
        context,
        status=400 if errors and request.method == "POST" else 200,
    )
