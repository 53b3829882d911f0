"""Helpers shared by the CRM views: permission gate, field specs of the card, error mapping."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from crm.models import ChoiceList, ChoiceOption, CreditLevel, CustomFieldDefinition
from crm.selectors.custom_fields import custom_fields_for
from org.permissions import user_can, viewable_through_tasks

from ..custom_fields import FORM_KINDS, help_of, initial_custom, people_choices, posted_custom
from ..custom_fields import choices_of as custom_choices


def permission(perm: str):
    """Signed in and holding the entity permission; the row check is the selector's `visible_to`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def viewable(model):
    """A record's page: signed in, and holding the entity's view permission or, for a model a task
    can open (org.permissions.viewable_through_tasks), anybody; `visible_to` then answers 404 for
    rows the caller neither may see nor works on."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_can(request.user, model, "view") and not viewable_through_tasks(model):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "text"  # text, textarea, option, credit, number, bool, email, tel, url
    choice_list: str = ""
    required: bool = False
    maxlength: int | None = None
    help: str = ""


# The card's field groups (FEATURES C1), in the order the card and the form show them.
FIELD_GROUPS = (
    (
        _("Basic information"),
        (
            FieldSpec("name", _("Name"), required=True, maxlength=200),
            FieldSpec("short_name", _("Short name"), maxlength=100),
            FieldSpec("phone", _("Phone"), "tel", maxlength=50),
            FieldSpec("fax", _("Fax"), "tel", maxlength=50),
            FieldSpec("email", _("E-mail"), "email", maxlength=254),
            FieldSpec("website", _("Website"), maxlength=200),
            FieldSpec("address", _("Address"), maxlength=300),
            FieldSpec("zip_code", _("Zip code"), maxlength=20),
            FieldSpec("legal_person", _("Legal person"), maxlength=100),
            FieldSpec("tax_id", _("Tax id"), maxlength=40),
        ),
    ),
    (
        _("Classification"),
        (
            FieldSpec("status", _("Status"), "option", ChoiceList.STATUS),
            FieldSpec("customer_type", _("Type"), "option", ChoiceList.TYPE),
            FieldSpec("source", _("Source"), "option", ChoiceList.SOURCE),
            FieldSpec("industry", _("Industry"), "option", ChoiceList.INDUSTRY),
            FieldSpec("region", _("Region"), "option", ChoiceList.REGION),
            FieldSpec("credit_level", _("Credit level"), "credit"),
        ),
    ),
    (
        _("Business"),
        (
            FieldSpec("annual_revenue", _("Annual revenue (CNY)"), "number"),
            FieldSpec("employee_count", _("Employees"), "number"),
            FieldSpec("description", _("Description"), "textarea"),
            FieldSpec("background", _("Background"), "textarea"),
            FieldSpec("portal_enabled", _("Portal access"), "bool"),
        ),
    ),
)
FORM_FIELDS = tuple(spec for _title, specs in FIELD_GROUPS for spec in specs)


def option_choices() -> dict[str, list[ChoiceOption]]:
    """Active options of every managed list, in one query."""
    result: dict[str, list[ChoiceOption]] = {c: [] for c in ChoiceList.values}
    for option in ChoiceOption.objects.filter(active=True).order_by("sort_order", "code"):
        result.setdefault(option.choice_list, []).append(option)
    return result


def custom_definitions(user=None, action: str = "change") -> list[CustomFieldDefinition]:
    """The administrator-defined fields of the customer card (C9) `user` may fill in, in order."""
    return custom_fields_for(user, CustomFieldDefinition.Entity.CUSTOMER, action=action)


def custom_specs(definitions) -> tuple[FieldSpec, ...]:
    kinds = {**FORM_KINDS, "choice": "option", "person": "option"}
    return tuple(
        FieldSpec(
            f"custom.{d.key}",
            d.label,
            kinds.get(d.kind, "text"),
            required=d.required,
            maxlength=d.max_length if d.kind in ("text", "long_text") else None,
            help=help_of(d),
        )
        for d in definitions
    )


def form_values(post, definitions=()) -> tuple[dict, dict]:
    """The submitted card fields and custom fields, as the customer services take them (raw; they
    validate)."""
    values = {}
    for spec in FORM_FIELDS:
        if spec.kind == "bool":
            values[spec.name] = post.get(spec.name) == "on"
        else:
            values[spec.name] = post.get(spec.name, "")
    return values, posted_custom(post, definitions)


def initial_values(customer, definitions=()) -> dict:
    values = initial_custom(customer, definitions)
    for spec in FORM_FIELDS:
        if spec.kind == "option":
            values[spec.name] = str(getattr(customer, f"{spec.name}_id") or "")
        else:
            value = getattr(customer, spec.name)
            values[spec.name] = value if isinstance(value, bool) else ("" if value is None else str(value))
    return values


def form_rows(values: dict, errors: dict, definitions=()) -> list[dict]:
    """Field groups with value, choices and errors, ready for the form template."""
    options = option_choices()
    groups = []
    people = people_choices() if any(d.kind == "person" for d in definitions) else []
    choices_of = {f"custom.{d.key}": custom_choices(d, people) for d in definitions}
    field_groups = list(FIELD_GROUPS)
    if definitions:
        field_groups.append((_("More fields"), custom_specs(definitions)))
    for title, specs in field_groups:
        fields = []
        for spec in specs:
            if spec.name in choices_of:
                choices = choices_of[spec.name]
            elif spec.kind == "option":
                choices = [(str(o.pk), o.label) for o in options.get(spec.choice_list, [])]
            elif spec.kind == "credit":
                choices = list(CreditLevel.choices)
            else:
                choices = []
            fields.append(
                {
                    "spec": spec,
                    "value": values.get(spec.name, ""),
                    "choices": choices,
                    "errors": [str(m) for m in errors.get(spec.name, [])],
                }
            )
        groups.append({"title": title, "fields": fields})
    return groups


def paginate(items, page_number, per_page: int = 50):
    return Paginator(items, per_page).get_page(page_number)
