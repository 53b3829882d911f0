"""The office supplies shelf (/supplies/): what can be asked for and how much is left; the keepers
(office.change_supplyitem) book goods in. Requests go through "Start a request" (My requests)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from office.models import SupplyItem
from office.selectors import supply_items
from office.supplies import supply_item_restock
from org.permissions import user_can


@login_required
@require_GET
def catalogue(request):
    keeper = user_can(request.user, SupplyItem, "change")
    items = list(supply_items(active_only=not keeper).order_by("name"))
    context = {
        "items": items,
        "keeper": keeper,
        "low_count": sum(1 for i in items if i.low),
        "problem_item": request.GET.get("item", ""),
    }
    return render(request, "tasklist/supplies/catalogue.html", context)


@login_required
@require_POST
def restock(request, pk: int):
    item = SupplyItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404(_("No such item."))
    raw = (request.POST.get("quantity") or "").strip()
    try:
        quantity = int(raw)
    except ValueError:
        quantity = 0
    try:
        item = supply_item_restock(actor=request.user, item=item, quantity=quantity)
    except DomainError as error:
        messages.error(request, _("%(item)s: %(problem)s") % {"item": item.name, "problem": error.message})
    else:
        messages.success(
            request, _("%(item)s: %(stock)d in stock now.") % {"item": item.name, "stock": item.stock}
        )
    return redirect("supplies:catalogue")
