"""Pickers the CRM answers (core.pickers): `technician` (the dispatcher's workload view: each
technician with their open jobs and schedule) and `product` (the active catalogue)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.pickers import PICKER_LIMIT, FunctionSource, Option, PickerContext, register_picker
from org.pickers import is_staff_viewer, person_name
from org.selectors import members_of

from .models import Product, ServiceRequest

TECHNICIANS = "technicians"
SCHEDULE_SHOWN = 3
OPEN_JOBS = (ServiceRequest.Status.OPEN, ServiceRequest.Status.DISPATCHED)


def _technicians(ctx: PickerContext, query: str = ""):
    group = Group.objects.filter(name=ctx.prop.get("x-group") or TECHNICIANS).first()
    if group is None or not is_staff_viewer(ctx.viewer):
        return []
    qs = members_of(group).filter(employee__active=True).select_related("employee__department")
    if query:
        qs = qs.filter(
            Q(employee__name__icontains=query) | Q(display_name__icontains=query) | Q(username__iexact=query)
        )
    return list(qs)


def _workload_options(users) -> list[Option]:
    """Each technician with their open jobs and the next appointments, fewest jobs first."""
    jobs = defaultdict(list)
    for request in (
        ServiceRequest.objects.filter(technician__in=users, status__in=OPEN_JOBS)
        .order_by("scheduled_at", "pk")
        .only("code", "subject", "scheduled_at", "technician_id")
    ):
        jobs[request.technician_id].append(request)
    options = []
    for user in users:
        mine = jobs.get(user.pk, [])
        lines = []
        for job in [j for j in mine if j.scheduled_at][:SCHEDULE_SHOWN]:
            when = formats.date_format(timezone.localtime(job.scheduled_at), "SHORT_DATETIME_FORMAT")
            lines.append(f"{when} · {job.code} {job.subject}")
        count = ngettext("%(n)d open job", "%(n)d open jobs", len(mine)) % {"n": len(mine)}
        department = user.employee.department.name if getattr(user, "employee", None) else ""
        options.append(
            Option(
                value=user.username,
                label=person_name(user),
                detail=" · ".join(filter(None, [department, count])),
                extra={"open": len(mine), "lines": lines or [_("Nothing scheduled")]},
            )
        )
    return sorted(options, key=lambda o: (o.extra["open"], o.label))


def technician_options(ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
    return _workload_options(_technicians(ctx, query))[:limit]


def technician_option(ctx: PickerContext, value: str) -> Option | None:
    users = [u for u in _technicians(ctx) if u.username == value]
    return _workload_options(users)[0] if users else None


def _product_option(product: Product) -> Option:
    return Option(value=product.code, label=product.name, detail=f"{product.code} · {product.unit}")


def product_options(ctx: PickerContext, *, query: str = "", limit: int = PICKER_LIMIT) -> list[Option]:
    if not is_staff_viewer(ctx.viewer):
        return []
    qs = Product.objects.filter(active=True)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(spec__icontains=query))
    return [_product_option(p) for p in qs.order_by("code")[:limit]]


def product_option(ctx: PickerContext, value: str) -> Option | None:
    if not is_staff_viewer(ctx.viewer):
        return None
    product = Product.objects.filter(active=True, code=value).first()
    return _product_option(product) if product else None


def register() -> None:
    register_picker(
        "technician",
        FunctionSource(
            technician_options,
            technician_option,
            refused=lambda value: _("Choose one of the technicians listed."),
            display="cards",
        ),
    )
    register_picker(
        "product",
        FunctionSource(
            product_options,
            product_option,
            refused=lambda value: _("There is no product “%(code)s” in the catalogue.") % {"code": value},
        ),
    )
