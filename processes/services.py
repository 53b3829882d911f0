"""Writes of the process-definitions app: deploy, activate, bind events to processes.

Deploy = validate + store in one transaction: the engine stores the version (same content → same
version), this app logs the attempt with its findings and audits the deploy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import audit_record
from core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from engine import parsing
from engine import services as engine
from engine.selectors import DefinitionVersion
from engine.selectors import definitions as engine_definitions

from . import selectors
from .forms import start_form, task_form
from .models import DeploymentLog, ManualStart, RecordType, StartBinding
from .validation import FORM_SUFFIXES, Report, definition_validate

logger = logging.getLogger(__name__)


class DefinitionRejected(ValidationFailed):
    """The upload has errors; `report` holds every located finding."""

    code = "definition_rejected"

    def __init__(self, report: Report):
        first = report.errors[0]
        super().__init__(
            _("The process cannot be deployed: %(n)d error(s), first: %(where)s %(message)s")
            % {"n": len(report.errors), "where": first.location(), "message": first.message},
            location={"findings": [f.as_dict() for f in report.findings]},
        )
        self.report = report


@dataclass
class DeployResult:
    report: Report
    definition: DefinitionVersion
    created: bool


def _require_designer(actor) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_perm("processes.add_deploymentlog")):
        raise NotPermitted(_("Only process designers may deploy process definitions."))


def _split(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, str]]:
    xml, forms = {}, {}
    for name, body in files.items():
        if name.lower().endswith(FORM_SUFFIXES):
            forms[name] = body.decode("utf-8") if isinstance(body, bytes) else body
        else:
            xml[name] = body
    return xml, forms


def definition_validate_logged(*, files: dict[str, bytes], actor=None) -> Report:
    report = definition_validate(files)
    DeploymentLog.objects.create(
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        file_names=sorted(files),
        process_key=report.key,
        outcome=DeploymentLog.Outcome.VALIDATED if report.ok else DeploymentLog.Outcome.REJECTED,
        findings=[f.as_dict() for f in report.findings],
    )
    return report


def definition_deploy(
    *, files: dict[str, bytes | str], actor=None, activate: bool | None = True
) -> DeployResult:
    """Validate and deploy. Raises DefinitionRejected (nothing stored but the log) on errors.

    activate=None activates the new version only when the process has no active version yet."""
    _require_designer(actor)
    files = {n: b.encode("utf-8") if isinstance(b, str) else b for n, b in files.items()}
    report = definition_validate(files)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if not report.ok:
        DeploymentLog.objects.create(
            uploaded_by=user,
            file_names=sorted(files),
            process_key=report.key,
            outcome=DeploymentLog.Outcome.REJECTED,
            findings=[f.as_dict() for f in report.findings],
        )
        raise DefinitionRejected(report)
    xml, forms = _split(files)
    task_forms = {
        element_id: task_form(meta, forms)
        for element_id, meta in report.metadata.get("user_tasks", {}).items()
    }
    for element_id, meta in report.metadata.get("start_forms", {}).items():
        form = start_form(meta, forms)
        if form is not None:
            task_forms[element_id] = form
    with transaction.atomic():
        existing = engine_definitions.versions_of(report.key)
        before = set(existing.values_list("pk", flat=True))
        if activate is None:
            activate = not existing.filter(active=True).exists()
        same = _same_meaning(existing, xml, forms)
        if same is not None:
            # a modeler saved the model again without changing it: the stored version stands
            stored = parsing.process_files(same.files)
            forms = {n: b for n, b in same.files.items() if n not in stored}
            xml = stored
        definition = engine.definition_deploy(
            files=xml, attachments=forms, task_forms=task_forms, deployed_by=user, activate=activate
        )
        created = definition.pk not in before
        DeploymentLog.objects.create(
            uploaded_by=user,
            file_names=sorted(files),
            process_key=definition.key,
            version=definition.version,
            outcome=DeploymentLog.Outcome.DEPLOYED if created else DeploymentLog.Outcome.UNCHANGED,
            findings=[f.as_dict() for f in report.findings],
        )
        if created:
            audit_record(
                action=AuditEvent.Action.DEPLOY,
                actor=user,
                obj=definition,
                extra={"files": sorted(files), "warnings": len(report.warnings)},
            )
    return DeployResult(report=report, definition=definition, created=created)


RECENT_VERSIONS = 20


def _same_meaning(versions, xml: dict, forms: dict) -> DefinitionVersion | None:
    """The stored version (of the recent ones) whose files mean the same as the upload."""
    digest = parsing.semantic_digest({**xml, **forms})
    for version in versions.order_by("-version")[:RECENT_VERSIONS]:
        own = {n: b for n, b in version.files.items() if not n.startswith("called/")}
        if parsing.semantic_digest(own) == digest:
            return version
    return None


@transaction.atomic
def definition_activate(*, actor, key: str, version: int) -> DefinitionVersion:
    """Make `version` the one new instances of `key` start on (a rollback is the same call)."""
    _require_designer(actor)
    definition = engine_definitions.version_of(key, version)
    if definition is None:
        raise ValidationFailed(
            _("Process %(key)s has no version %(version)s.") % {"key": key, "version": version}
        )
    engine.definition_activate(definition_id=definition.pk)
    audit_record(action=AuditEvent.Action.DEPLOY, actor=actor, obj=definition, extra={"activated": True})
    return definition


@transaction.atomic
def binding_set(*, actor, event: str, process_key: str, description: str = "") -> StartBinding:
    """Bind `event` to `process_key` (replacing the event's previous active binding)."""
    if actor is not None and not (actor.is_superuser or actor.has_perm("processes.change_startbinding")):
        raise NotPermitted(_("You may not change start bindings."))
    if not engine_definitions.has_active_version(process_key):
        raise ValidationFailed(
            _("No active process '%(key)s' is deployed.") % {"key": process_key},
            fields={"process_key": [_("Deploy the process first.")]},
        )
    StartBinding.objects.filter(event=event, active=True).exclude(process_key=process_key).update(
        active=False
    )
    binding, _created = StartBinding.objects.update_or_create(
        event=event, process_key=process_key, defaults={"active": True, "description": description}
    )
    return binding


def start_for_event(*, name: str, business_object=None, actor=None, variables: dict | None = None):
    """Start the process bound to a business event; None when nothing is bound to it."""
    binding = StartBinding.objects.filter(event=name, active=True).first()
    if binding is None:
        logger.info("business event %s: no process is bound to it", name)
        return None
    variables = {**(variables or {}), "event": name}
    return engine.start_process(
        binding.process_key, started_by=actor, business_object=business_object, variables=variables
    )


# -- starting a process by hand -------------------------------------------------------------------


def _refuse_event_started(key: str) -> None:
    """A process bound to a business event starts with its record (submitting the order starts
    its approval): started by hand it would run a second time beside the record's own."""
    event = selectors.bound_event(key)
    if event is not None:
        raise Conflict(
            _("“%(process)s” starts by itself when this happens: %(event)s. It cannot be started by hand.")
            % {"process": selectors.process_name(key), "event": event}
        )


@transaction.atomic
def manual_start_set(
    *, actor, key: str, groups=(), record_type: str = "", active: bool = True
) -> ManualStart:
    """Offer `key` for starting by hand: to whom (groups; none = every employee), from which
    kind of record; `active=False` withdraws the offer."""
    _require_designer(actor)
    if not engine_definitions.has_active_version(key):
        raise ValidationFailed(_("No active process '%(key)s' is deployed.") % {"key": key})
    _refuse_event_started(key)
    if record_type not in RecordType.values:
        raise ValidationFailed(
            _("Choose where the process is started from."), fields={"record_type": [_("Not a choice.")]}
        )
    rule = ManualStart.objects.filter(process_key=key).first()
    before = (
        {
            "groups": sorted(g.name for g in rule.groups.all()),
            "record_type": rule.record_type,
            "active": rule.active,
        }
        if rule
        else {}
    )
    rule = rule or ManualStart(process_key=key)
    rule.record_type, rule.active = record_type, active
    rule.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    rule.save()
    rule.groups.set(groups)
    after = {"groups": sorted(g.name for g in groups), "record_type": record_type, "active": active}
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        audit_record(
            action=AuditEvent.Action.CREATE if not before else AuditEvent.Action.CHANGE,
            actor=actor,
            obj=rule,
            changes=changes,
        )
    return rule


def process_start_by_hand(*, actor, key: str, form_data: dict | None = None, record=None):
    """A person starts `key` (from the request menu, a record's page or the API): the process
    must not be event-bound, its manual start must admit them, and a record it is started from
    must be of the offered kind and visible to them."""
    return process_start_by_hand_step(actor=actor, key=key, form_data=form_data, record=record).instance


def process_start_by_hand_step(*, actor, key: str, form_data: dict | None = None, record=None):
    """process_start_by_hand, answering with the engine's step result (what it left open)."""
    _refuse_event_started(key)
    rule = selectors.manual_start(key)
    if not selectors.rule_admits(actor, rule):
        raise NotPermitted(_("You may not start this process."))
    wanted = rule.record_type if rule is not None else ""
    if record is not None:
        kind = f"{record._meta.app_label}.{record._meta.model_name}"
        if wanted and kind != wanted:
            raise ValidationFailed(_("This process is not started from this kind of record."))
        visible = type(record).objects.visible_to(actor, "view").filter(pk=record.pk).exists()
        if not visible:
            raise NotFound(_("The record does not exist or is not visible to you."))
    elif wanted:
        raise ValidationFailed(
            _("This process is started from a record: open the record and start it there.")
        )
    return engine.start_process_step(key, started_by=actor, business_object=record, form_data=form_data or {})


# -- drafts: test runs ----------------------------------------------------------------------------


def draft_test_run(
    *,
    actor,
    key: str,
    version: int,
    start_data: dict | None = None,
    answers=None,
    variables: dict | None = None,
):
    """Rehearse a version (a draft, usually) with sample data, in memory: see engine.dryrun. The
    start data must fit the start form; the last answer must fit its task's form
    (ValidationFailed with the messages per field, nothing stored either way). `variables` stand
    for what a start binding or record would give the process (e.g. the days of a leave)."""
    from engine.forms import validate_form_data

    _require_designer(actor)
    definition = engine_definitions.version_of(key, version)
    if definition is None:
        raise NotFound(_("Process %(key)s has no version %(version)s.") % {"key": key, "version": version})
    if not isinstance(start_data, dict | type(None)) or not isinstance(answers, list | type(None)):
        raise ValidationFailed(_("The sample data of the test run cannot be read."))
    schema = engine.start_form_schema(definition)
    if schema and not answers:
        errors = validate_form_data(schema, start_data or {})
        if errors:
            raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    try:
        sample = {**(variables or {}), **(start_data or {})}
        return engine.dry_run(definition, started_by=actor, start_data=sample, answers=answers)
    except engine.SampleRejected as rejected:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=rejected.fields) from None


# -- the form editor ------------------------------------------------------------------------------

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


def _bind_form_file(xml: str, element_id: str, file_name: str) -> str:
    """The BPMN with `element_id` rendering the JSON form `file_name` (camunda:formKey); its
    Camunda form fields, replaced by the JSON form, are removed."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    node = next((n for n in root.iter() if isinstance(n.tag, str) and n.get("id") == element_id), None)
    if node is None:
        raise ValidationFailed(_("The diagram has no element “%(id)s”.") % {"id": element_id})
    node.set(f"{{{CAMUNDA_NS}}}formKey", file_name)
    for form_data in node.iter(f"{{{CAMUNDA_NS}}}formData"):
        parent = form_data.getparent()
        parent.remove(form_data)
        if len(parent) == 0 and etree.QName(parent).localname == "extensionElements":
            parent.getparent().remove(parent)
    etree.cleanup_namespaces(root, top_nsmap={"camunda": CAMUNDA_NS})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def task_form_save(
    *, actor, key: str, version: int, element_id: str, title: str, rows: list[dict]
) -> DeployResult:
    """Save the form editor's rows as the JSON form of a user task or start event: a new draft
    version (the version's other files kept; the form written to the task's own form file, else to
    `<key>.<element>.json`, which the task then names). Located errors per row, nothing saved."""
    import json

    from .form_editor import schema_from_rows

    _require_designer(actor)
    definition = engine_definitions.version_of(key, version)
    if definition is None:
        raise NotFound(_("Process %(key)s has no version %(version)s.") % {"key": key, "version": version})
    meta = selectors.form_element(definition, element_id)
    if meta is None:
        raise NotFound(_("This process has no user task or start event “%(id)s”.") % {"id": element_id})
    form = meta.get("form") or {}
    previous = form.get("schema") if form.get("source") == "file" else {}
    schema = schema_from_rows(title, rows, previous=previous or {})
    files = {n: t for n, t in (definition.files or {}).items() if not n.startswith("called/")}
    props = meta.get("properties") or {}
    own = props.get("formJsonSchemaFilename") or (
        meta.get("form_key") if str(meta.get("form_key") or "").endswith(".json") else ""
    )
    existing = next((n for n in files if own and n.rsplit("/", 1)[-1] == own.rsplit("/", 1)[-1]), None)
    name = existing or f"{key}.{element_id}.json"
    files[name] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    if existing is None:
        bpmn = selectors.main_bpmn_name(definition)
        files[bpmn] = _bind_form_file(files[bpmn], element_id, name)
    return definition_deploy(files=files, actor=actor, activate=False)


# -- decision tables ------------------------------------------------------------------------------


def decision_tests_name(dmn_file: str) -> str:
    """The file holding a DMN file's test tables (sample inputs, expected outputs per decision)."""
    return dmn_file.rsplit(".", 1)[0] + ".tests.json"


def _clean_test_rows(rows) -> list[dict]:
    clean = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        inputs = [str(v)[:200] for v in row.get("inputs") or []][:50]
        expected = {str(k)[:100]: str(v)[:200] for k, v in (row.get("expected") or {}).items()}
        if any(v.strip() for v in inputs) or any(v.strip() for v in expected.values()):
            clean.append({"inputs": inputs, "expected": expected})
    return clean[:200]


def decision_save(
    *, actor, key: str, version: int, dmn_file: str, xml: str, decision_id: str, tests: list[dict]
) -> DeployResult:
    """Save a decision table edited in the browser, with its test rows, as a new draft version
    (the version's other files kept). The DMN is validated with the process like any upload."""
    import json

    _require_designer(actor)
    definition = engine_definitions.version_of(key, version)
    if definition is None:
        raise NotFound(_("Process %(key)s has no version %(version)s.") % {"key": key, "version": version})
    files = {n: t for n, t in (definition.files or {}).items() if not n.startswith("called/")}
    if dmn_file not in files or not dmn_file.lower().endswith(".dmn"):
        raise ValidationFailed(_("This version has no decision file “%(name)s”.") % {"name": dmn_file})
    if not xml.strip():
        raise ValidationFailed(_("There is no decision table to save."))
    files[dmn_file] = xml
    tests_name = decision_tests_name(dmn_file)
    stored = {}
    if tests_name in files:
        try:
            stored = json.loads(files[tests_name])
        except ValueError:
            stored = {}
    stored = stored if isinstance(stored, dict) else {}
    stored[decision_id] = _clean_test_rows(tests)
    files[tests_name] = json.dumps(stored, ensure_ascii=False, indent=2) + "\n"
    return definition_deploy(files=files, actor=actor, activate=False)


def decision_tests_run(*, files: dict[str, str], decision_id: str, tests: list[dict]):
    """Run test rows against a decision table (of stored or edited files): pass/fail per row."""
    return engine.decision_test(files, decision_id, _clean_test_rows(tests))


DMN_SKELETON = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
    xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"
    xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/"
    id="{id}_defs" name="{name}" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="{id}" name="{name}">
    <decisionTable id="{id}_table" hitPolicy="FIRST">
      <input id="{id}_in1" label="{input_label}">
        <inputExpression id="{id}_in1_expr" typeRef="string"><text>{input_expression}</text></inputExpression>
      </input>
      <output id="{id}_out1" label="{output_label}" name="{output_name}" typeRef="string" />
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="{id}_diagram">
      <dmndi:DMNShape id="{id}_shape" dmnElementRef="{id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


def decision_create(
    *,
    actor,
    key: str,
    version: int,
    decision_id: str,
    name: str,
    input_label: str,
    input_expression: str,
    output_name: str,
    output_label: str = "",
) -> DeployResult:
    """A new, empty decision table (one input column, one output column, no rules yet) added to
    a version as `<decision id>.dmn`, saved as a new draft; a business rule task then names it
    (camunda:decisionRef) in the modeler. Located errors, nothing saved."""
    import re
    from xml.sax.saxutils import escape

    _require_designer(actor)
    definition = engine_definitions.version_of(key, version)
    if definition is None:
        raise NotFound(_("Process %(key)s has no version %(version)s.") % {"key": key, "version": version})
    files = {n: t for n, t in (definition.files or {}).items() if not n.startswith("called/")}
    identifier = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    errors: dict[str, list[str]] = {}
    if not identifier.match(decision_id or ""):
        errors["decision_id"] = [_("Use letters, digits and _ only, starting with a letter.")]
    elif f"{decision_id}.dmn" in files or any(
        t.decision_id == decision_id for t in engine.decision_tables(files)
    ):
        errors["decision_id"] = [_("This process already has a decision with this id.")]
    if not (input_expression or "").strip():
        errors["input_expression"] = [_("Say what the column reads from the process data, e.g. amount.")]
    if not identifier.match(output_name or ""):
        errors["output_name"] = [_("Use letters, digits and _ only, starting with a letter.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    quote = {'"': "&quot;"}
    files[f"{decision_id}.dmn"] = DMN_SKELETON.format(
        id=decision_id,
        name=escape(name.strip() or decision_id, quote),
        input_label=escape(input_label.strip() or input_expression.strip(), quote),
        input_expression=escape(input_expression.strip()),
        output_name=output_name,
        output_label=escape(output_label.strip() or output_name, quote),
    )
    return definition_deploy(files=files, actor=actor, activate=False)
