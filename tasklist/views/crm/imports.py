"""Import wizard: upload an .xlsx, map its columns (with a preview), run it as a job with a
progress bar, download the report of bad rows."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from crm.models import ImportJob
from crm.services.imports import TARGETS, import_error_report, import_job_create, import_preview

from .common import permission

MAX_UPLOAD = 20 * 1024 * 1024
SESSION_KEY = "crm_import_upload"
ENTITY_LABELS = {
    "customer": gettext_lazy("Customers"),
    "contact": gettext_lazy("Contacts"),
    "product": gettext_lazy("Products"),
    "lead": gettext_lazy("Leads"),
}


def _entities():
    return [(key, ENTITY_LABELS.get(key, key)) for key in TARGETS]


def _upload_page(request, errors=None, status=200):
    jobs = list(ImportJob.objects.visible_to(request.user).select_related("created_by")[:10])
    return render(
        request,
        "tasklist/crm/import_upload.html",
        {"entities": _entities(), "errors": errors or {}, "jobs": jobs},
        status=status,
    )


def _mapping_page(
    request, upload: dict, preview: dict, *, mapping=None, on_duplicate="skip", errors=None, status=200
):
    mapping = mapping if mapping is not None else preview["suggested_mapping"]
    columns = [
        {
            "index": i,
            "header": header,
            "mapped": mapping.get(header, ""),
            "errors": (errors or {}).get(header, []),
        }
        for i, header in enumerate(preview["headers"])
    ]
    mapped_fields = set(mapping.values())
    general = [(key, messages_) for key, messages_ in (errors or {}).items() if key not in preview["headers"]]
    context = {
        "upload": upload,
        "entity_label": ENTITY_LABELS.get(upload["entity"], upload["entity"]),
        "columns": columns,
        "fields": preview["fields"],
        "rows": preview["rows"],
        "missing_required": [
            f for f in preview["fields"] if f["required"] and f["field"] not in mapped_fields
        ],
        "general_errors": general,
        "on_duplicate": on_duplicate,
        "duplicate_choices": ImportJob.OnDuplicate.choices,
    }
    return render(request, "tasklist/crm/import_mapping.html", context, status=status)


@permission("crm.add_importjob")
def import_start(request):
    """Step 1: choose what to import and upload the file; shows the mapping step next."""
    if request.method != "POST":
        return _upload_page(request)
    entity = request.POST.get("entity", "")
    upload = request.FILES.get("file")
    if entity not in TARGETS:
        return _upload_page(request, {"entity": [_("Choose what to import.")]}, status=400)
    if upload is None:
        return _upload_page(request, {"file": [_("Choose an .xlsx file.")]}, status=400)
    if upload.size > MAX_UPLOAD:
        return _upload_page(request, {"file": [_("The file is larger than 20 MB.")]}, status=400)
    data = upload.read()
    try:
        preview = import_preview(actor=request.user, entity=entity, data=data, filename=upload.name)
    except DomainError as error:
        located = {k: [str(m) for m in v] for k, v in error.fields.items()} or {"file": [str(error.message)]}
        return _upload_page(request, located, status=400)
    path = default_storage.save(f"crm/import-uploads/{uuid.uuid4().hex}.bin", ContentFile(data))
    state = {"path": path, "filename": upload.name[:200], "entity": entity}
    request.session[SESSION_KEY] = state
    return _mapping_page(request, state, preview)


@permission("crm.add_importjob")
@require_POST
def import_run(request):
    """Step 2: the mapping is confirmed; the job is created and runs in the background."""
    state = request.session.get(SESSION_KEY)
    if not state or not default_storage.exists(state["path"]):
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect("crm:import")
    with default_storage.open(state["path"], "rb") as handle:
        data = handle.read()
    preview = import_preview(
        actor=request.user, entity=state["entity"], data=data, filename=state["filename"]
    )
    mapping = {}
    for i, header in enumerate(preview["headers"]):
        field = request.POST.get(f"map_{i}", "")
        if header and field:
            mapping[header] = field
    on_duplicate = request.POST.get("on_duplicate", ImportJob.OnDuplicate.SKIP)
    try:
        job = import_job_create(
            actor=request.user,
            entity=state["entity"],
            data=data,
            filename=state["filename"],
            mapping=mapping,
            on_duplicate=on_duplicate,
        )
    except DomainError as error:
        errors = {k: [str(m) for m in v] for k, v in error.fields.items()} or {"file": [str(error.message)]}
        return _mapping_page(
            request, state, preview, mapping=mapping, on_duplicate=on_duplicate, errors=errors, status=400
        )
    default_storage.delete(state["path"])
    request.session.pop(SESSION_KEY, None)
    return redirect("crm:import_job", job_id=job.pk)


def _job_or_404(user, job_id: int) -> ImportJob:
    job = ImportJob.objects.visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise Http404(_("No such import, or it is not yours to see."))
    return job


@permission("crm.view_importjob")
@require_GET
def import_job(request, job_id: int):
    job = _job_or_404(request.user, job_id)
    template = "tasklist/crm/_import_progress.html" if request.htmx else "tasklist/crm/import_job.html"
    return render(request, template, {"job": job, "entity_label": ENTITY_LABELS.get(job.entity, job.entity)})


@permission("crm.view_importjob")
@require_GET
def import_errors(request, job_id: int):
    job = _job_or_404(request.user, job_id)
    response = HttpResponse(
        import_error_report(job=job),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.xlsx"'
    return response
