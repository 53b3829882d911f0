"""The team, milestones, documents and discussion of a project: small posts that come back to their tab
with the outcome as a message."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from projects import services
from projects.models import ProjectDocument

from ..admin import pk_or_none
from .common import (
    _apply,
    _date,
    _project_or_404,
)


@login_required
@require_POST
def member_add(request, pk: int):
    project = _project_or_404(request, pk)
    user = get_user_model().objects.filter(pk=pk_or_none(request.POST.get("user"))).first()
    role = request.POST.get("role", "")
    return _apply(
        request,
        project,
        "team",
        lambda: services.member_set(actor=request.user, project=project, user=user, role=role),
        _("Team updated."),
    )


@login_required
@require_POST
def member_remove(request, pk: int, user_id: int):
    project = _project_or_404(request, pk)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    return _apply(
        request,
        project,
        "team",
        lambda: services.member_remove(actor=request.user, project=project, user=user),
        _("Team updated."),
    )


@login_required
@require_POST
def milestone_add(request, pk: int):
    project = _project_or_404(request, pk)
    due = _date(request.POST.get("due_on", ""))

    def add():
        services.milestone_add(
            actor=request.user, project=project, name=request.POST.get("name", ""), due_on=due or None
        )

    return _apply(request, project, "team", add, _("Milestone added."))


@login_required
@require_POST
def milestone_mark(request, pk: int, milestone_id: int):
    project = _project_or_404(request, pk)
    milestone = project.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404
    reached = request.POST.get("reached") == "1"
    return _apply(
        request,
        project,
        "team",
        lambda: services.milestone_mark(actor=request.user, milestone=milestone, reached=reached),
        _("Milestone updated."),
    )


@login_required
@require_POST
def comment_add(request, pk: int):
    project = _project_or_404(request, pk)
    return _apply(
        request,
        project,
        "discussion",
        lambda: services.comment_add(actor=request.user, project=project, text=request.POST.get("text", "")),
        _("Comment posted."),
    )


@login_required
@require_POST
def document_upload(request, pk: int):
    project = _project_or_404(request, pk)
    return _apply(
        request,
        project,
        "files",
        lambda: services.document_add(actor=request.user, project=project, upload=request.FILES.get("file")),
        _("Document shared with the project."),
    )


@login_required
@require_GET
def document_download(request, pk: int, document_id: int):
    project = _project_or_404(request, pk)
    document = ProjectDocument.objects.filter(pk=document_id, project=project).first()
    if document is None:
        raise Http404(_("No such document."))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
