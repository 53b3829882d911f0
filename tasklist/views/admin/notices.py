"""Administration > Notices (office.manage_notices): drafts, their audience, publishing, and who
has read a notice; plus the staff page where everybody reads the notices addressed to them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError, ValidationFailed
from office.models import Notice
from office.selectors import notice_is_addressed_to, notice_receipts, notices_addressed_to
from office.services import notice_draft_save, notice_mark_read, notice_release
from org.selectors import group_choices

from . import field, general_errors, located, pk_or_none, section_required
from .org import department_tree

NOTICES = "notices"


def _notice_fields(values: dict, errors: dict) -> list[dict]:
    return [
        field("title", _("Title"), value=values.get("title"), errors=errors, required=True, maxlength=200),
        field(
            "kind",
            _("Kind"),
            kind="select",
            value=values.get("kind", Notice.Kind.NOTICE),
            choices=Notice.Kind.choices,
            errors=errors,
            required=True,
        ),
        field("body", _("Text"), kind="textarea", value=values.get("body"), errors=errors, required=True),
        field(
            "departments",
            _("To departments"),
            kind="checks",
            value=values.get("departments", []),
            choices=[(d.pk, "\u2003" * depth + d.name) for d, depth in department_tree()],
            errors=errors,
            help=_("Sub-departments included. No department and no group: the whole company."),
        ),
        field(
            "groups",
            _("To groups"),
            kind="checks",
            value=values.get("groups", []),
            choices=[(c.pk, c.name) for c in group_choices(Group.objects.all())],
            errors=errors,
        ),
        field(
            "requires_receipt",
            _("Read receipt required"),
            kind="bool",
            value=values.get("requires_receipt", False),
        ),
        field("meeting_on", _("Meeting date"), kind="date", value=values.get("meeting_on"), errors=errors),
    ]


def _posted(post) -> dict:
    return {
        "title": post.get("title", "").strip(),
        "kind": post.get("kind", ""),
        "body": post.get("body", ""),
        "departments": post.getlist("departments"),
        "groups": post.getlist("groups"),
        "requires_receipt": post.get("requires_receipt") == "on",
        "meeting_on": post.get("meeting_on", "").strip(),
    }


def _save(request, values: dict, notice: Notice | None) -> Notice:
    meeting_on = None
    if values["meeting_on"]:
        try:
            meeting_on = parse_date(values["meeting_on"])
        except ValueError:
            meeting_on = None
        if meeting_on is None:
            raise ValidationFailed(
                _("Enter a date (YYYY-MM-DD)."), fields={"meeting_on": [_("Enter a date (YYYY-MM-DD).")]}
            )
    from org.models import Department

    return notice_draft_save(
        actor=request.user,
        notice=notice,
        title=values["title"],
        body=values["body"],
        kind=values["kind"],
        requires_receipt=values["requires_receipt"],
        meeting_on=meeting_on,
        departments=list(
            Department.objects.filter(pk__in=[pk_or_none(v) for v in values["departments"] if pk_or_none(v)])
        ),
        groups=list(Group.objects.filter(pk__in=[pk_or_none(v) for v in values["groups"] if pk_or_none(v)])),
    )


@section_required(NOTICES)
def notices(request):
    rows = (
        Notice.objects.select_related("author")
        .annotate(read=Count("receipts"))
        .order_by("status", "-published_at", "-pk")[:200]
    )
    return render(request, "tasklist/admin/notices.html", {"notices": rows})


@section_required(NOTICES)
def notice_form(request, pk: int | None = None):
    notice = get_object_or_404(Notice, pk=pk) if pk else None
    if notice is not None and notice.status != Notice.Status.DRAFT:
        return redirect("manage:notice", pk=notice.pk)
    errors: dict = {}
    if request.method == "POST":
        values = _posted(request.POST)
        try:
            saved = _save(request, values, notice)
            if request.POST.get("publish"):
                notice_release(actor=request.user, notice=saved)
        except DomainError as error:
            errors = located(error)
        else:
            if request.POST.get("publish"):
                messages.success(request, _("Published: %(title)s.") % {"title": saved.title})
            else:
                messages.success(request, _("Draft saved."))
            return redirect("manage:notice", pk=saved.pk)
    elif notice is not None:
        values = {
            "title": notice.title,
            "kind": notice.kind,
            "body": notice.body,
            "departments": [str(pk) for pk in notice.departments.values_list("pk", flat=True)],
            "groups": [str(pk) for pk in notice.groups.values_list("pk", flat=True)],
            "requires_receipt": notice.requires_receipt,
            "meeting_on": notice.meeting_on.isoformat() if notice.meeting_on else "",
        }
    else:
        values = {}
    fields = _notice_fields(values, errors)
    context = {
        "notice": notice,
        "fields": fields,
        "errors": errors,
        "general_errors": general_errors(errors, fields),
    }
    return render(request, "tasklist/admin/notice_form.html", context, status=400 if errors else 200)


@section_required(NOTICES)
def notice_detail(request, pk: int):
    """The notice as published, with who of its audience has read it and who not yet."""
    notice = get_object_or_404(Notice.objects.select_related("author"), pk=pk)
    context = {
        "notice": notice,
        "departments": list(notice.departments.all()),
        "groups": group_choices(notice.groups.all()),
        "receipts": notice_receipts(notice=notice) if notice.status == Notice.Status.PUBLISHED else None,
    }
    return render(request, "tasklist/admin/notice_detail.html", context)


@require_POST
@section_required(NOTICES)
def notice_publish_view(request, pk: int):
    notice = get_object_or_404(Notice, pk=pk)
    try:
        notice_release(actor=request.user, notice=notice)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Published: %(title)s.") % {"title": notice.title})
    return redirect("manage:notice", pk=notice.pk)


# --- the staff page -------------------------------------------------------------------------------


@login_required
def my_notices(request):
    rows = list(notices_addressed_to(user=request.user)[:100])
    return render(
        request, "tasklist/notices.html", {"notices": rows, "unread": sum(1 for n in rows if not n.is_read)}
    )


@login_required
def my_notice(request, pk: int):
    """Opening a notice addressed to me records my read receipt (once)."""
    notice = Notice.objects.filter(pk=pk).select_related("author").first()
    if notice is None or not notice_is_addressed_to(notice=notice, user=request.user):
        raise Http404(_("Not found, or not yours to see."))
    receipt = notice_mark_read(actor=request.user, notice=notice)
    return render(request, "tasklist/notice.html", {"notice": notice, "receipt": receipt})
