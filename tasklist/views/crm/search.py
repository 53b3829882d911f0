"""The header's search box: customers (any part of name, short name, code, phone, contact names),
contacts and opportunities the user may see, on one page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.selectors.search import global_search


@login_required
@require_GET
def search(request):
    result = global_search(user=request.user, text=request.GET.get("q", ""))
    result["searched"] = bool(request.GET.get("q", "").strip())
    return render(request, "tasklist/crm/search.html", result)
