"""Parsing a deployment (BPMN + DMN files) into SpiffWorkflow specs plus the metadata Baton needs.

SpiffWorkflow ignores Camunda's task-routing attributes (assignee, candidate users/groups, due
date, priority, form data), so they are read here from the XML with lxml, together with Spiff and
Camunda extension properties, lanes, timers and messages. Every problem becomes a *finding*
(file, line, element id/name, message) so the designer sees all of them at once.

Two dialects: files using the Camunda namespace (and not Spiff's) go through SpiffWorkflow's
CamundaParser, everything else through SpiffBpmnParser. Service tasks get one parser in both
dialects: the connector name comes from `spiffworkflow:serviceTaskOperator`, `camunda:topic`,
`camunda:type`/`camunda:delegateExpression` or a `connector` extension property.
"""

from __future__ import annotations

import hashlib
import json
import re
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator, full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
)
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEndEventParser
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.event_parsers import SpiffEndEventParser
from SpiffWorkflow.spiff.parser.process import VALIDATOR as SPIFF_VALIDATOR
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import ServiceTask

from engine.juel import JuelUnsupported, is_wrapped
from engine.juel import to_python as juel_to_python
from engine.terms import split_terms

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Flowable and Activiti (the engines behind most Chinese BPM products and their modelers) write
# the same task attributes as Camunda under their own namespaces.
FLOWABLE_NS = "http://flowable.org/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
ROUTING_NAMESPACES = (CAMUNDA_NS, FLOWABLE_NS, ACTIVITI_NS)
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
)
BPMN_RESOURCE = f"{{{BPMN_NS}}}resourceAssignmentExpression"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiffworkflow": SPIFF_NS}

HUMAN_TAGS = ("userTask", "manualTask")
TIMER_KINDS = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}


@dataclass
class ParsedDefinition:
    key: str
    name: str
    dialect: str
    spec: Any
    subprocess_specs: dict
    metadata: dict = field(default_factory=dict)


def content_hash(files: dict[str, bytes | str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        body = files[name]
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(body.encode() if isinstance(body, str) else body)
        digest.update(b"\0")
    return digest.hexdigest()


def semantic_digest(files: dict[str, bytes | str]) -> str:
    """A hash of what the files mean rather than how a modeler serialised them: XML in canonical
    form (attribute order, empty-element style, indentation between elements do not count), JSON
    forms with sorted keys. A file that cannot be read hashes as its bytes."""
    canonical: dict[str, bytes] = {}
    for name, body in files.items():
        data = body.encode() if isinstance(body, str) else body
        try:
            if name.lower().endswith(".json"):
                canonical[name] = json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False).encode()
            else:
                parser = etree.XMLParser(
                    resolve_entities=False, no_network=True, remove_blank_text=True, remove_comments=True
                )
                canonical[name] = etree.tostring(etree.fromstring(data, parser=parser), method="c14n")
        except (ValueError, etree.LxmlError):
            canonical[name] = data
    return content_hash(canonical)


def finding(file="", line=None, element_id="", element_name="", message="") -> dict:
    return {
        "file": file or "",
        "line": line if isinstance(line, int) else None,
        "element_id": element_id or "",
        "element_name": element_name or "",
        "message": str(message),
    }


class ParseFailed(Exception):
    def __init__(self, findings: list[dict]):
        super().__init__(findings[0]["message"] if findings else "invalid")
        self.findings = findings


# -- service tasks ---------------------------------------------------------------------------------


class ConnectorTaskParser(TaskParser):
    """A service task calls a Baton connector, named in whichever way the modeler wrote it."""

    def create_task(self):
        node = self.node
        params: dict = {}
        result_variable = ""
        connector = None
        operator = node.find(f".//{{{SPIFF_NS}}}serviceTaskOperator")
        if operator is not None:
            connector = operator.get("id")
            result_variable = operator.get("resultVariable", "")
            for param in operator.findall(f".//{{{SPIFF_NS}}}parameter"):
                params[param.get("id")] = {"value": param.get("value", "None"), "type": param.get("type", "")}
        connector = (
            connector
            or node.get(f"{{{CAMUNDA_NS}}}topic")
            or _properties(node).get("connector")
            or node.get(f"{{{CAMUNDA_NS}}}delegateExpression")
            or node.get(f"{{{CAMUNDA_NS}}}class")
        )
        if not connector:
            raise ValidationException(
                "A service task needs a connector: set camunda:topic, a spiffworkflow:serviceTaskOperator "
                "or a 'connector' extension property.",
                node=node,
                file_name=self.filename,
            )
        for param in node.findall(f".//{{{CAMUNDA_NS}}}inputParameter"):
            if param.get("name") and param.text:
                params[param.get("name")] = {"value": _camunda_expression(param.text), "type": ""}
        result_variable = result_variable or node.get(f"{{{CAMUNDA_NS}}}resultVariable", "")
        return ServiceTask(
            self.spec,
            self.bpmn_id,
            operation_name=connector,
            operation_params=params,
            result_variable=result_variable,
            prescript=None,
            postscript=None,
            **self.bpmn_attributes,
        )


def _camunda_expression(text: str) -> str:
    text = text.strip()
    if text.startswith(("${", "#{")) and text.endswith("}"):
        return text[2:-1].strip()
    return repr(text)


# SpiffWorkflow's end event parser reads no signal definition, so a signal end event would end
# its path silently; BPMN says it throws the signal (as an intermediate throw event does).
_END_EVENT_DEFINITIONS = [
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    CANCEL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
]


class _SignalEndMixin:
    def create_task(self):
        task = self._create_task(self.get_event_definition(_END_EVENT_DEFINITIONS))
        task.connect(self.spec.end)
        return task


class BatonSpiffEndEventParser(_SignalEndMixin, SpiffEndEventParser):
    pass


class BatonCamundaEndEventParser(_SignalEndMixin, CamundaEndEventParser):
    pass


class BatonSpiffParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ConnectorTaskParser, ServiceTask),
        full_tag("endEvent"): (BatonSpiffEndEventParser, EndEvent),
    }


class BatonCamundaParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ConnectorTaskParser, ServiceTask),
        full_tag("endEvent"): (BatonCamundaEndEventParser, EndEvent),
    }


_CAMUNDA_VALIDATOR = None


def _validator(dialect: str):
    global _CAMUNDA_VALIDATOR
    if dialect == "spiff":
        return SPIFF_VALIDATOR
    if _CAMUNDA_VALIDATOR is None:
        _CAMUNDA_VALIDATOR = BpmnValidator()
    return _CAMUNDA_VALIDATOR


# -- parsing ---------------------------------------------------------------------------------------


def _load_xml(name: str, body: bytes | str, findings: list[dict]):
    data = body.encode() if isinstance(body, str) else body
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        findings.append(finding(name, error.lineno, message=f"The file is not well-formed XML: {error.msg}"))
    except ValueError as error:
        findings.append(finding(name, message=f"The file cannot be read as XML: {error}"))
    return None


def detect_dialect(roots: list) -> str:
    uses_camunda = uses_spiff = False
    for root in roots:
        namespaces = set(root.nsmap.values()) if root.nsmap else set()
        xml = etree.tostring(root)
        uses_camunda |= CAMUNDA_NS in namespaces or CAMUNDA_NS.encode() in xml
        uses_spiff |= SPIFF_NS in namespaces or SPIFF_NS.encode() in xml
    return "camunda" if uses_camunda and not uses_spiff else "spiff"


def _is_dmn(root) -> bool:
    namespace = etree.QName(root).namespace or ""
    return namespace in DMN_NAMESPACES or (
        etree.QName(root).localname == "definitions" and "dmn" in namespace.lower()
    )


ATTACHMENT_SUFFIXES = (".json",)


def process_references(files: dict[str, bytes | str]) -> tuple[set[str], set[str]]:
    """(process ids defined, process ids called by call activities) across the BPMN files; files
    that are not well-formed are skipped here (parse_files reports them)."""
    defined: set[str] = set()
    called: set[str] = set()
    for name, body in files.items():
        findings: list[dict] = []
        root = _load_xml(name, body, findings)
        if root is None or etree.QName(root).namespace != BPMN_NS:
            continue
        defined |= {p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id")}
        called |= {
            c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity") if c.get("calledElement")
        }
    return defined, called


def process_files(files: dict[str, bytes | str]) -> dict[str, bytes | str]:
    """The BPMN/DMN files of a stored deployment, without its attachments (JSON forms)."""
    return {name: body for name, body in files.items() if not name.lower().endswith(ATTACHMENT_SUFFIXES)}


def parse_files(files: dict[str, bytes | str]) -> ParsedDefinition:
    """Parse and validate a deployment; raises ParseFailed with every finding."""
    findings: list[dict] = []
    if not files:
        raise ParseFailed([finding(message="No files were given.")])
    bpmn_roots: list[tuple[str, Any]] = []
    dmn_roots: list[tuple[str, Any]] = []
    for name, body in files.items():
        root = _load_xml(name, body, findings)
        if root is None:
            continue
        if _is_dmn(root):
            dmn_roots.append((name, root))
        elif etree.QName(root).namespace == BPMN_NS:
            bpmn_roots.append((name, root))
        else:
            findings.append(finding(name, root.sourceline, message="The file is neither BPMN 2.0 nor DMN."))
    if findings:
        raise ParseFailed(findings)
    if not bpmn_roots:
        raise ParseFailed([finding(message="The deployment contains no BPMN file.")])

    dialect = detect_dialect([root for _, root in bpmn_roots])
    parser = (BatonCamundaParser if dialect == "camunda" else BatonSpiffParser)(validator=_validator(dialect))
    for name, root in dmn_roots:
        try:
            parser.add_dmn_xml(root, filename=name)
        except (
            ValidationException,
            SpiffWorkflowException,
            etree.LxmlError,
            KeyError,
            AttributeError,
        ) as error:
            findings.append(_finding_from(error, name))
    for name, root in bpmn_roots:
        _inline_event_definition_refs(root)
        _name_anonymous_flows(root)
        findings.extend(_translate_juel(root, name))
        try:
            parser.add_bpmn_xml(root, filename=name)
        except (
            ValidationException,
            SpiffWorkflowException,
            etree.LxmlError,
            KeyError,
            AttributeError,
        ) as error:
            findings.append(_finding_from(error, name))
    if findings:
        raise ParseFailed(findings)

    collaboration = _runnable_collaboration(parser, bpmn_roots)
    key = _collaboration_key(parser, collaboration, bpmn_roots) if collaboration else None
    key = key or _choose_key(parser, bpmn_roots)
    if key is None:
        raise ParseFailed([finding(bpmn_roots[0][0], message="The BPMN files define no process.")])
    try:
        if collaboration:
            # The pools run together in one instance: participants with a plain start begin at
            # once, those starting by message when another pool sends it (SpiffWorkflow's
            # collaboration spec).
            spec, subprocess_specs = parser.get_collaboration(collaboration)
        else:
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        # Processes reachable only through a message start are kept as well (pools drawn only
        # to document a participant are not executable and have nothing to run).
        for process_id, process_parser in parser.process_parsers.items():
            if not process_parser.process_executable:
                continue
            if process_id != key and process_id not in subprocess_specs:
                subprocess_specs[process_id] = parser.get_spec(process_id)
                parser.get_subprocess_specs(process_id, subprocess_specs)
    except (ValidationException, SpiffWorkflowException, KeyError, AttributeError, TypeError) as error:
        raise ParseFailed([_finding_from(error, "")]) from error

    _normalize_timer_expressions([spec, *subprocess_specs.values()])
    metadata = extract_metadata(bpmn_roots, key=key, dialect=dialect, findings=findings)
    findings.extend(_check_scripts(bpmn_roots))
    if findings:
        raise ParseFailed(findings)
    name = metadata["processes"].get(key, {}).get("name") or key
    return ParsedDefinition(
        key=key, name=name, dialect=dialect, spec=spec, subprocess_specs=subprocess_specs, metadata=metadata
    )


_ISO_LITERAL = re.compile(r"^(R\d*/\S+|P[0-9TYMWDHS.,]+|\d{4}-\d{2}-\d{2}\S*)$")


def _timer_expression(text: str) -> str:
    """Camunda modelers write timers as raw ISO text ('PT1H') or '${expr}'; SpiffWorkflow
    evaluates them as Python. Raw ISO text becomes a string literal, '${...}' its expression."""
    stripped = (text or "").strip()
    if stripped.startswith(("${", "#{")) and stripped.endswith("}"):
        return stripped[2:-1].strip()
    if _ISO_LITERAL.match(stripped):
        return repr(stripped)
    return stripped


def _normalize_timer_expressions(specs) -> None:
    for spec in specs:
        if spec is None:
            continue
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            candidates = [definition, *getattr(definition, "event_definitions", [])]
            for candidate in candidates:
                if isinstance(candidate, TimerEventDefinition) and isinstance(candidate.expression, str):
                    candidate.expression = _timer_expression(candidate.expression)


def _finding_from(error: Exception, file_name: str) -> dict:
    message = getattr(error, "message", None) or str(error) or error.__class__.__name__
    notes = getattr(error, "notes", None)
    if notes:
        message = f"{message} ({'; '.join(str(n) for n in notes)})"
    return finding(
        getattr(error, "file_name", "") or file_name,
        getattr(error, "line_number", None),
        getattr(error, "id", ""),
        getattr(error, "name", ""),
        message,
    )


def is_executable(process) -> bool:
    """A process runs unless it says isExecutable="false": a missing attribute means executable,
    as in SpiffWorkflow (the validator warns about it)."""
    return (process.get("isExecutable") or "true").strip().lower() != "false"


def _inline_event_definition_refs(root) -> None:
    """`<eventDefinitionRef>` points at an event definition declared once at the top of the file;
    SpiffWorkflow reads only definitions written inside the event, so put a copy there."""
    shared = {
        node.get("id"): node
        for node in root
        if isinstance(node.tag, str)
        and etree.QName(node).localname.endswith("EventDefinition")
        and node.get("id")
    }
    for ref in list(root.iter(f"{{{BPMN_NS}}}eventDefinitionRef")):
        definition = shared.get((ref.text or "").strip())
        event = ref.getparent()
        if definition is None or event is None:
            continue
        copy = deepcopy(definition)
        copy.set("id", f"{event.get('id')}_{definition.get('id')}")
        ref.addprevious(copy)
        event.remove(ref)


def _name_anonymous_flows(root) -> None:
    """BPMN makes `id` optional and Java engines accept sequence flows without one; SpiffWorkflow
    keys flows by id, so nameless flows would overwrite each other and an instance could end at
    its start event. Give each an id from its ends."""
    taken = {node.get("id") for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        if flow.get("id"):
            continue
        base = f"Flow_{flow.get('sourceRef', '')}_{flow.get('targetRef', '')}"
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        flow.set("id", candidate)


# Where modelers of Java engines write JUEL (`${...}`) that SpiffWorkflow would evaluate as Python.
_JUEL_PLACES = (
    (f"{{{BPMN_NS}}}conditionExpression", gettext_lazy("condition")),
    (f"{{{BPMN_NS}}}condition", gettext_lazy("condition")),
    (f"{{{BPMN_NS}}}loopCardinality", gettext_lazy("number of instances")),
    (f"{{{BPMN_NS}}}completionCondition", gettext_lazy("completion condition")),
    (f"{{{BPMN_NS}}}timeDate", gettext_lazy("timer")),
    (f"{{{BPMN_NS}}}timeDuration", gettext_lazy("timer")),
    (f"{{{BPMN_NS}}}timeCycle", gettext_lazy("timer")),
)
_FOREIGN_LANGUAGES = ("javascript", "ecmascript", "groovy", "js", "ruby", "jruby", "juel", "java", "feel")


def _owner_element(node):
    """The element a finding about `node` points at: the nearest ancestor with an id."""
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node


def _translate_juel(root, file_name: str) -> list[dict]:
    """Rewrite the `${...}` expressions of Camunda/Activiti/Flowable files into Python in the
    parsed tree (the stored file is unchanged); one that cannot run here is a finding on its
    element. Scripts and conditions in another language are findings too."""
    found = []
    for tag, what in _JUEL_PLACES:
        for node in root.iter(tag):
            text = (node.text or "").strip()
            language = (node.get("language") or "").strip().lower()
            element = _owner_element(node)
            where = (file_name, node.sourceline, element.get("id", ""), element.get("name", ""))
            if language and language.rsplit("/", 1)[-1] in _FOREIGN_LANGUAGES and not is_wrapped(text):
                found.append(
                    finding(
                        *where,
                        _(
                            "The %(what)s is written in %(language)s; Baton evaluates Python expressions "
                            "on the process data, e.g. amount > 1000 and not urgent."
                        )
                        % {"what": what, "language": language.rsplit("/", 1)[-1]},
                    )
                )
                continue
            if not is_wrapped(text):
                continue
            try:
                node.text = juel_to_python(text)
            except JuelUnsupported as error:
                found.append(
                    finding(
                        *where,
                        _(
                            "The %(what)s “%(text)s” cannot run here: %(reason)s. Write it as an expression "
                            "on the process data, e.g. ${amount > 1000 && !urgent}."
                        )
                        % {"what": what, "text": text, "reason": error},
                    )
                )
    for node in root.iter(f"{{{BPMN_NS}}}scriptTask"):
        script_format = (node.get("scriptFormat") or "").strip().lower()
        if script_format and script_format.rsplit("/", 1)[-1] in _FOREIGN_LANGUAGES:
            found.append(
                finding(
                    file_name,
                    node.sourceline,
                    node.get("id", ""),
                    node.get("name", ""),
                    _("The script is written in %(language)s; Baton runs scripts in Python only.")
                    % {"language": script_format},
                )
            )
    return found


def _runnable_collaboration(parser, bpmn_roots) -> str | None:
    """A collaboration whose pools hold two or more processes marked executable that no call
    activity uses (those are sub-processes drawn as pools), run as a whole."""
    called, marked = set(), set()
    for _name, root in bpmn_roots:
        called |= {c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity")}
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            # explicitly: a pool without the attribute is more often documentation than a
            # participant meant to run beside the others
            if (process.get("isExecutable") or "").lower() == "true":
                marked.add(process.get("id"))
    for name, process_ids in parser.collaborations.items():
        runnable = [pid for pid in process_ids if pid in parser.process_parsers and pid in marked - called]
        if len(runnable) >= 2:
            return name
    return None


def _collaboration_key(parser, collaboration: str, bpmn_roots) -> str:
    """The pool that starts on its own names the deployment; else the collaboration does."""
    plain_starts = set()
    for _name, root in bpmn_roots:
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            for start in process.findall(f"{{{BPMN_NS}}}startEvent"):
                if not any(
                    etree.QName(child).localname.endswith("EventDefinition")
                    for child in start
                    if isinstance(child.tag, str)
                ):
                    plain_starts.add(process.get("id"))
    for pid in parser.collaborations[collaboration]:
        if pid in plain_starts and pid in parser.process_parsers:
            return pid
    return collaboration


def _choose_key(parser, bpmn_roots) -> str | None:
    """The executable process nobody calls; else the first executable; else the first process."""
    ordered: list[tuple[str, bool]] = []
    called: set[str] = set()
    for _name, root in bpmn_roots:
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            ordered.append((process.get("id"), is_executable(process)))
        for call in root.iter(f"{{{BPMN_NS}}}callActivity"):
            called.add(call.get("calledElement"))
    executable = [pid for pid, is_exec in ordered if is_exec and pid in parser.process_parsers]
    for pid in executable:
        if pid not in called:
            return pid
    if executable:
        return executable[0]
    return ordered[0][0] if ordered else None


# -- metadata --------------------------------------------------------------------------------------


def _properties(node) -> dict[str, str]:
    """Spiff and Camunda extension properties of an element (name -> value)."""
    props: dict[str, str] = {}
    ext = node.find(f"{{{BPMN_NS}}}extensionElements")
    if ext is None:
        return props
    for ns in (SPIFF_NS, CAMUNDA_NS):
        for prop in ext.findall(f"{{{ns}}}properties/{{{ns}}}property"):
            if prop.get("name"):
                props[prop.get("name")] = prop.get("value", "")
    return props


def _camunda(node, attr: str) -> str:
    """A Camunda task attribute, or its Flowable/Activiti twin of the same name."""
    for namespace in ROUTING_NAMESPACES:
        value = (node.get(f"{{{namespace}}}{attr}") or "").strip()
        if value:
            return value
    return ""


def _resource_assignments(node) -> tuple[str, str, str]:
    """BPMN's own task assignment: `humanPerformer` (the assignee) and `potentialOwner` (the
    candidates), each a `resourceAssignmentExpression`. As in Activiti and Flowable, a potential
    owner is a group unless written `user(name)`; `group(name)` is accepted too.
    Returns (assignee, candidate users, candidate groups) in Baton's comma-separated form."""
    performer = ""
    users: list[str] = []
    groups: list[str] = []
    for tag in ("humanPerformer", "performer", "potentialOwner"):
        for holder in node.findall(f"{{{BPMN_NS}}}{tag}"):
            expression = holder.find(
                f"{{{BPMN_NS}}}resourceAssignmentExpression/{{{BPMN_NS}}}formalExpression"
            )
            text = (expression.text or "").strip() if expression is not None else ""
            if not text:
                continue
            if tag != "potentialOwner":
                performer = performer or text
                continue
            for term in split_terms(text):
                match = re.fullmatch(r"(user|group)\((.+)\)", term)
                if match is None:
                    groups.append(term)
                elif match.group(1) == "user":
                    users.append(match.group(2).strip())
                else:
                    groups.append(match.group(2).strip())
    return performer, ", ".join(users), ", ".join(groups)


def _form_properties(node) -> list[dict]:
    """Flowable/Activiti `formProperty` fields, in the shape of Camunda's `formField`."""
    fields = []
    for namespace in (FLOWABLE_NS, ACTIVITI_NS):
        for prop in node.findall(f"{{{BPMN_NS}}}extensionElements/{{{namespace}}}formProperty"):
            if not prop.get("id"):
                continue
            kind = (prop.get("type") or "string").strip()
            fields.append(
                {
                    "id": prop.get("id"),
                    "label": prop.get("name") or prop.get("id"),
                    "type": kind,
                    "default": prop.get("default"),
                    "required": (prop.get("required") or "").lower() == "true",
                    "readonly": (prop.get("writable") or "").lower() == "false",
                    "enum": [
                        {"id": value.get("id"), "name": value.get("name") or value.get("id")}
                        for value in prop.findall(f"{{{namespace}}}value")
                        if value.get("id")
                    ],
                    "constraints": {},
                }
            )
    return fields


def _form_fields(node) -> list[dict]:
    fields = []
    for form_field in node.findall(f".//{{{CAMUNDA_NS}}}formData/{{{CAMUNDA_NS}}}formField"):
        entry = {
            "id": form_field.get("id"),
            "label": form_field.get("label") or form_field.get("id"),
            "type": form_field.get("type") or "string",
            "default": form_field.get("defaultValue"),
            "required": False,
            "readonly": False,
            "enum": [],
        }
        entry["constraints"] = {}
        for constraint in form_field.findall(f".//{{{CAMUNDA_NS}}}constraint"):
            if constraint.get("name") == "required" and constraint.get("config", "true") != "false":
                entry["required"] = True
            if constraint.get("name") == "readonly":
                entry["readonly"] = True
            if constraint.get("name") and constraint.get("config") is not None:
                entry["constraints"][constraint.get("name")] = constraint.get("config")
        for value in form_field.findall(f"{{{CAMUNDA_NS}}}value"):
            entry["enum"].append({"id": value.get("id"), "name": value.get("name") or value.get("id")})
        fields.append(entry)
    return fields or _form_properties(node)


def _documentation(node) -> str:
    doc = node.find(f"{{{BPMN_NS}}}documentation")
    return (doc.text or "").strip() if doc is not None else ""


def extract_metadata(bpmn_roots, *, key: str, dialect: str, findings: list[dict]) -> dict:
    processes: dict[str, dict] = {}
    user_tasks: dict[str, dict] = {}
    start_forms: dict[str, dict] = {}
    lanes: dict[str, str] = {}
    timers: list[dict] = []
    messages: list[dict] = []
    signals: list[dict] = []
    initiator_variables: list[str] = []
    service_tasks: dict[str, dict] = {}
    elements: dict[str, dict] = {}
    for file_name, root in bpmn_roots:
        message_names = {
            m.get("id"): m.get("name") or m.get("id") for m in root.iter(f"{{{BPMN_NS}}}message")
        }
        signal_names = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(f"{{{BPMN_NS}}}signal")}
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            pid = process.get("id")
            processes[pid] = {"name": process.get("name") or pid, "file": file_name}
            for lane in process.iter(f"{{{BPMN_NS}}}lane"):
                lane_name = lane.get("name") or lane.get("id")
                for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
                    if ref.text:
                        lanes[ref.text.strip()] = lane_name
            for node in process.iter():
                if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                    continue
                tag = etree.QName(node).localname
                element_id = node.get("id")
                if not element_id:
                    continue
                # the start of an (event) subprocess fires inside a running instance, never as a
                # way to start the process
                event = (
                    "subprocessStartEvent" if tag == "startEvent" and node.getparent() is not process else tag
                )
                elements[element_id] = {"type": tag, "name": node.get("name") or "", "process": pid}
                if tag == "sequenceFlow":  # (a stuck join names the flows it waits for)
                    elements[element_id].update(
                        source=node.get("sourceRef", ""), target=node.get("targetRef", "")
                    )
                if tag in HUMAN_TAGS:
                    props = _properties(node)
                    performer, owner_users, owner_groups = _resource_assignments(node)
                    user_tasks[element_id] = {
                        "name": node.get("name") or element_id,
                        "type": tag,
                        "process": pid,
                        "file": file_name,
                        "line": node.sourceline,
                        "assignee": _camunda(node, "assignee") or props.get("assignee", "") or performer,
                        "candidate_users": _camunda(node, "candidateUsers")
                        or props.get("candidateUsers", "")
                        or owner_users,
                        "candidate_groups": _camunda(node, "candidateGroups")
                        or props.get("candidateGroups", "")
                        or owner_groups,
                        "due_date": _camunda(node, "dueDate") or props.get("dueDate", ""),
                        "follow_up_date": _camunda(node, "followUpDate") or props.get("followUpDate", ""),
                        "priority": _camunda(node, "priority") or props.get("priority", ""),
                        "form_key": _camunda(node, "formKey")
                        or props.get("formKey", "")
                        or props.get("formJsonSchemaFilename", ""),
                        "form_fields": _form_fields(node),
                        "properties": props,
                        "documentation": _documentation(node),
                    }
                elif tag == "serviceTask":
                    service_tasks[element_id] = {"name": node.get("name") or element_id, "process": pid}
                elif tag == "startEvent" and node.getparent() is process:
                    initiator = _camunda(node, "initiator")
                    if re.fullmatch(r"[A-Za-z_]\w*", initiator) and initiator not in initiator_variables:
                        initiator_variables.append(initiator)
                    # What a person may send when starting the process (nothing else is accepted).
                    props = _properties(node)
                    start_forms[element_id] = {
                        "name": node.get("name") or element_id,
                        "process": pid,
                        "form_key": _camunda(node, "formKey")
                        or props.get("formKey", "")
                        or props.get("formJsonSchemaFilename", ""),
                        "form_fields": _form_fields(node),
                        "properties": props,
                    }
                for timer in node.findall(f"{{{BPMN_NS}}}timerEventDefinition"):
                    for child in timer:
                        if not isinstance(child.tag, str):
                            continue
                        kind = TIMER_KINDS.get(etree.QName(child).localname)
                        if kind:
                            timers.append(
                                {
                                    "element_id": element_id,
                                    "event": event,
                                    "process": pid,
                                    "kind": kind,
                                    "expression": (child.text or "").strip(),
                                    "attached_to": node.get("attachedToRef", ""),
                                    "interrupting": node.get("cancelActivity", "true") != "false",
                                }
                            )
                for definition in node.findall(f"{{{BPMN_NS}}}signalEventDefinition"):
                    ref = definition.get("signalRef", "")
                    signals.append(
                        {
                            "element_id": element_id,
                            "event": event,
                            "process": pid,
                            "signal": signal_names.get(ref, ref),
                        }
                    )
                for definition in node.findall(f"{{{BPMN_NS}}}messageEventDefinition"):
                    ref = definition.get("messageRef", "")
                    props = _properties(node)
                    keys = [k.strip() for k in props.get("correlationKeys", "").split(",") if k.strip()]
                    messages.append(
                        {
                            "element_id": element_id,
                            "event": event,
                            "process": pid,
                            "message": message_names.get(ref, ref),
                            "correlation_keys": keys,
                        }
                    )
                if tag in ("receiveTask", "sendTask") and node.get("messageRef"):
                    ref = node.get("messageRef")
                    props = _properties(node)
                    keys = [k.strip() for k in props.get("correlationKeys", "").split(",") if k.strip()]
                    messages.append(
                        {
                            "element_id": element_id,
                            "event": event,
                            "process": pid,
                            "message": message_names.get(ref, ref),
                            "correlation_keys": keys,
                        }
                    )
    for element_id, task in user_tasks.items():
        task["lane"] = lanes.get(element_id, "")
    return {
        "key": key,
        "dialect": dialect,
        "processes": processes,
        "user_tasks": user_tasks,
        "start_forms": start_forms,
        "service_tasks": service_tasks,
        "lanes": lanes,
        "timers": timers,
        "messages": messages,
        "signals": signals,
        "elements": elements,
        "initiator_variables": initiator_variables,
    }


def _check_scripts(bpmn_roots) -> list[dict]:
    """Script syntax/restriction errors, located on the element, before anything runs."""
    try:
        from engine.sandbox import check_expression, check_script
    except ImportError:  # pragma: no cover - the sandbox ships with the engine
        return []
    found = []
    for file_name, root in bpmn_roots:
        for node in root.iter(f"{{{BPMN_NS}}}scriptTask"):
            script = node.find(f"{{{BPMN_NS}}}script")
            if script is not None and script.text:
                for error in check_script(script.text):
                    found.append(finding(file_name, node.sourceline, node.get("id"), node.get("name"), error))
        for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            text = (condition.text or "").strip() if condition is not None else ""
            if text and not text.startswith(("${", "#{")):
                for error in check_expression(text):
                    found.append(finding(file_name, flow.sourceline, flow.get("id"), flow.get("name"), error))
    return found
