"""The customer pool (公海): unowned customers a salesperson may claim, within the pool's limit."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from crm.models import Customer, CustomerPool
from crm.services.pools import pool_claim

from .common import paginate, permission


@permission("crm.view_customer")
@require_GET
def pool_list(request):
    user = request.user
    pools = list(
        CustomerPool.objects.filter(active=True)
        .annotate(held=Count("customers", filter=Q(customers__owner=user)))
        .order_by("name")
    )
    current = next((p for p in pools if str(p.pk) == request.GET.get("pool")), None)
    qs = Customer.objects.filter(owner__isnull=True, pool__active=True).select_related(
        "pool", "level", "industry", "region"
    )
    if current is not None:
        qs = qs.filter(pool=current)
    text = request.GET.get("q", "").strip()[:100]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(code__iexact=text))
    page = paginate(qs.order_by("-updated_at", "-pk"), request.GET.get("page"))
    context = {
        "pools": pools,
        "current": current,
        "page": page,
        "q": text,
        "can_claim": user.has_perm("crm.change_customer"),
    }
    return render(request, "tasklist/crm/pool.html", context)


@permission("crm.change_customer")
@require_POST
def pool_claim_view(request, pk: int):
    customer = Customer.objects.filter(pk=pk, owner__isnull=True, pool__isnull=False).first()
    if customer is None:
        messages.error(request, _("This customer is not in a pool (someone may have claimed it already)."))
        return redirect("crm:pool")
    try:
        pool_claim(actor=request.user, customer=customer)
    except DomainError as error:
        detail = " ".join(str(m) for ms in error.fields.values() for m in ms)
        messages.error(request, f"{error.message} {detail}".strip())
        return redirect("crm:pool")
    messages.success(request, _("%(name)s is now your customer.") % {"name": customer.name})
    return redirect("crm:customer_detail", pk=customer.pk)
