"""Messages (消息): my conversations, one conversation with its messages and composer, new
direct or group conversations, members, search, attachments and the header's unread badge.

New messages arrive by htmx polling (`chat:poll`, every few seconds while a conversation is
open; the header badge every 30 s): a poll holds no connection open, so the gunicorn sync workers
and the embedded server serve them like any other short request (server-sent events would pin
one sync worker per open tab). An idle poll is a few indexed queries and answers 204.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from messaging import records, selectors, services
from messaging.events import event_text
from messaging.models import Conversation, MessageAttachment
from org.directory import directory, may_browse
from org.pickers import person_name

from .admin import located

POLL_SECONDS = 4
PEOPLE_LIMIT = 20


def _staff(request) -> None:
    if not may_browse(request.user):
        raise PermissionDenied


def _conversation_or_404(request, pk: int) -> Conversation:
    # membership is the check: only colleagues ever become members (the services refuse others)
    conversation = selectors.conversation_for_user(request.user, pk)
    if conversation is None:
        raise Http404(_("No such conversation, or you are not in it."))
    return conversation


def _record(request, value: str | None = None) -> records.RecordRef | None:
    """A record the current user may open, from `?record=crm.customer:12` (else None)."""
    ref = records.parse(value if value is not None else request.GET.get("record", ""))
    return ref if ref is not None and records.may_open(request.user, ref) else None


def _record_card(request, ref: records.RecordRef | None) -> records.Card | None:
    if ref is None:
        return None
    text = records.lines_for(request.user, [(ref.model_label, ref.object_id)]).get(
        (ref.model_label, ref.object_id), ""
    )
    return records.Card(kind=str(records.KINDS[ref.model_label][0]), text=text, url="")


def _message_items(request, page) -> list[dict]:
    cards = records.cards_for(request.user, page)
    me = request.user.pk
    return [
        {
            "message": m,
            "author": person_name(m.author),
            "mine": m.author_id == me,
            "card": cards.get(m.pk),
            "mentions_me": any(u.pk == me for u in m.mentions.all()),
            "event": event_text(m.event) if m.kind == m.Kind.EVENT else "",
        }
        for m in page
    ]


@login_required
@require_GET
def conversation_list(request):
    _staff(request)
    query = request.GET.get("q", "").strip()[:100]
    found = selectors.message_search(request.user, query) if query else []
    context = {
        "rows": selectors.conversation_rows(request.user),
        "query": query,
        "found": found,
        "found_titles": _titles(request, [m.conversation for m in found]),
        "current": int(request.GET["current"]) if request.GET.get("current", "").isdigit() else None,
    }
    if request.htmx and request.htmx.target == "conversation-rows":
        return render(request, "tasklist/messages/_rows.html", context)
    return render(request, "tasklist/messages/list.html", context)


def _titles(request, conversations) -> dict[int, str]:
    unique = {c.pk: c for c in conversations}
    return {pk: selectors.conversation_title(c, viewer=request.user) for pk, c in unique.items()}


@login_required
@require_GET
def nav_count(request):
    """The number beside "Messages" in the top bar (polled); empty when everything is read."""
    count, capped = selectors.unread_total(request.user)
    # (no request context: the navigation's permission reads are not needed for a number)
    context = {"count": count, "capped": capped}
    return HttpResponse(render_to_string("tasklist/messages/_nav_count.html", context).strip())


def _people(request, *, exclude: set[int]) -> list:
    query = request.GET.get("q", "").strip()[:100]
    employees = directory(query=query).exclude(user_id__in=exclude)
    return list(employees[:PEOPLE_LIMIT])


@login_required
@require_GET
def people(request):
    """Colleagues matching `q` (for a new conversation, or to add to a group); the ones already
    ticked stay ticked above the matches."""
    _staff(request)
    ticked_ids = [int(v) for v in request.GET.getlist("members") if v.isdigit()]
    ticked = list(directory().filter(user_id__in=ticked_ids))
    conversation = None
    exclude = {request.user.pk, *ticked_ids}
    if request.GET.get("conversation", "").isdigit():
        conversation = _conversation_or_404(request, int(request.GET["conversation"]))
        exclude |= {u.pk for u in selectors.members(conversation)}
    context = {
        "ticked": ticked,
        "people": _people(request, exclude=exclude),
        "conversation": conversation,
        "record": request.GET.get("record", ""),
    }
    return render(request, "tasklist/messages/_people.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def conversation_new(request):
    """Start a direct conversation (one colleague) or a group (a name and colleagues); a
    `record` carried from "Message about this" goes along to the composer."""
    _staff(request)
    record_value = request.POST.get("record") if request.method == "POST" else request.GET.get("record", "")
    ref = _record(request, record_value or "")
    errors: dict = {}
    values = {"title": "", "members": []}
    if request.method == "POST":
        User = get_user_model()
        try:
            if request.POST.get("direct", "").isdigit():
                other = User.objects.filter(pk=int(request.POST["direct"])).first()
                if other is None:
                    raise Http404
                conversation = services.conversation_direct(actor=request.user, other=other)
            else:
                values = {"title": request.POST.get("title", ""), "members": request.POST.getlist("members")}
                chosen = services.users_by_ids(values["members"])
                conversation = services.conversation_group_create(
                    actor=request.user, title=values["title"], members=chosen
                )
        except DomainError as error:
            errors = located(error)
        else:
            url = reverse("chat:conversation", args=[conversation.pk])
            if ref is not None:
                url += f"?record={ref.model_label}:{ref.object_id}"
            return redirect(url)
    ticked_ids = [int(v) for v in values["members"] if str(v).isdigit()]
    context = {
        "errors": errors,
        "values": values,
        "record": f"{ref.model_label}:{ref.object_id}" if ref else "",
        "record_card": _record_card(request, ref),
        "ticked": list(directory().filter(user_id__in=ticked_ids)),
        "people": _people(request, exclude={request.user.pk, *ticked_ids}),
        "conversation": None,
    }
    return render(request, "tasklist/messages/new.html", context, status=400 if errors else 200)


def _conversation_context(request, conversation: Conversation, *, errors=None, body: str = "", ref=None):
    before = request.GET.get("before", "")
    page = selectors.message_page(conversation, before=int(before) if before.isdigit() else None)
    members = selectors.members(conversation)
    return {
        "conversation": conversation,
        "title": selectors.conversation_title(conversation, viewer=request.user),
        "items": _message_items(request, page),
        "older": page[0].pk if len(page) >= selectors.PAGE else None,
        "newest": selectors.newest_id(conversation),
        "members": members,
        "member_names": [person_name(u) for u in members],
        "is_group": conversation.kind == Conversation.Kind.GROUP,
        "may_remove": conversation.created_by_id == request.user.pk,
        "rows": selectors.conversation_rows(request.user),
        "current": conversation.pk,
        "errors": errors or {},
        "body": body,
        "record": f"{ref.model_label}:{ref.object_id}" if ref else "",
        "record_card": _record_card(request, ref),
        "poll_seconds": POLL_SECONDS,
        "record_kinds": _record_kinds(),
    }


def _record_kinds() -> list[tuple[str, str]]:
    return [(label, str(kind)) for label, (kind, _url) in records.KINDS.items()]


@login_required
@require_GET
def conversation_detail(request, pk: int):
    conversation = _conversation_or_404(request, pk)
    services.conversation_mark_read(actor=request.user, conversation=conversation)
    context = _conversation_context(request, conversation, ref=_record(request))
    return render(request, "tasklist/messages/conversation.html", context)


@login_required
@require_POST
def message_send(request, pk: int):
    conversation = _conversation_or_404(request, pk)
    body = request.POST.get("body", "")
    record_value = request.POST.get("record", "")
    ref = records.parse(record_value) if record_value else None
    try:
        services.message_send(
            actor=request.user,
            conversation=conversation,
            body=body,
            record=ref,
            uploads=request.FILES.getlist("files"),
        )
    except DomainError as error:
        errors = located(error)
        context = _conversation_context(request, conversation, errors=errors, body=body, ref=ref)
        if request.htmx:
            # (200: htmx swaps only successful answers; the composer shows the located error)
            return render(request, "tasklist/messages/_composer.html", context)
        return render(request, "tasklist/messages/conversation.html", context, status=400)
    if request.htmx:
        # a fresh composer; the poll (triggered at once) brings the message into the list
        context = {"conversation": conversation, "errors": {}, "record_kinds": _record_kinds()}
        response = render(request, "tasklist/messages/_composer.html", context)
        response["HX-Trigger"] = "chat:poll"
        return response
    return redirect(reverse("chat:conversation", args=[conversation.pk]) + "#latest")


@login_required
@require_GET
def conversation_poll(request, pk: int):
    """Messages after `after` (and a poller that asks from the newest), or 204 when none."""
    conversation = _conversation_or_404(request, pk)
    after = request.GET.get("after", "")
    after = int(after) if after.isdigit() else selectors.newest_id(conversation)
    page = selectors.messages_after(conversation, after)
    if not page:
        return HttpResponse(status=204)
    services.conversation_mark_read(actor=request.user, conversation=conversation, up_to=page[-1].pk)
    context = {
        "conversation": conversation,
        "items": _message_items(request, page),
        "newest": page[-1].pk,
        "poll_seconds": POLL_SECONDS,
    }
    response = HttpResponse(render_to_string("tasklist/messages/_poll.html", context))
    response["HX-Trigger"] = "chat:read"  # the header's badge asks again
    return response


@login_required
@require_GET
def record_choices(request):
    """Records of the chosen kind matching what was typed, to link to a message (radio buttons)."""
    _staff(request)
    label = request.GET.get("kind", "")
    found = records.choices(request.user, model_label=label, query=request.GET.get("rq", ""))
    context = {"found": [{"value": f"{r.model_label}:{r.object_id}", "text": t} for r, t in found]}
    context["searched"] = bool(request.GET.get("rq", "").strip())
    return render(request, "tasklist/messages/_record_choices.html", context)


def _back(conversation: Conversation):
    return redirect(reverse("chat:conversation", args=[conversation.pk]) + "#members")


@login_required
@require_POST
def member_add(request, pk: int):
    conversation = _conversation_or_404(request, pk)
    User = get_user_model()
    added = []
    for value in request.POST.getlist("members"):
        user = User.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if user is None:
            continue
        try:
            services.conversation_member_add(actor=request.user, conversation=conversation, user=user)
        except DomainError as error:
            flash.error(request, str(error.message))
        else:
            added.append(person_name(user))
    if added:
        flash.success(request, _("Added %(names)s.") % {"names": ", ".join(added)})
    elif not request.POST.getlist("members"):
        flash.error(request, _("Tick the colleagues to add."))
    return _back(conversation)


@login_required
@require_POST
def member_remove(request, pk: int, user_id: int):
    conversation = _conversation_or_404(request, pk)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    try:
        services.conversation_member_remove(actor=request.user, conversation=conversation, user=user)
    except DomainError as error:
        if error.http_status == 403:
            raise PermissionDenied(str(error.message)) from error
        flash.error(request, str(error.message))
        return _back(conversation)
    if user.pk == request.user.pk:
        return redirect("chat:list")
    flash.success(request, _("Removed %(name)s.") % {"name": person_name(user)})
    return _back(conversation)


@login_required
@require_POST
def conversation_leave(request, pk: int):
    conversation = _conversation_or_404(request, pk)
    try:
        services.conversation_leave(actor=request.user, conversation=conversation)
    except DomainError as error:
        flash.error(request, str(error.message))
        return _back(conversation)
    flash.success(request, _("You left “%(name)s”.") % {"name": conversation.title})
    return redirect("chat:list")


IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif"}


@login_required
@require_GET
def attachment_download(request, attachment_id: int):
    attachment = MessageAttachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    _conversation_or_404(request, attachment.message.conversation_id)
    inline = attachment.content_type in IMAGE_TYPES and request.GET.get("inline") == "1"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
