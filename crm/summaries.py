"""The CRM's business objects in words, for the task page, the inbox, notifications and the API
(registered with `engine.summaries` in CrmConfig.ready).

Every face reads through `visible_to(user, "view")`: a record the user may not see gives nothing,
and the caller shows the label stored on the task instead.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from engine import summaries

from .models import (
    Activity,
    Complaint,
    Contract,
    Customer,
    Expense,
    LevelChangeRequest,
    Opportunity,
    Order,
    ServiceRequest,
)


def money(value) -> str:
    """¥ with the locale's grouping and two decimals (¥13,000.00)."""
    return "¥" + formats.number_format(Decimal(value or 0), 2, use_l10n=True, force_grouping=True)


def short_date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def short_datetime(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


def _join(*parts) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def _ints(ids) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def _person(user) -> str:
    return str(user) if user else ""


def _tel(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def _contact(contact) -> dict | None:
    if contact is None:
        return None
    phone = contact.mobile or contact.phone
    return {"name": contact.name, "phone": phone, "tel": _tel(phone), "email": contact.email}


def _customer_brief(customer: Customer) -> dict:
    return {
        "id": customer.pk,
        "code": customer.code,
        "name": customer.name,
        "level": str(customer.level) if customer.level_id else "",
        "owner": _person(customer.owner),
        "phone": customer.phone,
    }


# -- customer -----------------------------------------------------------------------------------


class CustomerSummary:
    def label(self, obj) -> str:
        return str(obj)  # code and name

    def _visible(self, user):
        return Customer.objects.visible_to(user, "view").select_related("level", "owner")

    def lines(self, user, ids):
        rows = self._visible(user).filter(pk__in=_ints(ids))
        return {
            str(c.pk): _join(c.name, _("Level %(level)s") % {"level": c.level} if c.level_id else "", c.owner)
            for c in rows
        }

    def _get(self, user, object_id):
        from .selectors.customers import customer_get

        return customer_get(user=user, pk=int(object_id))

    def panel(self, user, object_id):
        return {"template": "tasklist/summaries/customer.html", "customer": self._get(user, object_id)}

    def data(self, user, object_id):
        customer = self._get(user, object_id)
        return {
            **_customer_brief(customer),
            "status": str(customer.status) if customer.status_id else "",
            "credit_level": customer.get_credit_level_display(),
            "last_activity_at": customer.last_activity_at,
        }


# -- level change -------------------------------------------------------------------------------


def _level_words(request: LevelChangeRequest) -> str:
    return _("Level: %(old)s → %(new)s") % {"old": request.from_level or "—", "new": request.to_level}


class LevelChangeSummary:
    def label(self, obj) -> str:
        return f"{obj.customer.name}: {obj.from_level or '—'} → {obj.to_level}"

    def _visible(self, user):
        return LevelChangeRequest.objects.visible_to(user, "view").select_related(
            "customer__level", "customer__owner", "from_level", "to_level", "requested_by", "decided_by"
        )

    def lines(self, user, ids):
        lines = {}
        for request in self._visible(user).filter(pk__in=_ints(ids)):
            decided = "" if request.status == request.Status.PENDING else request.get_status_display()
            lines[str(request.pk)] = _join(request.customer.name, _level_words(request), decided)
        return lines

    def _get(self, user, object_id):
        from .selectors.customers import customer_get

        request = self._visible(user).filter(pk=int(object_id)).first()
        if request is None:
            return None, None
        return request, customer_get(user=user, pk=request.customer_id)

    def panel(self, user, object_id):
        request, customer = self._get(user, object_id)
        if request is None:
            return None
        return {
            "template": "tasklist/summaries/customer.html",
            "customer": customer,
            "level_request": request,
            "level_words": _level_words(request),
            "placement": "main",
        }

    def data(self, user, object_id):
        request, customer = self._get(user, object_id)
        if request is None:
            return None
        return {
            "customer": _customer_brief(customer),
            "from_level": str(request.from_level or ""),
            "to_level": str(request.to_level),
            "change": _level_words(request),
            "status": request.status,
            "status_display": str(request.get_status_display()),
            "reason": request.reason,
            "requested_by": _person(request.requested_by),
            "decided_by": _person(request.decided_by),
            "decision_note": request.decision_note,
        }


# -- order --------------------------------------------------------------------------------------


class OrderSummaryFaces:
    def label(self, obj) -> str:
        return f"{obj.code} {obj.customer.name}"

    def lines(self, user, ids):
        rows = Order.objects.visible_to(user, "view").select_related("customer").filter(pk__in=_ints(ids))
        return {
            str(o.pk): _join(o.code, o.customer.name, money(o.total_amount), o.get_status_display())
            for o in rows
        }

    def panel(self, user, object_id):
        from .selectors.orders import order_summary

        summary = order_summary(user=user, pk=int(object_id))
        if summary is None:
            return None
        # what is decided on comes first, above the decision (a phone shows it before the buttons)
        return {"template": "tasklist/summaries/order.html", "order": summary, "placement": "main"}

    def data(self, user, object_id):
        from .selectors.orders import order_summary

        summary = order_summary(user=user, pk=int(object_id))
        if summary is None:
            return None
        order = summary.order
        return {
            "code": order.code,
            "status": order.status,
            "status_display": str(order.get_status_display()),
            "customer": _customer_brief(order.customer),
            "total": str(order.total_amount),
            "list_total": str(summary.list_total),
            "discount": str(summary.discount),
            "receivable": str(summary.receivable),
            "salesperson": _person(order.owner),
            "delivery_on": order.delivery_on,
            "lines": [
                {
                    "product": line.product,
                    "code": line.code,
                    "quantity": str(line.quantity),
                    "unit": line.unit,
                    "price": str(line.price),
                    "discount_percent": str(line.discount_percent),
                    "amount": str(line.amount),
                    "available": str(line.available),
                    "short": line.short,
                }
                for line in summary.lines
            ],
        }


# -- opportunity --------------------------------------------------------------------------------

LAST_ACTIVITIES = 5


class OpportunitySummary:
    def label(self, obj) -> str:
        return f"{obj.customer.name} {obj.name}"

    def _visible(self, user):
        return Opportunity.objects.visible_to(user, "view").select_related(
            "customer__level", "owner", "stage"
        )

    def lines(self, user, ids):
        return {
            str(o.pk): _join(
                o.name, o.customer.name, money(o.amount), o.get_stage_display(), f"{o.probability}%"
            )
            for o in self._visible(user).filter(pk__in=_ints(ids))
        }

    def _get(self, user, object_id):
        opportunity = self._visible(user).filter(pk=int(object_id)).first()
        if opportunity is None:
            return None, []
        activities = list(
            Activity.objects.visible_to(user, "view")
            .filter(opportunity=opportunity)
            .select_related("owner")
            .order_by("-occurred_at", "-pk")[:LAST_ACTIVITIES]
        )
        return opportunity, activities

    def panel(self, user, object_id):
        opportunity, activities = self._get(user, object_id)
        if opportunity is None:
            return None
        return {
            "template": "tasklist/summaries/opportunity.html",
            "placement": "main",
            "opportunity": opportunity,
            "activities": activities,
            "amount": money(opportunity.amount),
        }

    def data(self, user, object_id):
        opportunity, activities = self._get(user, object_id)
        if opportunity is None:
            return None
        return {
            "name": opportunity.name,
            "customer": _customer_brief(opportunity.customer),
            "amount": str(opportunity.amount),
            "stage": opportunity.stage_id,
            "stage_display": str(opportunity.get_stage_display()),
            "status": opportunity.status,
            "expected_close": opportunity.expected_close,
            "probability": opportunity.probability,
            "owner": _person(opportunity.owner),
            "last_activities": [
                {
                    "at": a.occurred_at,
                    "kind": str(a.get_kind_display()),
                    "subject": a.subject,
                    "by": str(a.owner),
                }
                for a in activities
            ],
        }


# -- complaint ----------------------------------------------------------------------------------

EARLIER_COMPLAINTS = 3


def _attachments(obj) -> list[dict]:
    return [
        {
            "id": a.pk,
            "name": a.name,
            "size": a.size,
            "is_image": a.content_type.startswith("image/"),
            "at": a.uploaded_at,
        }
        for a in obj.portal_attachments.order_by("uploaded_at", "pk")
    ]


class ComplaintSummary:
    def label(self, obj) -> str:
        return f"{obj.code} {obj.subject} · {obj.customer.name}"

    def _visible(self, user):
        return Complaint.objects.visible_to(user, "view").select_related(
            "customer__level", "customer__owner", "contact", "category", "handler", "department"
        )

    def lines(self, user, ids):
        return {
            str(c.pk): _join(c.code, c.subject, c.customer.name, c.get_severity_display())
            for c in self._visible(user).filter(pk__in=_ints(ids))
        }

    def _get(self, user, object_id):
        complaint = self._visible(user).filter(pk=int(object_id)).first()
        if complaint is None:
            return None
        earlier = list(
            Complaint.objects.visible_to(user, "view")
            .filter(customer_id=complaint.customer_id)
            .exclude(pk=complaint.pk)
            .order_by("-pk")[:EARLIER_COMPLAINTS]
        )
        return {
            "complaint": complaint,
            "contact": _contact(complaint.contact),
            "attachments": _attachments(complaint),
            "earlier": earlier,
        }

    def panel(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        return {"template": "tasklist/summaries/complaint.html", "placement": "main", **found}

    def data(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        c = found["complaint"]
        return {
            "code": c.code,
            "subject": c.subject,
            "customer": _customer_brief(c.customer),
            "contact": found["contact"],
            "category": str(c.category or ""),
            "severity": c.severity,
            "severity_display": str(c.get_severity_display()),
            "status": c.status,
            "description": c.description,
            "channel": str(c.get_channel_display()),
            "handler": _person(c.handler),
            "department": str(c.department or ""),
            "resolution": c.resolution,
            "attachments": found["attachments"],
            "earlier": [
                {"code": e.code, "subject": e.subject, "status": str(e.get_status_display())}
                for e in found["earlier"]
            ],
        }


# -- service request ----------------------------------------------------------------------------


def map_link(address: str) -> str:
    from urllib.parse import quote

    return f"https://uri.amap.com/search?keyword={quote(address)}" if address else ""


class ServiceRequestSummary:
    def label(self, obj) -> str:
        return f"{obj.code} {obj.subject} · {obj.customer.name}"

    def _visible(self, user):
        return ServiceRequest.objects.visible_to(user, "view").select_related(
            "customer__level", "customer__owner", "contact", "product", "technician"
        )

    def lines(self, user, ids):
        return {
            str(r.pk): _join(r.code, r.subject, r.customer.name, r.address or r.customer.address)
            for r in self._visible(user).filter(pk__in=_ints(ids))
        }

    def _get(self, user, object_id):
        request = self._visible(user).filter(pk=int(object_id)).first()
        if request is None:
            return None
        address = request.address or request.customer.address
        return {
            "service_request": request,
            "address": address,
            "map_url": map_link(address),
            "contact": _contact(request.contact),
            "phone": (request.contact and (request.contact.mobile or request.contact.phone))
            or request.customer.phone,
            "attachments": _attachments(request),
        }

    def panel(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        found["tel"] = _tel(found["phone"] or "")
        return {"template": "tasklist/summaries/service_request.html", "placement": "main", **found}

    def data(self, user, object_id):
        found = self._get(user, object_id)
        if found is None:
            return None
        r = found["service_request"]
        return {
            "code": r.code,
            "subject": r.subject,
            "kind": str(r.get_kind_display()),
            "customer": _customer_brief(r.customer),
            "address": found["address"],
            "map_url": found["map_url"],
            "contact": found["contact"],
            "phone": found["phone"],
            "product": str(r.product or ""),
            "serial_number": r.serial_number,
            "preferred_at": r.preferred_at,
            "description": r.description,
            "technician": _person(r.technician),
            "scheduled_at": r.scheduled_at,
            "attachments": found["attachments"],
        }


# -- contract -----------------------------------------------------------------------------------


class ContractSummary:
    def label(self, obj) -> str:
        return f"{obj.code} {obj.customer.name}"

    def _visible(self, user):
        return Contract.objects.visible_to(user, "view").select_related("customer", "owner", "quotation")

    def lines(self, user, ids):
        return {
            str(c.pk): _join(c.code, c.customer.name, money(c.amount), c.get_status_display())
            for c in self._visible(user).filter(pk__in=_ints(ids))
        }

    def panel(self, user, object_id):
        from .selectors.customers import customer_receivable
        from .selectors.receivables import payment_plan

        contract = self._visible(user).filter(pk=int(object_id)).first()
        if contract is None:
            return None
        return {
            "template": "tasklist/summaries/contract.html",
            "contract": contract,
            "plan": payment_plan(contract=contract),
            "receivable": customer_receivable(customer=contract.customer),
            "placement": "main",
        }

    def data(self, user, object_id):
        contract = self._visible(user).filter(pk=int(object_id)).first()
        if contract is None:
            return None
        return {
            "code": contract.code,
            "title": contract.title,
            "customer": _customer_brief(contract.customer),
            "amount": str(contract.amount),
            "status": contract.status,
            "status_display": str(contract.get_status_display()),
            "starts_on": contract.starts_on,
            "ends_on": contract.ends_on,
            "owner": _person(contract.owner),
        }


class ExpenseSummary:
    """An expense claim as its approver reads it: who spent how much on what, against which
    customer, deal or campaign, with the receipt to open."""

    def label(self, obj) -> str:
        return f"{obj.category.name} ¥{obj.amount} {_person(obj.owner)}"

    def _visible(self, user):
        return Expense.objects.visible_to(user, "view").select_related(
            "category", "owner", "customer", "opportunity", "campaign"
        )

    def lines(self, user, ids):
        return {
            str(e.pk): _join(_person(e.owner), e.category.name, money(e.amount), short_date(e.spent_on))
            for e in self._visible(user).filter(pk__in=_ints(ids))
        }

    def panel(self, user, object_id):
        expense = self._visible(user).filter(pk=int(object_id)).first()
        if expense is None:
            return None
        return {"template": "tasklist/summaries/expense.html", "expense": expense, "placement": "main"}

    def data(self, user, object_id):
        expense = self._visible(user).filter(pk=int(object_id)).first()
        if expense is None:
            return None
        return {
            "amount": str(expense.amount),
            "category": expense.category.name,
            "spent_on": expense.spent_on,
            "description": expense.description,
            "status": expense.status,
            "status_display": str(expense.get_status_display()),
            "claimant": _person(expense.owner),
            "customer": expense.customer.name if expense.customer else None,
            "opportunity": expense.opportunity.name if expense.opportunity else None,
            "campaign": expense.campaign.name if expense.campaign else None,
            "has_receipt": bool(expense.receipt),
        }


def register() -> None:
    summaries.register("crm.customer", CustomerSummary())
    summaries.register("crm.levelchangerequest", LevelChangeSummary())
    summaries.register("crm.order", OrderSummaryFaces())
    summaries.register("crm.opportunity", OpportunitySummary())
    summaries.register("crm.complaint", ComplaintSummary())
    summaries.register("crm.servicerequest", ServiceRequestSummary())
    from .field.summaries import ProductIssueSummary

    summaries.register("crm.productissue", ProductIssueSummary())
    summaries.register("crm.contract", ContractSummary())
    summaries.register("crm.expense", ExpenseSummary())
