"""Moving a running instance to another version of its process.

SpiffWorkflow aligns the old and new specs by BPMN element id (`diff_workflow`). An instance can
move when every element it currently waits in (ready or waiting tasks, in the top process and in
running sub-processes) still exists in the target version; the dry run lists what would not map,
so a designer sees which instances must finish on the old version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from core.errors import Conflict, NotPermitted

from . import runtime
from .errors import DefinitionNotFound, InstanceNotRunning
from .human_tasks import is_task_admin
from .models import DefinitionVersion, HumanTask, InstanceEvent, ProcessInstance
from .step import audit, finish, load, lock_instance

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass
class MigrationReport:
    instance_id: int
    key: str
    from_version: int
    to_version: int
    unmapped: list[dict] = field(default_factory=list)  # live elements missing in the target
    changed: list[str] = field(default_factory=list)  # live elements whose definition changed
    added: list[str] = field(default_factory=list)  # elements new in the target version

    @property
    def possible(self) -> bool:
        return not self.unmapped

    def as_dict(self) -> dict:
        return {
            "instance": self.instance_id,
            "key": self.key,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "possible": self.possible,
            "unmapped": self.unmapped,
            "changed": self.changed,
            "added": self.added,
        }


class MigrationNotPossible(Conflict):
    code = "migration_not_possible"

    def __init__(self, report: MigrationReport):
        names = ", ".join(
            f"{u['element_id']} ({u['name']})" if u["name"] else u["element_id"] for u in report.unmapped
        )
        super().__init__(
            _(
                "Instance %(id)s cannot move to version %(version)s: it is waiting in elements the new "
                "version no longer has: %(names)s."
            )
            % {"id": report.instance_id, "version": report.to_version, "names": names},
            location={"unmapped": report.unmapped},
        )
        self.report = report


def _live(task) -> bool:
    return bool(task.state & LIVE)


def _describe(task) -> dict:
    element_id, name, element_type = runtime.element_of(task)
    return {
        "element_id": element_id,
        "name": name,
        "type": element_type,
        "state": TaskState.get_name(task.state),
    }


def _unmapped(diff, tasks) -> list[dict]:
    """Live tasks whose element has no same-id counterpart in the new version. SpiffWorkflow would
    align a renamed element by its position; we refuse that, so history and inbox rows never point
    at an element id the new diagram lacks, and name the candidate to help the designer."""
    found = []
    for task in tasks:
        if not _live(task):
            continue
        new = diff.alignment.get(task.task_spec) if diff is not None else None
        if new is None or new.name != task.task_spec.name:
            entry = _describe(task)
            if new is not None:
                entry["similar"] = getattr(new, "bpmn_id", None) or new.name
            found.append(entry)
    return found


def _plan(workflow, dialect: str, target) -> tuple[MigrationReport, object, dict]:
    registry = runtime.serializer_registry(dialect)
    top_diff, sub_diffs = diff_workflow(registry, workflow, target.spec, target.subprocess_specs)
    report = MigrationReport(instance_id=0, key="", from_version=0, to_version=0)
    top_spec_diff = SpecDiff(registry, workflow.spec, target.spec)
    report.unmapped = _unmapped(top_spec_diff, workflow.get_tasks(skip_subprocesses=True))
    report.changed = sorted({runtime.element_of(t)[0] for t in top_diff.changed if _live(t)})
    for sub_id, diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        new_spec = target.subprocess_specs.get(sub.spec.name)
        spec_diff = SpecDiff(registry, sub.spec, new_spec) if diff is not None and new_spec else None
        report.unmapped += _unmapped(spec_diff, sub.get_tasks())
    old_ids = set(workflow.spec.task_specs)
    report.added = sorted(
        getattr(spec, "bpmn_id", None) or name
        for name, spec in target.spec.task_specs.items()
        if name not in old_ids and getattr(spec, "bpmn_id", None)
    )
    return report, top_diff, sub_diffs


def _target(instance: ProcessInstance, to_version: int) -> DefinitionVersion:
    target = DefinitionVersion.objects.filter(key=instance.key, version=to_version).first()
    if target is None:
        raise DefinitionNotFound(
            _("Process %(key)s has no version %(version)s.") % {"key": instance.key, "version": to_version}
        )
    return target


def migrate_instance(instance_id: int, *, to_version: int, user, dry_run: bool = False) -> MigrationReport:
    """Move a running instance to `to_version` (or only report, with dry_run=True).

    Ready user tasks keep their identity (and so their assignee and claim); waiting events are
    re-predicted from the new version."""
    if not dry_run and not (
        is_task_admin(user) or (user is not None and user.has_perm("engine.change_definitionversion"))
    ):
        raise NotPermitted(_("Only process designers may migrate instances."))
    with transaction.atomic():
        instance = lock_instance(instance_id)
        if not instance.is_running:
            raise InstanceNotRunning(
                _("The process instance is already %(status)s.") % {"status": instance.get_status_display()}
            )
        target = _target(instance, to_version)
        step = load(instance, actor=user)
        parsed = runtime.parsed_definition(target)
        report, top_diff, sub_diffs = _plan(step.workflow, step.parsed.dialect, parsed)
        report.instance_id, report.key = instance.pk, instance.key
        report.from_version, report.to_version = instance.definition.version, target.version
        if dry_run:
            transaction.set_rollback(True)
            return report
        if not report.possible:
            raise MigrationNotPossible(report)
        workflow = step.workflow
        migrate_workflow(top_diff, workflow, parsed.spec, reset_mask=TaskState.WAITING)
        for sub_id, diff in sub_diffs.items():
            sub = workflow.subprocesses[sub_id]
            migrate_workflow(diff, sub, parsed.subprocess_specs[sub.spec.name], reset_mask=TaskState.WAITING)
        workflow.subprocess_specs = parsed.subprocess_specs
        step.event(InstanceEvent.Kind.MIGRATED, data=report.as_dict())
        instance.definition = target
        HumanTask.objects.filter(instance=instance, status=HumanTask.Status.READY).update(
            definition_version=target.version
        )
        step.definition, step.parsed = target, parsed
        finish(step)
        audit(
            user,
            instance,
            "migrate",
            changes={"version": [report.from_version, report.to_version]},
            process=instance.key,
        )
        return report
