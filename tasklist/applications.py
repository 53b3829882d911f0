"""My applications (/requests/new/...): the requests a member of staff can start themselves — leave,
a vehicle, a customer level change, sales support (a service request), an order — each through its
own domain service, which announces the business event its start binding turns into a process.

A kind is offered when a process is bound to its event and the user may create what it writes.
Each kind has a form; the service's located errors land on the form's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationFailed

CUSTOMER_HINTS = 200


@dataclass(frozen=True)
class RequestKind:
    key: str
    label: Any
    description: Any
    event: str
    form: type[forms.Form]
    permission: tuple[str, str, str] | None  # (app_label, model, action) besides being signed in
    submit: Callable  # (user, cleaned_data) -> the business object


# -- forms -----------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class CustomerCodeField(forms.CharField):
    """A customer typed by code (the list offers the user's own customers)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Customer (code)"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "customer-codes", "autocomplete": "off"}))
        super().__init__(**kwargs)


class RequestForm(forms.Form):
    """Forms that know who fills them in (choices and lookups are scoped to the user)."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        kwargs.setdefault("auto_id", "field-%s")  # the ids the task page's forms use too
        super().__init__(*args, **kwargs)

    def annotate_errors(self) -> None:
        """Point each invalid input at its messages (read out by screen readers)."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].id_for_label}-errors"

    def _visible_customer(self, action: str):
        from crm.models import Customer

        code = (self.cleaned_data.get("customer") or "").strip().upper()
        customer = Customer.objects.visible_to(self.user, action).filter(code=code).first()
        if customer is None:
            raise forms.ValidationError(_("No customer of yours has this code."))
        return customer


class LeaveForm(RequestForm):
    leave_type = forms.ModelChoiceField(queryset=None, label=_("Leave type"))
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        from office.models import LeaveType

        super().__init__(*args, **kwargs)
        self.fields["leave_type"].queryset = LeaveType.objects.filter(active=True).order_by("name")


class VehicleForm(RequestForm):
    starts_at = forms.DateTimeField(label=_("From"), widget=DateTimeInput)
    ends_at = forms.DateTimeField(label=_("Until"), widget=DateTimeInput)
    destination = forms.CharField(label=_("Destination"), max_length=200)
    passengers = forms.IntegerField(label=_("Passengers"), min_value=1, max_value=60, initial=1)
    purpose = forms.CharField(
        label=_("Purpose"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class LevelChangeForm(RequestForm):
    customer = CustomerCodeField()
    to_level = forms.ModelChoiceField(queryset=None, label=_("New level"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        from crm.models import CustomerLevel

        super().__init__(*args, **kwargs)
        self.fields["to_level"].queryset = CustomerLevel.objects.order_by("sort_order", "code")

    def clean_customer(self):
        return self._visible_customer("change")


class SalesSupportForm(RequestForm):
    customer = CustomerCodeField()
    kind = forms.ChoiceField(label=_("Kind of support"), choices=())
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    preferred_at = forms.DateTimeField(label=_("Preferred time"), required=False, widget=DateTimeInput)

    def __init__(self, *args, **kwargs):
        from crm.models import ServiceRequest

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ServiceRequest.Kind.choices

    def clean_customer(self):
        return self._visible_customer("view")


class OrderForm(RequestForm):
    customer = CustomerCodeField()
    product = forms.CharField(
        label=_("Product (code)"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "product-codes", "autocomplete": "off"}),
    )
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=12, decimal_places=3)
    delivery_on = forms.DateField(label=_("Delivery date"), required=False, widget=DateInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_customer(self):
        return self._visible_customer("view")

    def clean_product(self):
        from crm.models import Product

        product = Product.objects.filter(code=self.cleaned_data["product"].strip(), active=True).first()
        if product is None:
            raise forms.ValidationError(_("No product on sale has this code."))
        return product


class SupplyItemField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(name)s (%(unit)s, %(stock)d in stock)") % {
            "name": obj.name,
            "unit": obj.unit,
            "stock": obj.stock,
        }


SUPPLY_LINES = 5


class SuppliesForm(RequestForm):
    """Up to five lines (item, quantity); the service locates errors as lines.N.field, which land
    on lines_N_field."""

    purpose = forms.CharField(
        label=_("Purpose"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from office.selectors import supply_items

        super().__init__(*args, **kwargs)
        items = supply_items().order_by("name")
        for i in range(SUPPLY_LINES):
            self.fields[f"lines_{i}_item"] = SupplyItemField(
                queryset=items, required=i == 0, label=_("Item %(n)d") % {"n": i + 1}
            )
            self.fields[f"lines_{i}_quantity"] = forms.IntegerField(
                label=_("Quantity %(n)d") % {"n": i + 1},
                required=i == 0,
                min_value=1,
                max_value=1000,
                initial=1 if i == 0 else None,
            )
        self.order_fields(
            [*(f"lines_{i}_{part}" for i in range(SUPPLY_LINES) for part in ("item", "quantity")), "purpose"]
        )


# -- submitting ------------------------------------------------------------------------------------


def _leave(user, data):
    from office.services import leave_request_submit

    return leave_request_submit(
        actor=user,
        leave_type=data["leave_type"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        reason=data.get("reason", ""),
    )


def _vehicle(user, data):
    from office.services import vehicle_request_submit

    return vehicle_request_submit(
        actor=user,
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        destination=data["destination"],
        passengers=data["passengers"],
        purpose=data.get("purpose", ""),
    )


def _supplies(user, data):
    from office.supplies import supply_request_submit

    lines = [
        {"item": data.get(f"lines_{i}_item"), "quantity": data.get(f"lines_{i}_quantity")}
        for i in range(SUPPLY_LINES)
    ]
    return supply_request_submit(actor=user, lines=lines, purpose=data.get("purpose", ""))


def _level_change(user, data):
    from crm.services.levels import customer_level_change_request

    return customer_level_change_request(
        actor=user, customer=data["customer"], to_level=data["to_level"], reason=data["reason"]
    )


def _sales_support(user, data):
    from crm.services.service import service_request_submit

    return service_request_submit(
        actor=user,
        customer=data["customer"],
        kind=data["kind"],
        subject=data["subject"],
        description=data.get("description", ""),
        preferred_at=data.get("preferred_at"),
    )


def _order(user, data):
    from crm.models import Order
    from crm.services.commerce import order_create, order_set_status

    order = order_create(
        actor=user,
        customer=data["customer"],
        lines=[{"product": data["product"], "quantity": data["quantity"]}],
        delivery_on=data.get("delivery_on"),
        notes=data.get("notes", ""),
    )
    return order_set_status(actor=user, order=order, status=Order.Status.SUBMITTED)


KINDS: dict[str, RequestKind] = {
    kind.key: kind
    for kind in (
        RequestKind(
            "leave", _("Leave"), _("Days off: annual, sick or other leave."), "leave.requested",
            LeaveForm, None, _leave,
        ),
        RequestKind(
            "vehicle", _("Vehicle"), _("A company car for a trip."), "vehicle.requested",
            VehicleForm, None, _vehicle,
        ),
        RequestKind(
            "supplies", _("Office supplies"), _("Paper, pens, toner and the like from the office shelf."),
            "supplies.requested", SuppliesForm, None, _supplies,
        ),
        RequestKind(
            "level_change", _("Customer level change"), _("Ask to move a customer to another level."),
            "customer.level_change_requested", LevelChangeForm, ("crm", "customer", "change"), _level_change,
        ),
        RequestKind(
            "sales_support", _("Sales support"), _("A repair, installation or visit for a customer."),
            "service_request.submitted", SalesSupportForm, ("crm", "servicerequest", "add"), _sales_support,
        ),
        RequestKind(
            "order", _("Order"), _("An order for one product, submitted for approval."),
            "order.submitted", OrderForm, ("crm", "order", "add"), _order,
        ),
    )
}  # fmt: skip


# -- correcting and resubmitting: a finished request's values as the new form's initial data -------


def _local(moment):
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M") if moment else None


def _leave_values(request) -> dict:
    return {
        "leave_type": request.leave_type_id,
        "starts_on": request.starts_on,
        "ends_on": request.ends_on,
        "reason": request.reason,
    }


def _vehicle_values(request) -> dict:
    return {
        "starts_at": _local(request.starts_at),
        "ends_at": _local(request.ends_at),
        "destination": request.destination,
        "passengers": request.passengers,
        "purpose": request.purpose,
    }


def _level_change_values(request) -> dict:
    return {"customer": request.customer.code, "to_level": request.to_level_id, "reason": request.reason}


def _sales_support_values(request) -> dict:
    return {
        "customer": request.customer.code,
        "kind": request.kind,
        "subject": request.subject,
        "description": request.description,
        "preferred_at": _local(request.preferred_at),
    }


def _order_values(order) -> dict:
    line = order.lines.select_related("product").order_by("pk").first()
    values = {"customer": order.customer.code, "delivery_on": order.delivery_on, "notes": order.notes}
    if line is not None:
        values.update(product=line.product.code, quantity=line.quantity)
    return values


def _supplies_values(request) -> dict:
    values = {"purpose": request.purpose}
    for i, line in enumerate(request.lines.order_by("pk")[:SUPPLY_LINES]):
        values.update({f"lines_{i}_item": line.item_id, f"lines_{i}_quantity": line.quantity})
    return values


# business object ("app.model") -> (kind, its form's values from the object)
RESUBMIT: dict[str, tuple[str, Callable[[Any], dict]]] = {
    "office.leaverequest": ("leave", _leave_values),
    "office.vehiclerequest": ("vehicle", _vehicle_values),
    "office.supplyrequest": ("supplies", _supplies_values),
    "crm.levelchangerequest": ("level_change", _level_change_values),
    "crm.servicerequest": ("sales_support", _sales_support_values),
    "crm.order": ("order", _order_values),
}


def _field_for(form: forms.Form, key: str) -> str | None:
    """The form field a service's error key belongs to ("lines.1.quantity" -> "quantity")."""
    flat = key.replace(".", "_")  # a line's field: "lines.0.item" -> "lines_0_item"
    if flat in form.fields:
        return flat
    name = key.rsplit(".", 1)[-1]
    return name if name in form.fields else None


@transaction.atomic
def request_start(*, kind: RequestKind, user, form: forms.Form):
    """Write the request through its domain service (one transaction: an order is created and
    submitted together). Returns the business object, or None with the errors put on the form."""
    try:
        return kind.submit(user, form.cleaned_data)
    except ValidationFailed as error:
        transaction.set_rollback(True)
        for key, messages in (error.fields or {}).items():
            for message in messages:
                form.add_error(_field_for(form, key), str(message))
        if not error.fields:
            form.add_error(None, str(error.message))
        return None


# The HR personnel changes (issue #25 item 7) are kinds of request too, offered to HR: the module
# adds them to KINDS when imported.
from . import hr_applications  # noqa: E402, F401
