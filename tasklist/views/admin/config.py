"""Administration > Configuration (configtransfer.manage_config): download the company's
configuration as a JSON file, upload one to see what it would change (a dry run, section by
section in words) and apply it in one transaction."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from configtransfer.models import ConfigImport
from configtransfer.services import (
    change_words,
    config_dumps,
    config_export,
    config_import,
    config_read,
)
from core.configdata import sections
from core.errors import DomainError

from . import section_required

CONFIG = "config"
SESSION_KEY = "config_import"


def _uploads() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "config-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(request, *, plan=None, errors=None, include_org=True, status=200):
    context = {
        "sections": sections(),
        "imports": ConfigImport.objects.select_related("applied_by")[:10],
        "plan": plan,
        "diffs": [
            {
                "section": section,
                "diff": diff,
                "changed": [(c.label, change_words(c)) for c in diff.changed],
            }
            for section, diff in (plan.diffs if plan else [])
        ],
        "errors": errors or [],
        "include_org": include_org,
    }
    return render(request, "tasklist/admin/config.html", context, status=status)


@section_required(CONFIG)
@require_GET
def config_page(request):
    return _page(request)


@section_required(CONFIG)
@require_GET
def config_download(request):
    include_org = request.GET.get("org") != "0"
    document = config_export(actor=request.user, include_org=include_org)
    response = HttpResponse(config_dumps(document), content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="baton-config-{stamp}.json"'
    return response


@section_required(CONFIG)
@require_POST
def config_compare(request):
    include_org = request.POST.get("include_org") == "on"
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, errors=[_("Choose a configuration file.")], include_org=include_org, status=400)
    content = upload.read()
    try:
        document = config_read(content)
        plan = config_import(
            actor=request.user, document=document, apply=False, include_org=include_org, file_name=upload.name
        )
    except DomainError as error:
        return _page(request, errors=[str(error.message)], include_org=include_org, status=400)
    if not plan.problems and plan.changes:
        token = uuid.uuid4().hex
        (_uploads() / f"{token}.json").write_bytes(content)
        request.session[SESSION_KEY] = {"token": token, "name": upload.name, "org": include_org}
    return _page(request, plan=plan, include_org=include_org, status=400 if plan.problems else 200)


@section_required(CONFIG)
@require_POST
def config_apply(request):
    pending = request.session.get(SESSION_KEY)
    path = _uploads() / f"{pending['token']}.json" if pending else None
    if path is None or not path.exists():
        messages.error(request, _("Upload the file again: the comparison has expired."))
        return redirect("manage:config")
    try:
        plan = config_import(
            actor=request.user,
            document=config_read(path.read_bytes()),
            apply=True,
            include_org=pending["org"],
            file_name=pending["name"],
        )
    except DomainError as error:
        return _page(request, errors=[str(error.message)], status=400)
    if plan.problems:
        return _page(request, plan=plan, include_org=pending["org"], status=400)
    path.unlink(missing_ok=True)
    del request.session[SESSION_KEY]
    messages.success(request, _("The configuration was imported: %(n)d changes.") % {"n": plan.changes})
    return redirect("manage:config")
