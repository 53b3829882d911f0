"""What a built report may touch: per entity, the fields it may filter and group on and the
numbers it may measure, each with a label people read. The browser names fields by these keys
only; a key not in this registry is an error, never an ORM path.

An entity also says how the viewer's rows are found (`rows(user)`: `visible_to`, or the engine's
task selector for tasks), so every report runs over exactly what its viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import DecimalField, F, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Activity,
    ChoiceOption,
    Complaint,
    Contract,
    Customer,
    CustomerLevel,
    CustomFieldDefinition,
    Lead,
    Opportunity,
    Order,
    SalesStage,
    ServiceRequest,
)
from engine import selectors as engine_selectors
from engine.selectors import HumanTask
from engine.selectors import reporting as engine_reporting
from org.models import Department

KINDS = ("text", "choice", "fk", "user", "number", "decimal", "date", "datetime", "bool")
NUMERIC = ("number", "decimal")
DATES = ("date", "datetime")


@dataclass(frozen=True)
class FieldDef:
    """A field of an entity: `path` is the ORM path (never sent by the browser)."""

    key: str
    path: str
    kind: str
    label: object
    choices: Callable[[], list[tuple[str, str]]] | None = None  # value -> label (choice, fk)
    expression: Callable[[], object] | None = None  # an annotation instead of a column

    @property
    def groupable(self) -> bool:
        return self.kind not in NUMERIC

    @property
    def measurable(self) -> bool:
        return self.kind in NUMERIC


@dataclass(frozen=True)
class Entity:
    key: str
    label: object
    model: type
    rows: Callable  # (user) -> the queryset of rows the user may see
    static_fields: tuple[FieldDef, ...]
    custom_entity: str | None = None

    def fields(self) -> dict[str, FieldDef]:
        fields = {f.key: f for f in self.static_fields}
        if self.custom_entity:
            fields.update({f.key: f for f in custom_fields(self.custom_entity)})
        return fields


def _options(choice_list: str) -> Callable[[], list[tuple[str, str]]]:
    def options():
        return [(str(o.pk), o.label) for o in ChoiceOption.objects.filter(choice_list=choice_list)]

    return options


def _model_options(model, label: str = "name", **where) -> Callable[[], list[tuple[str, str]]]:
    def options():
        return [(str(pk), text) for pk, text in model.objects.filter(**where).values_list("pk", label)]

    return options


def _stages():
    """Stage keys (what an opportunity row holds) -> stage names in the reader's language; a name
    that several sales processes use is told apart by its process ("Key accounts · Negotiation")."""
    stages = list(SalesStage.objects.select_related("process").order_by("process__name", "position", "pk"))
    shared = {name for name in (s.name for s in stages) if sum(1 for t in stages if t.name == name) > 1}
    return [(s.key, f"{s.process.label} · {s.label}" if s.name in shared else s.label) for s in stages]


def _levels():
    return [(str(level.pk), level.name) for level in CustomerLevel.objects.all()]


def _processes():
    """Process keys -> the names their designers gave them (latest version's)."""
    names: dict[str, str] = {}
    for key, name in engine_reporting.process_names():
        names[key] = name or names.get(key) or key
    return sorted(names.items(), key=lambda pair: pair[1])


def _field(model, key: str, path: str | None = None, kind: str | None = None, label=None, **extra):
    path = path or key
    model_field = _model_field(model, path)
    if kind is None:
        kind = _kind_of(model_field)
    if label is None:
        label = capfirst(model_field.verbose_name) if model_field is not None else key
    choices = extra.pop("choices", None)
    if choices is None and model_field is not None and model_field.choices and kind == "choice":
        flat = list(model_field.flatchoices)

        def choices(flat=flat):
            return [(str(value), str(text)) for value, text in flat]

    return FieldDef(key, path, kind, label, choices, **extra)


def _model_field(model, path: str):
    current = model
    found = None
    for part in path.split("__"):
        try:
            found = current._meta.get_field(part)
        except Exception:
            return None
        if found.is_relation:
            current = found.related_model
    return found


def _kind_of(model_field) -> str:
    if model_field.choices:
        return "choice"
    if isinstance(model_field, models.ForeignKey):
        return "user" if model_field.related_model._meta.label == "org.User" else "fk"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.DecimalField | models.FloatField):
        return "decimal"
    if isinstance(model_field, models.IntegerField):
        return "number"
    if isinstance(model_field, models.BooleanField):
        return "bool"
    return "text"


def custom_fields(entity: str) -> list[FieldDef]:
    """The active custom fields of an entity, keyed `custom.<key>`: text and choices group and
    filter; numbers are also measured."""
    result = []
    for definition in CustomFieldDefinition.objects.filter(entity=entity, active=True):
        key = f"custom.{definition.key}"
        text = KeyTextTransform(definition.key, "custom")
        if definition.kind == CustomFieldDefinition.Kind.NUMBER:
            kind = "decimal"

            def expression(text=text):
                return Cast(text, DecimalField(max_digits=20, decimal_places=4))

        else:
            # (a plain text column, so `in` and `icontains` compare text, not JSON values)
            kind = "choice" if definition.kind == CustomFieldDefinition.Kind.CHOICE else "text"

            def expression(text=text):
                return Cast(text, TextField())

        choices = None
        if kind == "choice":
            values = [str(c) for c in definition.choices]

            def choices(values=values):
                return [(v, v) for v in values]

        result.append(FieldDef(key, key, kind, definition.label, choices, expression))
    return result


def _tasks(user):
    return engine_selectors.viewable_tasks(user)


def _visible(model):
    def rows(user):
        return model.objects.visible_to(user, "view")

    return rows


OP, C, OR, A = Opportunity, Customer, Order, Activity

ENTITIES: dict[str, Entity] = {
    e.key: e
    for e in (
        Entity(
            "customer",
            _("Customers"),
            Customer,
            _visible(Customer),
            (
                _field(C, "name", label=_("Customer")),
                _field(C, "owner"),
                _field(C, "level", kind="fk", choices=_levels),
                _field(C, "status", kind="fk", choices=_options("status")),
                _field(C, "customer_type", kind="fk", choices=_options("type")),
                _field(C, "source", kind="fk", choices=_options("source")),
                _field(C, "industry", kind="fk", choices=_options("industry")),
                _field(C, "region", kind="fk", choices=_options("region")),
                _field(C, "credit_level"),
                _field(C, "annual_revenue"),
                _field(C, "employee_count"),
                _field(C, "created", "created_at", label=_("Created")),
                _field(C, "last_activity_at"),
                _field(C, "next_follow_up"),
            ),
            custom_entity="customer",
        ),
        Entity(
            "opportunity",
            _("Opportunities"),
            Opportunity,
            _visible(Opportunity),
            (
                _field(OP, "name"),
                _field(OP, "customer", "customer__name", "text", label=_("Customer")),
                _field(OP, "owner"),
                _field(OP, "stage", kind="fk", choices=_stages),
                _field(OP, "status"),
                _field(OP, "importance"),
                _field(OP, "source", kind="fk", choices=_options("source")),
                _field(OP, "close_reason"),
                _field(OP, "amount"),
                _field(OP, "probability"),
                _field(OP, "expected_close"),
                _field(OP, "created", "created_at", label=_("Created")),
                _field(OP, "closed_at"),
            ),
            custom_entity="opportunity",
        ),
        Entity(
            "order",
            _("Orders"),
            Order,
            _visible(Order),
            (
                _field(OR, "code"),
                _field(OR, "customer", "customer__name", "text", label=_("Customer")),
                _field(OR, "owner"),
                _field(OR, "status"),
                _field(OR, "ordered_on"),
                _field(OR, "delivery_on"),
                _field(OR, "total_amount"),
                _field(OR, "created", "created_at", label=_("Created")),
            ),
        ),
        Entity(
            "activity",
            _("Activities"),
            Activity,
            _visible(Activity),
            (
                _field(A, "subject"),
                _field(A, "customer", "customer__name", "text", label=_("Customer")),
                _field(A, "owner"),
                _field(A, "kind"),
                _field(A, "status"),
                _field(A, "occurred_at"),
                _field(A, "cost"),
                _field(A, "next_follow_up"),
            ),
        ),
        Entity(
            "task",
            _("Tasks"),
            HumanTask,
            _tasks,
            (
                _field(HumanTask, "name", label=_("Task")),
                _field(HumanTask, "process", "definition_key", "choice", _("Process"), choices=_processes),
                _field(HumanTask, "status"),
                _field(HumanTask, "assignee", label=_("Assignee")),
                _field(HumanTask, "completed_by", label=_("Completed by")),
                _field(HumanTask, "priority"),
                _field(HumanTask, "due_at"),
                _field(HumanTask, "created", "created_at", "datetime", _("Created")),
                _field(HumanTask, "completed_at", kind="datetime", label=_("Completed")),
            ),
        ),
        Entity(
            "complaint",
            _("Complaints"),
            Complaint,
            _visible(Complaint),
            (
                _field(Complaint, "subject"),
                _field(Complaint, "customer", "customer__name", "text", label=_("Customer")),
                _field(Complaint, "category", kind="fk", choices=_options("complaint_category")),
                _field(Complaint, "severity"),
                _field(Complaint, "status"),
                _field(Complaint, "channel"),
                _field(Complaint, "department", kind="fk", choices=_model_options(Department)),
                _field(Complaint, "handler"),
                _field(Complaint, "satisfaction"),
                _field(Complaint, "created", "created_at", label=_("Created")),
                _field(Complaint, "due_at"),
                _field(Complaint, "resolved_at"),
            ),
        ),
        Entity(
            "service_request",
            _("Service requests"),
            ServiceRequest,
            _visible(ServiceRequest),
            (
                _field(ServiceRequest, "subject"),
                _field(ServiceRequest, "customer", "customer__name", "text", label=_("Customer")),
                _field(ServiceRequest, "kind"),
                _field(ServiceRequest, "status"),
                _field(ServiceRequest, "technician"),
                _field(ServiceRequest, "satisfaction"),
                _field(ServiceRequest, "created", "created_at", label=_("Created")),
                _field(ServiceRequest, "scheduled_at"),
                _field(ServiceRequest, "due_at"),
            ),
        ),
        Entity(
            "lead",
            _("Leads"),
            Lead,
            _visible(Lead),
            (
                _field(Lead, "company_name"),
                _field(Lead, "owner"),
                _field(Lead, "source", kind="fk", choices=_options("source")),
                _field(Lead, "region", kind="fk", choices=_options("region")),
                _field(Lead, "industry", kind="fk", choices=_options("industry")),
                _field(Lead, "quality"),
                _field(Lead, "priority"),
                _field(Lead, "status"),
                _field(Lead, "created", "created_at", label=_("Created")),
                _field(Lead, "converted_at"),
            ),
        ),
        Entity(
            "contract",
            _("Contracts"),
            Contract,
            _visible(Contract),
            (
                _field(Contract, "title"),
                _field(Contract, "customer", "customer__name", "text", label=_("Customer")),
                _field(Contract, "owner"),
                _field(Contract, "status"),
                _field(Contract, "amount"),
                _field(Contract, "signed_on"),
                _field(Contract, "starts_on"),
                _field(Contract, "ends_on"),
            ),
        ),
    )
}


def entities_for(user) -> list[Entity]:
    """The entities `user` may build reports on (view permission; tasks: everyone signed in, who
    then sees the tasks the engine lets them see)."""
    from org.permissions import user_can

    return [e for e in ENTITIES.values() if e.model is HumanTask or user_can(user, e.model, "view")]


def value_column(definition: FieldDef):
    """The expression of a field's value (an F path, or the custom field's annotation)."""
    return definition.expression() if definition.expression else F(definition.path)
