"""The built-in sections of an exported configuration (see core.configdata for how others plug
in): choice lists, customer levels, custom fields, SLA policies, leave types, start bindings,
active process definitions, groups and roles with permissions and row scopes, and the
organisation (departments, positions) unless left out."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from core.configdata import Column, ModelSection, Section, register
from crm.models import (
    CalendarDay,
    ChoiceList,
    ChoiceOption,
    CustomerLevel,
    CustomerPool,
    CustomFieldDefinition,
    SalesProcess,
    SalesStage,
    SlaPolicy,
    WorkingHours,
)
from crm.models import Complaint as _Complaint
from engine.selectors import definitions as engine_definitions
from office.models import LeaveType
from org.models import Department, GroupProfile, Position
from org.permissions import RowScope
from processes.models import StartBinding
from processes.services import definition_deploy

register(
    ModelSection(
        key="choice_lists",
        label=_("Choice lists"),
        model=ChoiceOption,
        order=10,
        identity=("list", "code"),
        columns=(
            Column("list", attr="choice_list", choices=tuple(ChoiceList.values)),
            Column("code", max_length=40),
            Column("label", max_length=100),
            Column("sort_order", "int"),
            Column("active", "bool"),
        ),
    )
)
register(
    ModelSection(
        key="customer_levels",
        label=_("Customer levels"),
        model=CustomerLevel,
        order=10,
        identity=("code",),
        columns=(
            Column("code", max_length=20),
            Column("name", max_length=100),
            Column("sort_order", "int"),
            Column("criteria", required=False),
            Column("min_yearly_amount", "decimal", required=False),
            Column("min_yearly_orders", "int", required=False),
            Column("active", "bool"),
        ),
    )
)
register(
    ModelSection(
        key="custom_fields",
        label=_("Custom fields"),
        model=CustomFieldDefinition,
        order=20,
        identity=("entity", "key"),
        columns=(
            Column("entity", choices=tuple(CustomFieldDefinition.Entity.values)),
            Column("key", max_length=40),
            Column("label", max_length=100),
            Column("kind", choices=tuple(CustomFieldDefinition.Kind.values)),
            Column("choices", "json"),
            Column("required", "bool"),
            Column("max_length", "int"),
            Column("min_value", "decimal", required=False),
            Column("max_value", "decimal", required=False),
            Column("pattern", required=False, max_length=200),
            Column("pattern_message", required=False, max_length=200),
            Column("help_text", required=False, max_length=200),
            Column("sort_order", "int"),
            Column("show_in_list", "bool"),
            Column("filterable", "bool"),
            Column("active", "bool"),
        ),
    )
)


register(
    ModelSection(
        key="sla_policies",
        label=_("SLA policies"),
        model=SlaPolicy,
        order=30,
        identity=("record", "severity", "category", "customer_level"),
        columns=(
            Column("record", choices=tuple(SlaPolicy.Record.values)),
            Column("severity", required=False, choices=("", *_Complaint.Severity.values)),
            Column(
                "category",
                "ref",
                ref=(ChoiceOption, "code", {"choice_list": ChoiceList.COMPLAINT_CATEGORY}),
                required=False,
            ),
            Column("customer_level", "ref", ref=(CustomerLevel, "code"), required=False),
            Column("response_time", "duration"),
            Column("resolution_time", "duration"),
            Column("priority", "int"),
            Column("business_hours", "bool"),
            Column("active", "bool"),
        ),
    )
)
register(
    ModelSection(
        key="working_hours",
        label=_("Working hours"),
        model=WorkingHours,
        order=25,
        identity=("weekday",),
        columns=(Column("weekday", "int"), Column("start", "time"), Column("end", "time")),
        removal="delete",
    )
)
register(
    ModelSection(
        key="calendar_days",
        label=_("Holidays and make-up working days"),
        model=CalendarDay,
        order=25,
        identity=("day",),
        columns=(
            Column("day", "date"),
            Column("working", "bool"),
            Column("works_like", "int"),
            Column("name", required=False, max_length=100),
        ),
        removal="delete",
    )
)
register(
    ModelSection(
        key="sales_processes",
        label=_("Sales processes"),
        model=SalesProcess,
        order=40,
        identity=("name",),
        columns=(
            Column("name", max_length=100),
            Column("description", required=False),
            Column("is_default", "bool"),
            Column("sort_order", "int"),
            Column("active", "bool"),
        ),
    )
)
register(
    ModelSection(
        key="sales_stages",
        label=_("Sales stages"),
        model=SalesStage,
        order=41,
        identity=("key",),
        columns=(
            Column("key", max_length=40),
            Column("process", "ref", ref=(SalesProcess, "name")),
            Column("name", max_length=100),
            Column("position", "int"),
            Column("probability", "int"),
            Column("required_fields", "json"),
            Column("approval", choices=tuple(SalesStage.Approval.values)),
            Column("approval_threshold", "decimal", required=False),
            Column("kind", choices=tuple(SalesStage.Kind.values)),
        ),
        removal="keep",  # (a stage deals sit at is moved by sales operations, never by a file)
    )
)
register(
    ModelSection(
        key="customer_pools",
        label=_("Customer pools and their rules"),
        model=CustomerPool,
        order=42,
        identity=("code",),
        columns=(
            Column("code", max_length=20),
            Column("name", max_length=100),
            Column("is_default", "bool"),
            Column("claim_limit", "int"),
            Column("daily_claim_quota", "int", required=False),
            Column("reclaim_cooldown_days", "int", required=False),
            Column("days_without_follow_up", "int", required=False),
            Column("days_without_won_deal", "int", required=False),
            Column("warn_days_before_recycle", "int", required=False),
            Column("protect_open_opportunities", "bool"),
            Column("active", "bool"),
        ),
    )
)
register(
    ModelSection(
        key="leave_types",
        label=_("Leave types"),
        model=LeaveType,
        order=10,
        identity=("code",),
        columns=(
            Column("code", max_length=20),
            Column("name", max_length=100),
            Column("annual_days", "decimal"),
            Column("needs_balance", "bool"),
            Column("backdate_days", "int"),
            Column("active", "bool"),
        ),
    )
)
register(
    ModelSection(
        key="start_bindings",
        label=_("Process start bindings"),
        model=StartBinding,
        order=60,
        identity=("event",),
        columns=(
            Column("event", max_length=100),
            Column("process_key", max_length=200),
            Column("description", required=False, max_length=255),
        ),
        where={"active": True},
    )
)
register(
    ModelSection(
        key="departments",
        label=_("Departments"),
        model=Department,
        order=5,
        identity=("code",),
        columns=(
            Column("code", max_length=32),
            Column("name", max_length=100),
            Column("parent", "ref", ref=(Department, "code"), required=False),
            Column("sort_order", "int"),
        ),
        removal="keep",
        org=True,
    )
)
register(
    ModelSection(
        key="positions",
        label=_("Positions"),
        model=Position,
        order=5,
        identity=("code",),
        columns=(Column("code", max_length=32), Column("name", max_length=100)),
        removal="keep",
        org=True,
    )
)


def _permission_names(group: Group) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())


class GroupSection(Section):
    """Groups and roles: kind, parent, row scope, display name and their permissions by name."""

    key, label, order, identity, removal = "groups", _("Groups and roles"), 50, ("name",), "keep"

    def export(self) -> list[dict]:
        items = []
        for group in Group.objects.prefetch_related("permissions__content_type").order_by("name"):
            profile = GroupProfile.objects.filter(group=group).select_related("parent").first()
            items.append(
                {
                    "name": group.name,
                    "display_name": profile.display_name if profile else "",
                    "kind": profile.kind if profile else GroupProfile.Kind.TEAM,
                    "row_scope": profile.row_scope if profile else RowScope.OWN,
                    "parent": profile.parent.name if profile and profile.parent else None,
                    "description": profile.description if profile else "",
                    "permissions": _permission_names(group),
                }
            )
        return items

    def check(self, item: dict) -> dict[str, list[str]]:
        problems: dict[str, list[str]] = {}
        if not isinstance(item.get("name"), str) or not item["name"].strip():
            problems["name"] = [_g("missing")]
        if item.get("kind", "team") not in GroupProfile.Kind.values:
            problems["kind"] = [
                _g("“%(value)s” is not one of %(choices)s")
                % {"value": item.get("kind"), "choices": ", ".join(GroupProfile.Kind.values)}
            ]
        if item.get("row_scope", "own") not in RowScope.values:
            problems["row_scope"] = [
                _g("“%(value)s” is not one of %(choices)s")
                % {"value": item.get("row_scope"), "choices": ", ".join(RowScope.values)}
            ]
        names = item.get("permissions", [])
        if not isinstance(names, list) or not all(isinstance(n, str) and "." in n for n in names):
            problems["permissions"] = [_g("a list of “app.codename” expected")]
        else:
            known = _known_permissions(names)
            unknown = [n for n in names if n not in known]
            if unknown:
                problems["permissions"] = [
                    _g("unknown permissions: %(names)s") % {"names": ", ".join(unknown)}
                ]
        return problems

    def apply(self, *, actor, added, changed, removed) -> None:
        groups = {}
        for item in [*added, *changed]:
            group, _created = Group.objects.get_or_create(name=item["name"])
            groups[item["name"]] = (group, item)
            known = _known_permissions(item.get("permissions", []))
            group.permissions.set(known.values())
        for group, item in groups.values():
            parent = item.get("parent")
            GroupProfile.objects.update_or_create(
                group=group,
                defaults={
                    "display_name": item.get("display_name") or "",
                    "kind": item.get("kind") or GroupProfile.Kind.TEAM,
                    "row_scope": item.get("row_scope") or RowScope.OWN,
                    "description": item.get("description") or "",
                    "parent": Group.objects.filter(name=parent).first() if parent else None,
                },
            )


def _known_permissions(names) -> dict[str, Permission]:
    wanted = {tuple(n.split(".", 1)) for n in names if isinstance(n, str) and "." in n}
    found = Permission.objects.filter(codename__in={c for _a, c in wanted}).select_related("content_type")
    return {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in found
        if (p.content_type.app_label, p.codename) in wanted
    }


class ProcessSection(Section):
    """The active version of each process: its files (BPMN, DMN, forms). Importing deploys them
    through the designer's service (validated, versioned, audited), which needs the right to."""

    key, label, order, identity, removal = (
        "process_definitions",
        _("Process definitions"),
        55,
        ("key",),
        "keep",
    )

    def export(self) -> list[dict]:
        return [
            {"key": d.key, "name": d.name, "files": dict(sorted(d.files.items()))}
            for d in engine_definitions.active_definitions()
        ]

    def check(self, item: dict) -> dict[str, list[str]]:
        files = item.get("files")
        problems = {}
        if not isinstance(item.get("key"), str) or not item["key"]:
            problems["key"] = [_g("missing")]
        if not isinstance(files, dict) or not files or not all(isinstance(v, str) for v in files.values()):
            problems["files"] = [_g("file name → file text expected")]
        return problems

    def compare(self, here: dict, there: dict):
        # the name is the BPMN's own: only the files tell a change
        if here.get("files") == there.get("files"):
            return []
        changed = sorted(
            n
            for n in set(here["files"]) | set(there["files"])
            if here["files"].get(n) != there["files"].get(n)
        )
        return [("files", ", ".join(changed), _g("changed"))]

    def apply(self, *, actor, added, changed, removed) -> None:
        for item in [*added, *changed]:
            definition_deploy(files=item["files"], actor=actor, activate=True)


register(GroupSection())
register(ProcessSection())
