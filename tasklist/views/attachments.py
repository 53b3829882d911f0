"""Files on a task: upload (kept with the process instance) and download, for those who see it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError

from .. import services
from ..models import TaskAttachment
from .task import _task_or_404


@login_required
@require_POST
def attachment_upload(request, task_id: int):
    task = _task_or_404(request, task_id)
    try:
        attachment = services.attachment_add(actor=request.user, task=task, upload=request.FILES.get("file"))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Attached “%(name)s”.") % {"name": attachment.name})
    return redirect(reverse("tasklist:task", args=[task.pk]) + "#attachments")


@login_required
@require_GET
def attachment_download(request, task_id: int, attachment_id: int):
    task = _task_or_404(request, task_id)
    attachment = TaskAttachment.objects.filter(pk=attachment_id, process_instance_id=task.instance_id).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
