"""The validation pipeline for an upload: every problem as a located finding, never a traceback.

Stages: input guards (count, size, kind) → safe XML (no DTDs or entities: no XXE, no "billion
laughs") → BPMN/DMN namespaces → the engine's parse (XSD + SpiffWorkflow + extracted metadata +
script syntax in the sandbox) → our semantic checks (executable process, unsupported elements,
task owners, forms, called processes). Errors block a deploy; warnings don't.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.utils.translation import gettext as _
from lxml import etree

from core import jsonlimits
from engine import connectors, parsing
from engine.selectors.definitions import is_deployed
from engine.services import with_called_definitions

from .forms import missing_form_files

logger = logging.getLogger(__name__)

MAX_FILES = 50
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_MESSAGE_CHARS = 1000
XML_SUFFIXES = (".bpmn", ".bpmn2", ".bpmn20.xml", ".xml", ".dmn", ".dmn11.xml")
FORM_SUFFIXES = (".json",)

BPMN = parsing.BPMN_NS
SUPPORTED_FLOW_NODES = {
    "startEvent",
    "endEvent",
    "userTask",
    "task",
    "subProcess",
    "manualTask",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "callActivity",
    "transaction",
    "adHocSubProcess",
    "scriptTask",
    "serviceTask",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "receiveTask",
    "sendTask",
    "eventBasedGateway",
    "businessRuleTask",
}
UNSUPPORTED_FLOW_NODES = {"complexGateway", "choreographyTask", "subChoreography", "callChoreography"}
ORG_EXPRESSION_HINTS = ("(", "${", "#{", "initiator", "owner", "starter")


class Severity:
    ERROR = "error"
    WARNING = "warning"


@dataclass
class Finding:
    severity: str
    message: str
    file: str = ""
    line: int | None = None
    element_id: str = ""
    element_name: str = ""

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "element_id": self.element_id,
            "element_name": self.element_name,
            "message": self.message,
        }

    def location(self) -> str:
        where = self.file or "-"
        if self.line:
            where += f":{self.line}"
        return f"{where} {self.element_id}".rstrip() if self.element_id else where


def _bounded(finding: Finding) -> Finding:
    """Messages quote the upload (a tag, a name, an id); a rejection must not echo a huge one."""
    for name, limit in (
        ("message", MAX_MESSAGE_CHARS),
        ("element_id", 200),
        ("element_name", 200),
        ("file", 255),
    ):
        text = getattr(finding, name)
        if len(text) > limit:
            setattr(finding, name, text[: limit - 1] + "…")
    return finding


@dataclass
class Report:
    files: list[str]
    findings: list[Finding] = field(default_factory=list)
    key: str = ""
    name: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, message: str, **where) -> None:
        self.findings.append(_bounded(Finding(Severity.ERROR, message, **where)))

    def warning(self, message: str, **where) -> None:
        self.findings.append(_bounded(Finding(Severity.WARNING, message, **where)))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "key": self.key,
            "name": self.name,
            "files": self.files,
            "findings": [f.as_dict() for f in self.findings],
        }


# -- stage 1: input guards and safe XML ----------------------------------------------------------


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        dtd_validation=False,
    )


def _check_inputs(files: dict[str, bytes], report: Report) -> dict[str, bytes]:
    if not files:
        report.error(_("No files were uploaded."))
        return {}
    if len(files) > MAX_FILES:
        report.error(
            _("Too many files (%(n)d); at most %(max)d per deployment.") % {"n": len(files), "max": MAX_FILES}
        )
        return {}
    accepted = {}
    for name, body in files.items():
        lower = name.lower()
        if len(body) > MAX_FILE_BYTES:
            report.error(
                _("The file is %(mb).1f MB; a process file may be at most %(max)d MB.")
                % {"mb": len(body) / 2**20, "max": MAX_FILE_BYTES // 2**20},
                file=name,
            )
        elif not lower.endswith(XML_SUFFIXES + FORM_SUFFIXES):
            report.error(_("Unknown kind of file: upload .bpmn, .dmn or .json (form) files."), file=name)
        elif not body.strip():
            report.error(_("The file is empty."), file=name)
        else:
            accepted[name] = body
    total = sum(len(body) for body in accepted.values())
    if total > MAX_TOTAL_BYTES:
        report.error(
            _("The files add up to %(mb).1f MB; at most %(max)d MB per deployment.")
            % {"mb": total / 2**20, "max": MAX_TOTAL_BYTES // 2**20}
        )
        return {}
    return accepted


FIRST_ELEMENT = re.compile(rb"<[^?!]")


def _load_xml(name: str, body: bytes, report: Report):
    # A DTD in the prolog is how entity bombs and external entities (XXE) arrive; BPMN never
    # needs one, so refuse it before the XML parser sees it.
    first = FIRST_ELEMENT.search(body)
    if b"<!DOCTYPE" in body[: first.start() if first else len(body)]:
        report.error(
            _("Document type declarations (DTDs) and entities are not allowed in process files."),
            file=name,
            line=1,
        )
        return None
    try:
        root = etree.fromstring(body, parser=_safe_parser())
    except etree.XMLSyntaxError as error:
        report.error(
            _("The file is not well-formed XML: %(msg)s") % {"msg": error.msg}, file=name, line=error.lineno
        )
        return None
    except ValueError as error:
        report.error(_("The file cannot be read as XML: %(msg)s") % {"msg": error}, file=name)
        return None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        report.error(
            _("Document type declarations (DTDs) and entities are not allowed in process files."),
            file=name,
            line=1,
        )
        return None
    namespace = etree.QName(root).namespace or ""
    if namespace != BPMN and "dmn" not in namespace.lower():
        local = etree.QName(root).localname
        report.error(
            _(
                "The root element is <%(tag)s> in namespace '%(ns)s'; a BPMN 2.0 file starts with "
                '<definitions xmlns="%(bpmn)s">.'
            )
            % {"tag": local, "ns": namespace or "-", "bpmn": BPMN},
            file=name,
            line=root.sourceline,
        )
        return None
    return root


def _load_form(name: str, body: bytes, report: Report) -> str | None:
    try:
        text = body.decode("utf-8")
        value = jsonlimits.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        report.error(
            _("The form file is not valid JSON: %(msg)s") % {"msg": error},
            file=name,
            line=getattr(error, "lineno", None),
        )
        return None
    if not isinstance(value, dict):
        report.error(_("A form file must hold a JSON Schema object."), file=name, line=1)
        return None
    return text


# -- stage 3: semantic checks on the XML --------------------------------------------------------


def _element(node) -> dict:
    return {
        "line": node.sourceline,
        "element_id": node.get("id") or "",
        "element_name": node.get("name") or "",
    }


RESERVED_IDS = {"Start", "End", "Root"}


def _check_processes(name: str, root, report: Report) -> bool:
    """Unsupported elements and engine-reserved ids named. True when the file has a process."""
    processes = root.findall(f"{{{BPMN}}}process")
    if not processes:
        return False
    for process in processes:
        if not parsing.is_executable(process):
            continue
        for node in process.iter():
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN:
                continue
            local = etree.QName(node).localname
            node_id = node.get("id") or ""
            if node_id in RESERVED_IDS or node_id.endswith(".EndJoin"):
                report.error(
                    _(
                        "The id '%(id)s' of %(tag)s '%(name)s' is reserved by the engine; give the element "
                        "another id (e.g. %(tag)s_1)."
                    )
                    % {"id": node_id, "tag": local, "name": node.get("name") or node_id},
                    file=name,
                    **_element(node),
                )
            if local in UNSUPPORTED_FLOW_NODES:
                report.error(
                    _(
                        "%(tag)s '%(id)s' (line %(line)s) is not supported; replace it with exclusive, "
                        "inclusive or parallel gateways and conditions."
                    )
                    % {"tag": local, "id": node.get("id"), "line": node.sourceline},
                    file=name,
                    **_element(node),
                )
    return True


def _check_executable(xml_roots: list[tuple[str, object]], report: Report) -> None:
    processes = [(name, p) for name, root in xml_roots for p in root.findall(f"{{{BPMN}}}process")]
    for name, process in processes:
        if process.get("isExecutable") is None:
            report.warning(
                _(
                    "Process '%(name)s' does not say whether it is executable (isExecutable); it is "
                    "deployed as executable. Tick 'Executable' in the modeler to silence this."
                )
                % {"name": process.get("name") or process.get("id")},
                file=name,
                **_element(process),
            )
    if any(parsing.is_executable(p) for _, p in processes):
        return
    for name, process in processes[:1]:
        report.error(
            _(
                "Process '%(id)s' is not marked executable; set isExecutable=\"true\" (in most "
                "modelers: the 'Executable' checkbox of the process)."
            )
            % {"id": process.get("id")},
            file=name,
            **_element(process),
        )


FLOW_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
NOT_CONNECTED = {"boundaryEvent", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation"}


def _label(node) -> str:
    return node.get("name") or node.get("id") or ""


CONDITIONAL_GATEWAYS = ("exclusiveGateway", "inclusiveGateway")


def _check_defaults(file_name: str, nodes: dict, flows: list, report: Report) -> None:
    """A deciding gateway whose every way out has a condition and none is the default stops the
    instance with an incident when no condition holds: a warning on the gateway."""
    outgoing: dict[str, list] = {}
    for flow in flows:
        outgoing.setdefault((flow.get("sourceRef") or "").strip(), []).append(flow)
    for node_id, node in nodes.items():
        ways = outgoing.get(node_id, [])
        if etree.QName(node).localname not in CONDITIONAL_GATEWAYS or len(ways) < 2 or node.get("default"):
            continue
        if all(flow.find(f"{{{BPMN}}}conditionExpression") is not None for flow in ways):
            report.warning(
                _(
                    "Gateway '%(name)s' has no default flow: when none of its conditions holds, the "
                    "instance stops with an incident. Mark one flow as the default."
                )
                % {"name": _label(node)},
                file=file_name,
                **_element(node),
            )


def _check_flows(xml_roots, report: Report) -> None:
    """Sequence flows that lead nowhere or leave an end event, and elements no flow reaches, each
    named on its element before the engine sees the model."""
    for name, root in xml_roots:
        for container in root.iter(*(f"{{{BPMN}}}{tag}" for tag in FLOW_CONTAINERS)):
            if container.tag == f"{{{BPMN}}}process" and not parsing.is_executable(container):
                continue
            children = [n for n in container if isinstance(n.tag, str) and etree.QName(n).namespace == BPMN]
            nodes = {
                n.get("id"): n
                for n in children
                if n.get("id") and etree.QName(n).localname in SUPPORTED_FLOW_NODES | UNSUPPORTED_FLOW_NODES
            }
            flows = [n for n in children if etree.QName(n).localname == "sequenceFlow"]
            connected: set[str] = set()
            for flow in flows:
                for end in ("sourceRef", "targetRef"):
                    ref = (flow.get(end) or "").strip()
                    if ref in nodes:
                        connected.add(ref)
                        continue
                    report.error(
                        _(
                            "Sequence flow '%(flow)s' %(direction)s '%(ref)s', which is not an element of "
                            "this %(container)s; connect it to an existing element or delete it."
                        )
                        % {
                            "flow": _label(flow),
                            "direction": _("starts at") if end == "sourceRef" else _("leads to"),
                            "ref": ref or "-",
                            "container": etree.QName(container).localname,
                        },
                        file=name,
                        **_element(flow),
                    )
                source = nodes.get((flow.get("sourceRef") or "").strip())
                if source is not None and etree.QName(source).localname == "endEvent":
                    report.error(
                        _(
                            "End event '%(name)s' has an outgoing sequence flow; an end event ends its "
                            "path. Delete the flow or use an intermediate event instead."
                        )
                        % {"name": _label(source)},
                        file=name,
                        **_element(source),
                    )
            _check_defaults(name, nodes, flows, report)
            for node_id, node in nodes.items():
                local = etree.QName(node).localname
                if node_id in connected or local in NOT_CONNECTED or len(nodes) == 1:
                    continue
                if local == "startEvent" or node.get("triggeredByEvent") == "true":
                    continue
                report.warning(
                    _(
                        "%(kind)s '%(name)s' is not connected to any sequence flow, so no path reaches "
                        "it; connect it or delete it."
                    )
                    % {"kind": local, "name": _label(node)},
                    file=name,
                    **_element(node),
                )


def _split_names(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _check_owners(metadata: dict, report: Report) -> None:
    existing_groups = set(Group.objects.values_list("name", flat=True))
    for element_id, task in (metadata.get("user_tasks") or {}).items():
        where = {
            "file": task.get("file", ""),
            "line": task.get("line"),
            "element_id": element_id,
            "element_name": task.get("name", ""),
        }
        owners = [
            task.get("assignee"),
            task.get("candidate_users"),
            task.get("candidate_groups"),
            task.get("lane"),
        ]
        if not any(owners):
            report.warning(
                _(
                    "User task '%(name)s' has no owner: put it in a lane or give it an "
                    "assignee or candidate groups; otherwise it becomes an incident when "
                    "reached."
                )
                % {"name": task.get("name") or element_id},
                **where,
            )
            continue
        literal_groups = [
            g
            for g in _split_names(task.get("candidate_groups"))
            if not any(h in g for h in ORG_EXPRESSION_HINTS)
        ]
        for group in literal_groups:
            if group not in existing_groups:
                report.warning(
                    _("Candidate group '%(group)s' of user task '%(name)s' does not exist (yet).")
                    % {"group": group, "name": task.get("name") or element_id},
                    **where,
                )


def _check_forms(metadata: dict, forms: dict[str, str], report: Report) -> None:
    for element_id, task in (metadata.get("user_tasks") or {}).items():
        for problem in missing_form_files(task, forms):
            report.error(
                problem,
                file=task.get("file", ""),
                line=task.get("line"),
                element_id=element_id,
                element_name=task.get("name", ""),
            )


def _check_connectors(parsed, xml_roots, report: Report) -> None:
    """Service tasks call registered connectors with the parameters those require."""
    lines = {
        n.get("id"): (name, n.sourceline)
        for name, root in xml_roots
        for n in root.iter(f"{{{BPMN}}}serviceTask")
    }
    for call in connectors.service_calls(parsed):
        file_name, line = lines.get(call["element_id"], ("", None))
        where = {
            "file": file_name,
            "line": line,
            "element_id": call["element_id"],
            "element_name": call["element_name"],
        }
        connector = connectors.get_connector(call["connector"])
        if connector is None:
            known = ", ".join(sorted(connectors.registered_names())) or "-"
            report.error(
                _(
                    "Service task '%(name)s' calls connector '%(connector)s', which does not exist "
                    "(known: %(known)s)."
                )
                % {
                    "name": call["element_name"] or call["element_id"],
                    "connector": call["connector"],
                    "known": known,
                },
                **where,
            )
            continue
        missing = [p for p in connector.required_params if p not in call["params"]]
        if missing:
            report.error(
                _("Service task '%(name)s' calls '%(connector)s' without the parameter(s) %(missing)s.")
                % {
                    "name": call["element_name"] or call["element_id"],
                    "connector": call["connector"],
                    "missing": ", ".join(missing),
                },
                **where,
            )


def _check_called_processes(xml_roots, report: Report) -> None:
    defined = {p.get("id") for _, root in xml_roots for p in root.iter(f"{{{BPMN}}}process")}
    for name, root in xml_roots:
        for call in root.iter(f"{{{BPMN}}}callActivity"):
            called = (call.get("calledElement") or "").strip()
            if not called:
                report.error(
                    _("Call activity '%(name)s' names no process to call (calledElement).")
                    % {"name": call.get("name") or call.get("id")},
                    file=name,
                    **_element(call),
                )
            elif called not in defined and not is_deployed(called):
                report.error(
                    _(
                        "Call activity '%(name)s' calls process '%(called)s', which is neither "
                        "in this upload nor deployed."
                    )
                    % {"name": call.get("name") or call.get("id"), "called": called},
                    file=name,
                    **_element(call),
                )


# -- designer-friendly wording of parser messages ---------------------------------------------------

NAMESPACE_PREFIXES = {
    "{http://www.omg.org/spec/BPMN/20100524/MODEL}": "bpmn:",
    "{http://www.omg.org/spec/BPMN/20100524/DI}": "bpmndi:",
    "{http://www.omg.org/spec/DD/20100524/DC}": "dc:",
    "{http://www.omg.org/spec/DD/20100524/DI}": "di:",
}


def _humanize(message: str, element_name: str) -> str:
    for namespace, prefix in NAMESPACE_PREFIXES.items():
        message = message.replace(namespace, prefix)
    label = f"'{element_name}'" if element_name else _("this task")
    if message.startswith("Multiple outgoing flows are not supported"):
        return _(
            "%(task)s has several outgoing sequence flows; put an exclusive or parallel gateway "
            "after it to split the flow."
        ) % {"task": label}
    if "Unsupported Catch Event" in message:
        return _(
            "The event definition of %(event)s is not supported (use a timer, message, signal, "
            "error or escalation event)."
        ) % {"event": label}
    if message.startswith("Time Specification Error"):
        return _(
            "The timer of %(event)s is not an ISO 8601 date, duration (e.g. P3D, PT4H) or cycle "
            "(e.g. R3/PT1H)."
        ) % {"event": label}
    if "looking for a task spec" in message:
        return _(
            "%(element)s is referenced twice or by a flow to an element that does not exist; check "
            "that every id is unique and every sequence flow connects existing elements."
        ) % {"element": label}
    if INTERNAL_TEXT.search(message):
        # a library's exception text means nothing to a designer (and leaks internals)
        return _(
            "%(element)s uses a construct the engine cannot run as modelled; simplify it or see "
            "bpmn/README.md for the supported elements."
        ) % {"element": label}
    for jargon, word in LIBRARY_JARGON.items():
        message = message.replace(jargon, word)
    return message.replace("..", ".").strip()


INTERNAL_TEXT = re.compile(
    r"\b[A-Z]\w*(Error|Exception)\(|object at 0x[0-9a-f]+|Traceback|NoneType|__\w+__|SpiffWorkflow"
)
LIBRARY_JARGON = {"SubWorkflow": "subprocess", "subworkflow": "subprocess", "task spec": "element"}


# -- the pipeline ------------------------------------------------------------------------------


def definition_validate(files: dict[str, bytes | str]) -> Report:
    """Validate an upload (file name → content). Never raises for bad input."""
    files = {name: body.encode("utf-8") if isinstance(body, str) else body for name, body in files.items()}
    report = Report(files=sorted(files))
    try:
        _run_pipeline(files, report)
    except Exception:  # a bug of ours must still end as a finding, not a server error
        logger.exception("process validation crashed on %s", sorted(files))
        report.error(
            _(
                "The files could not be validated because of an internal error; the "
                "administrators have been told. Nothing was deployed."
            )
        )
    return report


def _run_pipeline(files: dict[str, bytes], report: Report) -> None:
    accepted = _check_inputs(files, report)
    xml_roots, xml_files, forms = [], {}, {}
    for name, body in accepted.items():
        if name.lower().endswith(FORM_SUFFIXES):
            text = _load_form(name, body, report)
            if text is not None:
                forms[name] = text
            continue
        root = _load_xml(name, body, report)
        if root is not None:
            xml_roots.append((name, root))
            xml_files[name] = body
    if report.errors:
        return
    bpmn_roots = [(n, r) for n, r in xml_roots if etree.QName(r).namespace == BPMN]
    if not bpmn_roots:
        report.error(_("The upload contains no BPMN file."))
        return
    for name, root in bpmn_roots:
        _check_processes(name, root, report)
    _check_executable(bpmn_roots, report)
    _check_flows(bpmn_roots, report)
    _check_called_processes(bpmn_roots, report)
    if report.errors:
        return
    try:
        parsed = parsing.parse_files(with_called_definitions(xml_files))
    except parsing.ParseFailed as failed:
        for item in failed.findings:
            report.error(
                _humanize(
                    item.get("message") or _("The process cannot be parsed."), item.get("element_name") or ""
                ),
                file=item.get("file") or "",
                line=item.get("line"),
                element_id=item.get("element_id") or "",
                element_name=item.get("element_name") or "",
            )
        return
    report.key, report.name, report.metadata = parsed.key, parsed.name, parsed.metadata
    _check_connectors(parsed, bpmn_roots, report)
    _check_owners(parsed.metadata, report)
    _check_forms(parsed.metadata, forms, report)
