"""Administration > Integrations > Message templates (integrations.manage_webhooks): the wording
of each notification per language, with the event's placeholders, a live preview on sample data,
unknown placeholders refused where they are, and a reset to the shipped text."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from integrations import template_overrides as wording
from integrations.models import Channel, TemplateOverride
from integrations.templates_registry import TEMPLATES

from . import located, section_required

INTEGRATIONS = "integrations"


def _spec(name: str, language: str):
    if name not in TEMPLATES or language not in dict(wording.languages()):
        raise Http404
    return TEMPLATES[name]


@section_required(INTEGRATIONS)
def templates(request):
    custom = set(TemplateOverride.objects.values_list("template", "language"))
    languages = wording.languages()
    rows = [
        {
            "name": name,
            "label": wording.label(name),
            "channels": [str(Channel(c).label) for c in TEMPLATES[name].channels],
            "languages": [
                {"code": code, "name": text, "custom": (name, code) in custom} for code, text in languages
            ],
        }
        for name in TEMPLATES
    ]
    return render(request, "tasklist/admin/message_templates.html", {"rows": rows})


def _texts(request) -> dict[str, str]:
    return {part: request.POST.get(part, "") for part in wording.PARTS}


def _fields(texts: dict, errors: dict) -> list[dict]:
    from . import field

    return [
        field("title", _("Title"), value=texts["title"], errors=errors, required=True, maxlength=255),
        field("body", _("Text"), kind="textarea", value=texts["body"], errors=errors),
        field(
            "sms",
            _("SMS text"),
            kind="textarea",
            value=texts["sms"],
            errors=errors,
            help=_("Keep it short: one SMS holds 70 Chinese characters. Empty: the title is sent."),
        ),
    ]


@section_required(INTEGRATIONS)
def template_edit(request, name: str, language: str):
    spec = _spec(name, language)
    errors: dict = {}
    if request.method == "POST":
        texts = _texts(request)
        try:
            wording.template_override_save(actor=request.user, template=name, language=language, texts=texts)
        except DomainError as error:
            errors = located(error)
        else:
            messages.success(request, _("Saved. New notifications use this wording."))
            return redirect("manage:notification_template", name=name, language=language)
        override = TemplateOverride.objects.filter(template=name, language=language).first()
    else:
        texts, override = wording.current(name, language)
    try:
        sample = wording.preview(name, texts, language) if not errors else None
    except DomainError:
        sample = None
    fields = _fields(texts, errors)
    context = {
        "name": name,
        "label": wording.label(name),
        "language": language,
        "language_name": dict(wording.languages())[language],
        "languages": wording.languages(),
        "variables": sorted(spec.fields()),
        "override": override,
        "fields": fields,
        "errors": errors,
        "general_errors": [m for k, ms in errors.items() if k not in wording.PARTS for m in ms],
        "sample": sample,
    }
    return render(
        request, "tasklist/admin/message_template_form.html", context, status=400 if errors else 200
    )


@require_POST
@section_required(INTEGRATIONS)
def template_preview(request, name: str, language: str):
    """The preview panel, re-rendered as the administrator types (htmx)."""
    _spec(name, language)
    try:
        sample, errors = wording.preview(name, _texts(request), language), {}
    except DomainError as error:
        sample, errors = None, located(error)
    return render(
        request, "tasklist/admin/_message_preview.html", {"sample": sample, "preview_errors": errors}
    )


@require_POST
@section_required(INTEGRATIONS)
def template_reset(request, name: str, language: str):
    _spec(name, language)
    if wording.template_override_reset(actor=request.user, template=name, language=language):
        messages.success(request, _("Back to the default wording."))
    return redirect("manage:notification_template", name=name, language=language)
