"""The administration area (issue #24): sections owned by the people who run them (HR: the
organisation and notices; IT: integrations), each guarded by its own permission so it is
delegated without making anyone a superuser. Views are thin: reads through the owning app's
selectors, writes through its services (which check the actor and write the audit row).

The pages are small hand-made lists, not `tasklist.views.objects`: that layer's lists run on the
CRM list registry (`crm.selectors.lists`) and its guard is the entity permission, while an
administration page is guarded by its section's permission and lists a few hundred rows of org
tables at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    permission: str
    url_name: str
    description: str


SECTIONS = [
    Section(
        "org",
        _("Organisation"),
        "org.manage_org",
        "manage:departments",
        _("Departments, positions, employees, groups and roles, accounts and permissions."),
    ),
    Section(
        "notices",
        _("Notices"),
        "office.manage_notices",
        "manage:notices",
        _("Write and publish notices, see who read them."),
    ),
    Section(
        "integrations",
        _("Integrations"),
        "integrations.manage_webhooks",
        "manage:webhooks",
        _("Webhook subscriptions and their delivery log."),
    ),
    Section(
        "config",
        _("Configuration"),
        "configtransfer.manage_config",
        "manage:config",
        _("Export the company's configuration to a file and import one, with a diff before applying."),
    ),
    Section(
        "sales",
        _("Sales operations"),
        "crm.manage_sales",
        "manage:sales_processes",
        _("Sales processes and their stages: probabilities, required fields, approvals."),
    ),
    Section(
        "data",
        _("Data model"),
        "crm.manage_data_model",
        "manage:custom_fields",
        _("Custom fields of records, choice lists, and each role's list columns."),
    ),
    Section(
        "service",
        _("Service settings"),
        "crm.manage_service_settings",
        "manage:sla_policies",
        _("SLA policies and the company calendar of working hours and holidays."),
    ),
]
SECTION_BY_KEY = {s.key: s for s in SECTIONS}


def may_manage(user, section_key: str) -> bool:
    section = SECTION_BY_KEY[section_key]
    return user.is_active and (user.is_superuser or user.has_perm(section.permission))


def section_required(section_key: str):
    """Signed in, else the login page; without the section's permission, 403."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not may_manage(request.user, section_key):
                raise PermissionDenied
            request.admin_section = SECTION_BY_KEY[section_key]
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorate


def field(
    name: str,
    label,
    *,
    kind: str = "text",
    value="",
    choices=(),
    errors: dict | None = None,
    required: bool = False,
    help: str = "",
    maxlength: int | None = None,
) -> dict:
    """One form field as `tasklist/admin/_fields.html` renders it (the generic form's shape)."""
    return {
        "name": name,
        "label": label,
        "kind": kind,
        "value": "" if value is None else (value if isinstance(value, bool | list) else str(value)),
        "choices": [(str(v), str(lbl)) for v, lbl in choices],
        "required": required,
        "help": help,
        "maxlength": maxlength,
        "errors": (errors or {}).get(name, []),
    }


def located(error: DomainError) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in error.fields.items()} or {"__all__": [str(error.message)]}


def general_errors(errors: dict, fields: list[dict]) -> list[str]:
    names = {f["name"] for f in fields}
    return [m for k, ms in errors.items() if k not in names for m in ms]


def pk_or_none(value) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return int(value) if isinstance(value, str) and value.isdigit() else None
