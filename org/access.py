"""Who may do what: the permission matrix's entities and the "what can this user see" explainer.

The matrix lists the business entities by model label so org (below the domain apps in the
layers) names them without importing them; an entity whose app is not installed is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from .permissions import ACTIONS, RowScope
from .selectors import effective_group_ids, group_labels, user_row_scope

# (model label, what people read) — the rows of the matrix, in the order of the sales journey.
MATRIX_ROWS = [
    ("crm.customer", _("Customers")),
    ("crm.contact", _("Contacts")),
    ("crm.lead", _("Leads")),
    ("crm.opportunity", _("Opportunities")),
    ("crm.quotation", _("Quotations")),
    ("crm.order", _("Orders")),
    ("crm.contract", _("Contracts")),
    ("crm.payment", _("Payments")),
    ("crm.complaint", _("Complaints")),
    ("crm.servicerequest", _("Service requests")),
    ("crm.activity", _("Activities")),
    ("crm.product", _("Products")),
    ("office.leaverequest", _("Leave requests")),
    ("office.vehiclerequest", _("Vehicle requests")),
]
# For reading only: how many rows a user's row rule admits is counted up to here.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class MatrixEntity:
    label: str  # "crm.customer"
    name: str  # what people read
    model: type
    permissions: dict[str, Permission] = field(default_factory=dict)  # action -> permission


def matrix_entities() -> list[MatrixEntity]:
    """The matrix's rows with the permissions each offers (an entity without "export" has no
    export box), in two queries."""
    models = []
    for label, name in MATRIX_ROWS:
        try:
            models.append((label, name, apps.get_model(label)))
        except LookupError:
            continue
    types = ContentType.objects.get_for_models(*(m for _l, _n, m in models))
    by_type: dict[int, dict[str, Permission]] = {}
    for perm in Permission.objects.filter(content_type__in=types.values()).select_related("content_type"):
        action, _sep, model_name = perm.codename.partition("_")
        if action in ACTIONS and model_name == perm.content_type.model:
            by_type.setdefault(perm.content_type_id, {})[action] = perm
    return [
        MatrixEntity(label, str(name), model, by_type.get(types[model].pk, {}))
        for label, name, model in models
    ]


@dataclass
class MatrixRow:
    entity: MatrixEntity
    cells: list[tuple[str, bool, bool]]  # (action, offered, granted)


def group_matrix(group: Group) -> list[MatrixRow]:
    """The group's own grants on the matrix (what the checkboxes show)."""
    granted = set(group.permissions.values_list("pk", flat=True))
    rows = []
    for entity in matrix_entities():
        cells = []
        for action in ACTIONS:
            perm = entity.permissions.get(action)
            cells.append((action, perm is not None, perm is not None and perm.pk in granted))
        rows.append(MatrixRow(entity, cells))
    return rows


@dataclass
class ExplainedEntity:
    name: str
    operations: list[tuple[str, list[str]]]  # (action, the group labels granting it; "" = direct)
    rows_admitted: int | None  # rows the user may view (None: cannot view)
    rows_capped: bool


@dataclass
class Explanation:
    user: object
    row_scope: RowScope
    scope_groups: list[str]  # the groups granting that scope
    groups: list[str]
    entities: list[ExplainedEntity]
    superuser: bool


def explain_user(user) -> Explanation:
    """Per matrix entity: the operations `user` holds and through which (nested) groups, their row
    scope and how many rows of it their row rule admits (counted up to COUNT_CAP)."""
    from .models import GroupProfile

    group_ids = effective_group_ids(user)
    groups = list(Group.objects.filter(pk__in=group_ids).prefetch_related("permissions"))
    labels = group_labels(g.name for g in groups)
    scope = RowScope(user_row_scope(user))
    scope_groups = sorted(
        labels.get(name, name)
        for name in GroupProfile.objects.filter(group_id__in=group_ids, row_scope=scope).values_list(
            "group__name", flat=True
        )
    )
    granting: dict[int, list[str]] = {}
    for group in groups:
        for perm in group.permissions.all():
            granting.setdefault(perm.pk, []).append(labels.get(group.name, group.name))
    direct = set(user.user_permissions.values_list("pk", flat=True))
    entities = []
    for entity in matrix_entities():
        operations = []
        for action in ACTIONS:
            perm = entity.permissions.get(action)
            if perm is None:
                continue
            via = sorted(granting.get(perm.pk, []))
            if perm.pk in direct:
                via.append("")
            if via or user.is_superuser:
                operations.append((action, via))
        can_view = user.is_superuser or any(a == "view" for a, _via in operations)
        count, capped = None, False
        # (a model without a row rule of its own, e.g. leave requests, is not counted)
        if can_view and hasattr(entity.model.objects, "visible_to"):
            ids = entity.model.objects.visible_to(user, "view", through_tasks=False).values_list(
                "pk", flat=True
            )
            count = len(ids[: COUNT_CAP + 1])
            capped = count > COUNT_CAP
            count = min(count, COUNT_CAP)
        entities.append(ExplainedEntity(entity.name, operations, count, capped))
    return Explanation(
        user=user,
        row_scope=scope,
        scope_groups=scope_groups,
        groups=sorted(labels.values()),
        entities=entities,
        superuser=user.is_superuser,
    )
