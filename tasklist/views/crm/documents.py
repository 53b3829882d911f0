"""The Documents tab of the customer card: upload, download, share with the customer, delete —
all through crm's document services (whoever may change the customer may do these)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from crm.models import Document
from crm.selectors.customers import customer_get
from crm.selectors.documents import document_get
from crm.services.documents import document_delete, document_share, document_upload

from .common import permission


def _tab(pk: int):
    return redirect(reverse("crm:customer_detail", args=[pk]) + "?tab=documents")


def _document_or_404(user, pk: int, action: str) -> Document:
    try:
        return document_get(user=user, pk=pk, action=action)
    except DomainError:
        raise Http404(_("No such document, or it is not yours to see.")) from None


@permission("crm.view_customer")
@require_POST
def document_add(request, pk: int):
    try:
        customer = customer_get(user=request.user, pk=pk)
        document = document_upload(
            actor=request.user,
            customer=customer,
            upload=request.FILES.get("file"),
            title=request.POST.get("title", ""),
            kind=request.POST.get("kind") or Document.Kind.OTHER,
            shared_with_customer=request.POST.get("shared_with_customer") == "on",
        )
    except DomainError as error:
        detail = " ".join(str(m) for ms in error.fields.values() for m in ms)
        messages.error(request, f"{error.message} {detail}".strip())
    else:
        messages.success(request, _("Added the document “%(title)s”.") % {"title": document.title})
    return _tab(pk)


@permission("crm.view_customer")
@require_GET
def document_download(request, document_id: int):
    document = _document_or_404(request.user, document_id, "view")
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file_name,
        content_type=document.content_type,
    )


@permission("crm.view_customer")
@require_POST
def document_share_toggle(request, document_id: int):
    document = _document_or_404(request.user, document_id, "change")
    shared = request.POST.get("shared") == "1"
    try:
        document_share(actor=request.user, document=document, shared=shared)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("The customer now sees “%(title)s” in the portal.") % {"title": document.title}
            if shared
            else _("“%(title)s” is no longer shown to the customer.") % {"title": document.title},
        )
    return _tab(document.customer_id)


@permission("crm.view_customer")
@require_POST
def document_remove(request, document_id: int):
    document = _document_or_404(request.user, document_id, "change")
    try:
        document_delete(actor=request.user, document=document)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Deleted the document “%(title)s”.") % {"title": document.title})
    return _tab(document.customer_id)
