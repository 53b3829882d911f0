"""Designer pages (/designer/, for the process designers): upload BPMN/DMN/forms, see the
validation findings located on the diagram, deploy as a draft, list versions with their running
instances, see where instances wait (heat-map), activate a draft (or an older version: rollback).

Uploads and modeler saves deploy a *draft*: a stored version no one starts until the designer
test-runs and activates it (views.designer_runs). The API and the `deploy` command still
activate directly."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from processes import services as processes
from processes.services import DefinitionRejected
from processes.validation import MAX_FILE_BYTES

from .. import designer_selectors as selectors

DESIGNER_PERMISSION = "processes.add_deploymentlog"
MAX_UPLOAD_FILES = 20


def designer_required(view):
    return login_required(permission_required(DESIGNER_PERMISSION, raise_exception=True)(view))


@designer_required
@require_GET
def index(request):
    return render(request, "tasklist/designer/index.html", {"processes": selectors.process_overview()})


def _uploaded_files(request) -> dict[str, bytes]:
    files = {}
    for upload in request.FILES.getlist("files")[:MAX_UPLOAD_FILES]:
        files[upload.name] = upload.read()
    return files


def _diagram_of_upload(files: dict[str, bytes]) -> str:
    """The diagram to mark the findings on; a file beyond the deployable size is never sent back."""
    for name, body in files.items():
        if name.lower().endswith(".bpmn") and len(body) <= MAX_FILE_BYTES:
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                return ""
    return ""


@designer_required
@require_POST
def upload(request):
    files = _uploaded_files(request)
    if not files:
        messages.error(request, _("Choose at least one .bpmn, .dmn or form (.json) file."))
        return redirect(reverse("designer:index"))
    return _deploy(request, files)


@designer_required
@require_GET
def process_detail(request, key: str):
    versions = selectors.process_versions(key)
    if not versions:
        raise Http404(_("No process with this key is deployed."))
    wanted = request.GET.get("version", "")
    shown = next((v for v in versions if str(v.version) == wanted), None)
    shown = shown or next((v for v in versions if v.active), versions[0])
    waiting = selectors.waiting_by_element(shown)
    incidents = selectors.incidents_by_element(shown)
    context = {
        "key": key,
        "versions": versions,
        "shown": shown,
        "diagram_xml": selectors.main_bpmn(shown),
        "marks": {"current": sorted(waiting), "incident": sorted(incidents)},
        "counts": waiting,
        "incident_counts": incidents,
        "waiting": sorted(waiting.items(), key=lambda item: -item[1]),
        "starting": selectors.start_settings(key),
        "drafts": selectors.draft_versions(versions),
        "task_forms": selectors.task_forms(shown),
    }
    return render(request, "tasklist/designer/process.html", context)


@designer_required
@require_POST
def start_settings(request, key: str):
    """Who may start the process by hand, and from which kind of record."""
    from django.contrib.auth.models import Group

    ids = [int(v) for v in request.POST.getlist("groups") if v.isdigit()]
    try:
        processes.manual_start_set(
            actor=request.user,
            key=key,
            groups=list(Group.objects.filter(pk__in=ids)),
            record_type=request.POST.get("record_type", ""),
            active=request.POST.get("active") == "on",
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Saved who may start this process."))
    return redirect(reverse("designer:process", args=[key]) + "#starting-heading")


@designer_required
@require_GET
def diff(request, key: str):
    """What changed between two versions (default: the shown one and the one before it)."""

    def number(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    newer = selectors.version_of(key, number("b"))
    if newer is None:
        raise Http404(_("No process with this key is deployed."))
    older = selectors.version_of(key, number("a") or max(newer.version - 1, 1))
    if older is None:
        raise Http404(_("No such version."))
    context = {
        "key": key,
        "older": older,
        "newer": newer,
        "versions": selectors.process_versions(key),
        "diff": selectors.version_diff(older, newer),
    }
    return render(request, "tasklist/designer/diff.html", context)


@designer_required
@require_GET
def edit(request, key: str):
    """The bpmn-js modeler on a version's diagram; saving deploys the edit as a new version."""
    version = request.GET.get("version", "")
    definition = selectors.version_of(key, int(version) if version.isdigit() else None)
    if definition is None:
        raise Http404(_("No process with this key is deployed."))
    context = {
        "definition": definition,
        "diagram_xml": selectors.main_bpmn(definition),
        "choices": selectors.modeler_choices(definition),
        "labels": selectors.modeler_labels(),
    }
    return render(request, "tasklist/designer/edit.html", context)


@designer_required
@require_POST
def save(request, key: str, version: int):
    """Deploy the modeler's XML as a new version (the version's other files are kept as they are)."""
    definition = selectors.version_of(key, version)
    xml = request.POST.get("xml", "")
    if definition is None or not xml.strip():
        messages.error(request, _("There is no diagram to save."))
        return redirect(reverse("designer:index"))
    files = {name: text.encode("utf-8") for name, text in (definition.files or {}).items()}
    name = selectors.main_bpmn_name(definition)
    files[name] = xml.encode("utf-8")
    return _deploy(request, files)


def _deploy(request, files: dict[str, bytes]):
    try:
        result = processes.definition_deploy(files=files, actor=request.user, activate=False)
    except DefinitionRejected as rejected:
        findings = [f.as_dict() for f in rejected.report.findings]
        context = {
            "files": sorted(files),
            "findings": findings,
            "errors": [f for f in findings if f["severity"] == "error"],
            "diagram_xml": _diagram_of_upload(files),
            "marks": {"incident": sorted({f["element_id"] for f in findings if f["element_id"]})},
        }
        return render(request, "tasklist/designer/rejected.html", context, status=400)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(reverse("designer:index"))
    definition = result.definition
    if result.created:
        messages.success(
            request,
            _("Saved “%(name)s” as draft version %(version)s: test-run it, then activate it.")
            % {"name": definition.name or definition.key, "version": definition.version},
        )
    else:
        messages.info(
            request, _("Nothing changed: this is version %(version)s.") % {"version": definition.version}
        )
    for warning in result.report.warnings:
        messages.warning(request, f"{warning.location()}: {warning.message}")
    return redirect(reverse("designer:process", args=[definition.key]) + f"?version={definition.version}")


@designer_required
@require_POST
def activate(request, key: str, version: int):
    try:
        processes.definition_activate(actor=request.user, key=key, version=version)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("New instances now start on version %(version)s.") % {"version": version})
    return redirect(reverse("designer:process", args=[key]))
