"""Writes on customer cards, their sharing and their contacts."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import Conflict, ValidationFailed
from engine.connectors import user_of
from org.models import Department
from org.permissions import user_can

from ..models import (
    ChoiceList,
    Contact,
    ContactEmployment,
    CreditLevel,
    Customer,
    CustomerChange,
    CustomerShare,
    ShareLevel,
)
from ..normalize import customer_keys, phone_digits
from ..selectors.dedup import customer_find_duplicates
from ..signals import business_event
from .common import (
    check_email,
    check_fits,
    check_phone,
    clean_custom_fields,
    display,
    next_code,
    parse_date,
    parse_decimal,
    require_permission,
    require_row,
    resolve_option,
)

User = get_user_model()

TEXT_FIELDS = {
    "name": 200,
    "short_name": 100,
    "address": 300,
    "phone": 50,
    "fax": 50,
    "zip_code": 20,
    "website": 200,
    "email": 254,
    "legal_person": 100,
    "tax_id": 40,
    "description": 100_000,
    "background": 100_000,
}
OPTION_FIELDS = {
    "status": ChoiceList.STATUS,
    "customer_type": ChoiceList.TYPE,
    "source": ChoiceList.SOURCE,
    "industry": ChoiceList.INDUSTRY,
    "region": ChoiceList.REGION,
}
OTHER_FIELDS = {"credit_level", "annual_revenue", "employee_count", "portal_enabled"}
CUSTOMER_FIELDS = set(TEXT_FIELDS) | set(OPTION_FIELDS) | OTHER_FIELDS
# Changes of these fields are kept on the card (who, when, old → new).
TRACKED_FIELDS = (
    "name",
    "status",
    "customer_type",
    "source",
    "industry",
    "region",
    "credit_level",
    "annual_revenue",
    "employee_count",
    "address",
    "phone",
    "email",
    "legal_person",
    "tax_id",
)


class DuplicateFound(Conflict):
    code = "duplicate_customer"

    def __init__(self, matches):
        super().__init__(
            _("This customer looks like one that already exists."),
            location={"duplicates": [m.as_dict() for m in matches]},
        )
        self.matches = matches


def clean_customer_fields(data: dict, errors: dict) -> dict:
    """Validate and convert customer field values; errors collected per field (no query per text)."""
    cleaned: dict = {}
    for key, value in data.items():
        if key not in CUSTOMER_FIELDS:
            errors.setdefault(key, []).append(_g("Unknown field."))
            continue
        if key in TEXT_FIELDS:
            text = "" if value is None else str(value).strip()
            if len(text) > TEXT_FIELDS[key]:
                errors.setdefault(key, []).append(_g("At most %(n)d characters.") % {"n": TEXT_FIELDS[key]})
            cleaned[key] = text
        elif key in OPTION_FIELDS:
            cleaned[key] = resolve_option(value, OPTION_FIELDS[key], key, errors)
        elif key == "credit_level":
            text = "" if value is None else str(value).strip().upper()
            if text and text not in CreditLevel.values:
                errors.setdefault(key, []).append(
                    _g("Choose one of %(values)s.") % {"values": ", ".join(CreditLevel.values)}
                )
            cleaned[key] = text
        elif key == "annual_revenue":
            number = parse_decimal(value, key, errors, Customer._meta.get_field(key))
            if number is not None and number < 0:
                errors.setdefault(key, []).append(_g("Cannot be negative."))
            cleaned[key] = number
        elif key == "employee_count":
            number = parse_decimal(value, key, errors)
            if number is not None and (number < 0 or number != number.to_integral_value()):
                errors.setdefault(key, []).append(_g("Enter a whole number of at least 0."))
                number = None
            elif number is not None:
                check_fits(int(number), Customer._meta.get_field(key), key, errors)
            cleaned[key] = int(number) if number is not None else None
        elif key == "portal_enabled":
            cleaned[key] = bool(value)
    if "name" in cleaned and not cleaned["name"]:
        errors.setdefault("name", []).append(_g("This field is required."))
    for key in ("phone", "fax"):
        message = check_phone(cleaned.get(key, ""))
        if message:
            errors.setdefault(key, []).append(message)
    message = check_email(cleaned.get("email", ""))
    if message:
        errors.setdefault("email", []).append(message)
    return cleaned


def _apply_keys(customer: Customer) -> None:
    for attr, value in customer_keys(
        name=customer.name, phone=customer.phone, email=customer.email, tax_id=customer.tax_id
    ).items():
        setattr(customer, attr, value)


def _check_owner(owner, errors: dict) -> None:
    if owner is not None and (not owner.is_active):
        errors.setdefault("owner", []).append(_g("This user is not active."))


@transaction.atomic
def customer_create(
    *,
    actor,
    name: str,
    owner=...,
    allow_duplicate: bool = False,
    custom: dict | None = None,
    **fields,
) -> Customer:
    """Create a customer card; refuses probable duplicates unless `allow_duplicate`.

    The owner defaults to the actor (a salesperson creating their own customer); `owner=None`
    creates an unowned customer (e.g. straight into a pool).
    """
    require_permission(actor, Customer, "add")
    errors: dict = {}
    cleaned = clean_customer_fields({"name": name, **fields}, errors)
    owner = actor if owner is ... else owner
    _check_owner(owner, errors)
    custom_values = {}
    try:
        custom_values = clean_custom_fields("customer", custom, actor=actor)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The customer could not be saved."), fields=errors)
    if not allow_duplicate:
        matches = customer_find_duplicates(
            name=cleaned["name"],
            phone=cleaned.get("phone", ""),
            email=cleaned.get("email", ""),
            tax_id=cleaned.get("tax_id", ""),
        )
        if matches:
            raise DuplicateFound(matches)
    customer = Customer(**cleaned, custom=custom_values, owner=owner, created_by=actor)
    customer.code = next_code("customer", "C")
    if owner is not None:
        customer.owned_since = timezone.now()
    _apply_keys(customer)
    customer.save()
    audit_record(action="create", actor=actor, obj=customer, changes={"name": [None, customer.name]})
    business_event.send(
        sender=Customer, name="customer.created", obj=customer, actor=actor, data={"code": customer.code}
    )
    return customer


@transaction.atomic
def customer_update(
    *, actor, customer: Customer, custom: dict | None = None, allow_duplicate: bool = False, **fields
) -> Customer:
    """Change card fields; tracked fields leave a history row. Level and owner have own services."""
    require_row(actor, customer, "change")
    for forbidden in ("level", "owner", "code", "pool"):
        if forbidden in fields:
            raise ValidationFailed(
                _("This field is changed through its own action."),
                fields={forbidden: [_g("Use the level change, transfer or pool actions.")]},
            )
    errors: dict = {}
    cleaned = clean_customer_fields(fields, errors)
    custom_values = None
    if custom is not None:
        try:
            custom_values = clean_custom_fields(
                "customer", custom, partial=True, existing=customer.custom, actor=actor
            )
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The customer could not be saved."), fields=errors)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changes = {}
    for key, value in cleaned.items():
        old = getattr(customer, key)
        if old != value:
            changes[key] = (old, value)
            setattr(customer, key, value)
    if custom_values is not None and custom_values != customer.custom:
        changes["custom"] = (customer.custom, custom_values)
        customer.custom = custom_values
    if not changes:
        return customer
    if {"name", "phone", "email", "tax_id"} & set(changes):
        matches = customer_find_duplicates(
            name=customer.name,
            phone=customer.phone,
            email=customer.email,
            tax_id=customer.tax_id,
            exclude_pk=customer.pk,
        )
        if matches and not allow_duplicate:
            raise DuplicateFound(matches)
        _apply_keys(customer)
    customer.save()
    CustomerChange.objects.bulk_create(
        [
            CustomerChange(
                customer=customer,
                field=key,
                old_value=display(old),
                new_value=display(new),
                changed_by=actor,
            )
            for key, (old, new) in changes.items()
            if key in TRACKED_FIELDS
        ]
    )
    audit_record(
        action="change",
        actor=actor,
        obj=customer,
        changes={key: [display(old), display(new)] for key, (old, new) in changes.items()},
    )
    return customer


@transaction.atomic
def customer_transfer(*, actor, customer: Customer, owner, note: str = "") -> Customer:
    """Hand a customer to another customer manager (移交)."""
    require_row(actor, customer, "change")
    if owner is None or not owner.is_active:
        raise ValidationFailed(_("Choose an active user."), fields={"owner": [_g("Choose an active user.")]})
    if not user_can(owner, Customer, "view"):
        raise ValidationFailed(
            _("The new owner cannot work with customers."),
            fields={"owner": [_g("This user has no permission to view customers.")]},
        )
    return _set_owner(actor=actor, customer=customer, owner=owner, note=note)


def _set_owner(
    *, actor, customer: Customer, owner, note: str = "", kind=CustomerChange.Kind.OWNER
) -> Customer:
    old = customer.owner
    if old == owner:
        return customer
    customer.owner = owner
    customer.owned_since = timezone.now() if owner is not None else None
    customer.save(update_fields=["owner", "owned_since", "updated_at"])
    CustomerChange.objects.create(
        customer=customer,
        kind=kind,
        field="owner",
        old_value=display(old),
        new_value=display(owner),
        note=note[:300],
        changed_by=user_of(actor),
    )
    audit_record(
        action="change", actor=actor, obj=customer, changes={"owner": [display(old), display(owner)]}
    )
    return customer


@transaction.atomic
def customer_share(
    *,
    actor,
    customer: Customer,
    user=None,
    group: Group | None = None,
    department: Department | None = None,
    level: str = ShareLevel.READ,
) -> CustomerShare:
    """Share a card with exactly one user, group or department, at read or edit level."""
    require_row(actor, customer, "change")
    targets = [t for t in (user, group, department) if t is not None]
    if len(targets) != 1:
        raise ValidationFailed(_("Share with exactly one user, group or department."))
    if level not in ShareLevel.values:
        raise ValidationFailed(_("Unknown access level."), fields={"level": [_g("Choose read or edit.")]})
    share, _created = CustomerShare.objects.update_or_create(
        customer=customer,
        user=user,
        group=group,
        department=department,
        defaults={"level": level, "created_by": actor},
    )
    audit_record(
        action="permission",
        actor=actor,
        obj=customer,
        changes={"share": [None, f"{targets[0]} ({level})"]},
    )
    return share


@transaction.atomic
def customer_unshare(*, actor, share: CustomerShare) -> None:
    require_row(actor, share.customer, "change")
    audit_record(action="permission", actor=actor, obj=share.customer, changes={"share": [str(share), None]})
    share.delete()


@transaction.atomic
def customer_delete(*, actor, customer: Customer) -> None:
    """Delete a card (客户监控: only with the delete permission); refused while business records exist."""
    require_row(actor, customer, "delete")
    blockers = [
        rel.related_model._meta.verbose_name_plural
        for rel in (
            Customer._meta.get_field("orders"),
            Customer._meta.get_field("contracts"),
            Customer._meta.get_field("payments"),
            Customer._meta.get_field("complaints"),
            Customer._meta.get_field("service_requests"),
        )
        if rel.related_model.objects.filter(customer=customer).exists()
    ]
    if blockers:
        raise Conflict(
            _g("The customer still has %(what)s; merge it instead of deleting.")
            % {"what": ", ".join(str(b) for b in blockers)}
        )
    audit_record(action="delete", actor=actor, obj=customer)
    customer.delete()


# --- Contacts ---------------------------------------------------------------------------------

CONTACT_TEXT = {
    "name": 100,
    "department": 100,
    "title": 100,
    "role": 100,
    "gender": 1,
    "phone": 50,
    "mobile": 50,
    "email": 254,
    "interests": 300,
    "family": 10_000,
    "notes": 100_000,
}


def clean_contact_fields(data: dict, errors: dict, *, customer: Customer | None) -> dict:
    cleaned = {}
    for key, value in data.items():
        if key in CONTACT_TEXT:
            text = "" if value is None else str(value).strip()
            if len(text) > CONTACT_TEXT[key]:
                errors.setdefault(key, []).append(_g("At most %(n)d characters.") % {"n": CONTACT_TEXT[key]})
            cleaned[key] = text
        elif key == "birthday":
            cleaned[key] = parse_date(value, key, errors)
            if cleaned[key] and cleaned[key] > datetime.date.today():
                errors.setdefault(key, []).append(_g("A birthday cannot be in the future."))
        elif key in ("is_primary", "active"):
            cleaned[key] = bool(value)
        elif key == "superior":
            if value is not None and customer is not None and value.customer_id != customer.pk:
                errors.setdefault(key, []).append(_g("The superior must work at the same customer."))
            cleaned[key] = value
        else:
            errors.setdefault(key, []).append(_g("Unknown field."))
    if "name" in cleaned and not cleaned["name"]:
        errors.setdefault("name", []).append(_g("This field is required."))
    if cleaned.get("gender") and cleaned["gender"] not in ("m", "f"):
        errors.setdefault("gender", []).append(_g("Choose m or f."))
    for key in ("phone", "mobile"):
        message = check_phone(cleaned.get(key, ""))
        if message:
            errors.setdefault(key, []).append(message)
    message = check_email(cleaned.get("email", ""))
    if message:
        errors.setdefault("email", []).append(message)
    return cleaned


@transaction.atomic
def contact_create(*, actor, customer: Customer, name: str, custom: dict | None = None, **fields) -> Contact:
    require_permission(actor, Contact, "add")
    require_row(actor, customer, "change")
    errors: dict = {}
    cleaned = clean_contact_fields({"name": name, **fields}, errors, customer=customer)
    custom_values = {}
    try:
        custom_values = clean_custom_fields("contact", custom, partial=custom is None, actor=actor)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The contact could not be saved."), fields=errors)
    contact = Contact(customer=customer, created_by=actor, custom=custom_values, **cleaned)
    contact.phone_digits = phone_digits(contact.mobile or contact.phone)
    contact.save()
    ContactEmployment.objects.create(
        contact=contact,
        customer=customer,
        department=contact.department,
        title=contact.title,
        started_on=timezone.localdate(),
    )
    audit_record(action="create", actor=actor, obj=contact, extra={"customer": customer.pk})
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, custom: dict | None = None, **fields) -> Contact:
    require_row(actor, contact, "change")
    if "customer" in fields:
        raise ValidationFailed(_("Use “move to another customer” to change the employer."))
    errors: dict = {}
    cleaned = clean_contact_fields(fields, errors, customer=contact.customer)
    if cleaned.get("superior") is not None:
        node, seen = cleaned["superior"], set()
        while node is not None and node.pk not in seen:
            if node.pk == contact.pk:
                errors.setdefault("superior", []).append(_g("A contact cannot report to themselves."))
                break
            seen.add(node.pk)
            node = node.superior
    if custom is not None:
        try:
            contact.custom = clean_custom_fields("contact", custom, partial=True, existing=contact.custom)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("The contact could not be saved."), fields=errors)
    changes = {
        k: [display(getattr(contact, k)), display(v)] for k, v in cleaned.items() if getattr(contact, k) != v
    }
    for key, value in cleaned.items():
        setattr(contact, key, value)
    contact.phone_digits = phone_digits(contact.mobile or contact.phone)
    contact.save()
    if {"department", "title"} & set(changes):
        ContactEmployment.objects.filter(
            contact=contact, customer=contact.customer, ended_on__isnull=True
        ).update(department=contact.department, title=contact.title)
    audit_record(action="change", actor=actor, obj=contact, changes=changes)
    return contact


@transaction.atomic
def contact_move(
    *, actor, contact: Contact, to_customer: Customer, department: str = "", title: str = ""
) -> Contact:
    """The contact changed employer: close the old employment, open one at the new customer.

    Both cards keep showing the person: the old one in its employment history.
    """
    require_row(actor, contact, "change")
    require_row(actor, to_customer, "change")
    if to_customer.pk == contact.customer_id:
        raise ValidationFailed(_("The contact already works at this customer."))
    today = timezone.localdate()
    ContactEmployment.objects.filter(contact=contact, ended_on__isnull=True).update(ended_on=today)
    old_customer = contact.customer
    contact.customer = to_customer
    contact.department = department
    contact.title = title or contact.title
    contact.superior = None
    contact.save()
    Contact.objects.filter(superior=contact, customer=old_customer).update(superior=None)
    ContactEmployment.objects.create(
        contact=contact, customer=to_customer, department=department, title=contact.title, started_on=today
    )
    audit_record(
        action="change",
        actor=actor,
        obj=contact,
        changes={"customer": [str(old_customer), str(to_customer)]},
    )
    return contact
