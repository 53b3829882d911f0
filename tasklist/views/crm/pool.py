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
from org.selectors import effective_group_ids

from .common import paginate, permission


def _open_pools(user):
    """Active pools the user may claim from (no claim groups, or one of theirs); pool managers
    see every pool. Unowned customers are the pool's, so the row rule is the pool's, not an owner's."""
    pools = CustomerPool.objects.filter(active=True)
    if user.is_superuser or user.has_perm("crm.change_customerpool"):
        return pools
    groups = effective_group_ids(user)
    allowed = CustomerPool.objects.filter(Q(claim_groups=None) | Q(claim_groups__in=groups))
    return pools.filter(pk__in=allowed.values("pk"))


@permission("crm.view_customer")
@require_GET
def pool_list(request):
    user = request.user
    pools = list(
        _open_pools(user).annotate(held=Count("customers", filter=Q(customers__owner=user))).order_by("name")
    )
    current = next((p for p in pools if str(p.pk) == request.GET.get("pool")), None)
    qs = Customer.objects.filter(owner__isnull=True, pool__in=[current] if current else pools).select_related(
        "pool", "level", "industry", "region"
    )
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
