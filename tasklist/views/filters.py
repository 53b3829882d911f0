"""Saved inbox filters: save the current filter (optionally for a group), delete one's own."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError

from .. import services
from ..models import SavedFilter


@login_required
@require_POST
def filter_save(request):
    params = {name: request.POST.get(name, "") for name in services.PARAM_NAMES}
    group = None
    group_id = request.POST.get("shared_with", "")
    if group_id.isdigit():
        group = request.user.groups.filter(pk=int(group_id)).first()
    try:
        saved = services.saved_filter_create(
            owner=request.user, name=request.POST.get("name", ""), params=params, shared_with=group
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(reverse("tasklist:inbox") + "?" + urlencode({k: v for k, v in params.items() if v}))
    messages.success(request, _("Saved the filter “%(name)s”.") % {"name": saved.name})
    return redirect(reverse("tasklist:inbox") + "?" + urlencode(saved.params))


@login_required
@require_POST
def filter_delete(request, filter_id: int):
    saved = get_object_or_404(SavedFilter, pk=filter_id, owner=request.user)
    try:
        services.saved_filter_delete(actor=request.user, saved_filter=saved)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Deleted the filter “%(name)s”.") % {"name": saved.name})
    return redirect(reverse("tasklist:inbox"))
