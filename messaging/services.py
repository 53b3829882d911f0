"""Messaging writes: start a direct or group conversation, add and remove members, leave, send a
message (text, @mentions, attachments, a linked record) and mark a conversation read.

Every write checks that the actor is a current member; membership changes are audited and leave
an event line in the conversation. Mentions notify through `integrations.services.notify` after
the message is committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import NotPermitted, ValidationFailed
from crm.files import check_upload
from integrations.services import notify
from org.pickers import person_name

from . import records
from .models import Conversation, Membership, Message, MessageAttachment
from .selectors import conversation_title, member_names

MAX_TEXT = 4000
MAX_TITLE = 100
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_GROUP_MEMBERS = 500
FILE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".gif", ".txt", ".csv", ".doc", ".docx", ".xls", ".xlsx")


def _staff(users: Iterable) -> list:
    """Active colleagues (an employee record): portal customers and the deactivated never join."""
    return [u for u in users if u is not None and u.is_active and hasattr(u, "employee")]


def _membership(actor, conversation: Conversation) -> Membership:
    membership = Membership.objects.filter(
        conversation=conversation, user=actor, left_at__isnull=True
    ).first()
    if membership is None:
        raise NotPermitted(_("You are not a member of this conversation."))
    return membership


def _event(conversation: Conversation, actor, code: str, **names: str) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        author=actor,
        kind=Message.Kind.EVENT,
        event={"code": code, "actor": person_name(actor), **names},
    )
    _delivered(conversation, message)
    return message


def _delivered(conversation: Conversation, message: Message) -> None:
    """The message counts as unread for every other current member; the sender has read it."""
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    members = Membership.objects.filter(conversation=conversation, left_at__isnull=True)
    members.exclude(user=message.author).update(unread=F("unread") + 1)
    members.filter(user=message.author).update(unread=0, last_read_id=message.pk)


def conversation_direct(*, actor, other) -> Conversation:
    """The one conversation between `actor` and `other` (created on first use)."""
    if not _staff([actor]) or not _staff([other]):
        raise ValidationFailed(
            _("Messages go between active colleagues."), fields={"user": [_("Choose an active colleague.")]}
        )
    if other.pk == actor.pk:
        raise ValidationFailed(
            _("Choose someone other than yourself."),
            fields={"user": [_("Choose someone other than yourself.")]},
        )
    low, high = sorted([actor.pk, other.pk])
    with transaction.atomic():
        conversation, created = Conversation.objects.get_or_create(
            direct_key=f"{low}:{high}", defaults={"kind": Conversation.Kind.DIRECT, "created_by": actor}
        )
        if created:
            Membership.objects.bulk_create(
                [Membership(conversation=conversation, user=u) for u in (actor, other)]
            )
            audit_record(action="create", actor=actor, obj=conversation)
    return conversation


def conversation_group_create(*, actor, title: str, members: Sequence) -> Conversation:
    title = (title or "").strip()
    people = {u.pk: u for u in _staff(members) if u.pk != actor.pk}
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the group a name.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("At most %(n)d characters.") % {"n": MAX_TITLE}]
    if not people:
        errors["members"] = [_("Choose at least one colleague.")]
    elif len(people) + 1 > MAX_GROUP_MEMBERS:
        errors["members"] = [_("A group has at most %(n)d members.") % {"n": MAX_GROUP_MEMBERS}]
    if errors:
        raise ValidationFailed(_("The group could not be created."), fields=errors)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=Conversation.Kind.GROUP, title=title, created_by=actor
        )
        Membership.objects.bulk_create(
            [Membership(conversation=conversation, user=u) for u in [actor, *people.values()]]
        )
        audit_record(action="create", actor=actor, obj=conversation, extra={"members": sorted(people)})
        _event(conversation, actor, "created", names=", ".join(person_name(u) for u in people.values()))
    return conversation


def _group(actor, conversation: Conversation) -> Membership:
    membership = _membership(actor, conversation)
    if conversation.kind != Conversation.Kind.GROUP:
        raise ValidationFailed(_("A direct conversation has exactly two people; start a group instead."))
    return membership


def conversation_member_add(*, actor, conversation: Conversation, user) -> Membership:
    """Any member may add a colleague; a former member comes back (seeing the whole history)."""
    _group(actor, conversation)
    if not _staff([user]):
        raise ValidationFailed(
            _("Only active colleagues can join."), fields={"user": [_("Choose an active colleague.")]}
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(conversation=conversation, user=user)
        if not created and membership.left_at is None:
            raise ValidationFailed(
                _("%(name)s is already a member.") % {"name": user}, fields={"user": [_("Already a member.")]}
            )
        if not created:
            membership.left_at = None
            membership.joined_at = timezone.now()
            membership.save(update_fields=["left_at", "joined_at"])
        audit_record(action="update", actor=actor, obj=conversation, extra={"member_added": user.pk})
        _event(conversation, actor, "added", name=person_name(user))
    return membership


def conversation_member_remove(*, actor, conversation: Conversation, user) -> None:
    """The group's creator removes a member (anyone else leaves by themselves)."""
    _group(actor, conversation)
    if user.pk == actor.pk:
        conversation_leave(actor=actor, conversation=conversation)
        return
    if conversation.created_by_id != actor.pk:
        raise NotPermitted(_("Only the person who created the group may remove members."))
    with transaction.atomic():
        changed = Membership.objects.filter(
            conversation=conversation, user=user, left_at__isnull=True
        ).update(left_at=timezone.now(), unread=0)
        if not changed:
            raise ValidationFailed(
                _("%(name)s is not a member.") % {"name": user}, fields={"user": [_("Not a member.")]}
            )
        audit_record(action="update", actor=actor, obj=conversation, extra={"member_removed": user.pk})
        _event(conversation, actor, "removed", name=person_name(user))


def conversation_leave(*, actor, conversation: Conversation) -> None:
    membership = _group(actor, conversation)
    with transaction.atomic():
        membership.left_at = timezone.now()
        membership.unread = 0
        membership.save(update_fields=["left_at", "unread"])
        audit_record(action="update", actor=actor, obj=conversation, extra={"member_left": actor.pk})
        _event(conversation, actor, "left")


def _mentioned(conversation: Conversation, body: str, author) -> list:
    """Members named right after an @ (their name, display name or user name). Chinese text puts
    no space after a name ("@王芳请跟进"), so each member's names are looked for, not words."""
    if "@" not in body:
        return []
    return [
        user
        for user, names in member_names(conversation).items()
        if user.pk != author.pk and any(f"@{name}" in body for name in names)
    ]


def message_send(
    *,
    actor,
    conversation: Conversation,
    body: str = "",
    record: records.RecordRef | None = None,
    uploads: Sequence = (),
) -> Message:
    """Send a message: text and/or files and/or a linked record the sender may open."""
    _membership(actor, conversation)
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if len(body) > MAX_TEXT:
        errors["body"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    if record is None:
        record = records.from_text(body)
        if record is not None and not records.may_open(actor, record):
            record = None  # a pasted address stays plain text
    elif not records.may_open(actor, record):
        errors["record"] = [_("You cannot link a record you cannot open yourself.")]
    uploads = [u for u in uploads if u]
    checked = []
    if len(uploads) > MAX_FILES:
        errors["files"] = [_("Attach at most %(n)d files to one message.") % {"n": MAX_FILES}]
    else:
        for upload in uploads:
            found = check_upload(
                upload, allowed=FILE_SUFFIXES, max_bytes=MAX_FILE_BYTES, field="files", errors=errors
            )
            if found is not None:
                checked.append(found)
    if not errors and not body and not checked and record is None:
        errors["body"] = [_("Write a message, attach a file or link a record.")]
    if errors:
        raise ValidationFailed(_("The message was not sent."), fields=errors)
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            author=actor,
            body=body,
            record_type=record.content_type if record else None,
            record_id=record.object_id if record else "",
        )
        for found in checked:
            MessageAttachment.objects.create(
                message=message,
                file=found.upload,
                name=found.name,
                size=found.size,
                content_type=found.content_type,
            )
        _delivered(conversation, message)
        mentioned = _mentioned(conversation, body, actor)
        if mentioned:
            message.mentions.set(mentioned)
            url = conversation_url(conversation) + f"#m{message.pk}"
            title = conversation_title(conversation, viewer=None)
            transaction.on_commit(
                lambda: notify(
                    recipients=mentioned,
                    template="message_mention",
                    context={"author": str(actor), "conversation": title, "text": body[:200]},
                    url=url,
                )
            )
    return message


def conversation_url(conversation: Conversation) -> str:
    from django.urls import reverse

    return reverse("chat:conversation", args=[conversation.pk])


def conversation_mark_read(*, actor, conversation: Conversation, up_to: int | None = None) -> int:
    """Zero the actor's unread count up to the newest message (or `up_to`); answers the rows
    changed (0 when there was nothing new: no write on an idle poll)."""
    newest = up_to or conversation.messages.order_by("-id").values_list("id", flat=True).first() or 0
    return (
        Membership.objects.filter(conversation=conversation, user=actor, left_at__isnull=True)
        .exclude(unread=0, last_read_id__gte=newest)
        .update(unread=0, last_read_id=newest)
    )


def users_by_ids(ids: Iterable) -> list:
    wanted = [int(i) for i in ids if str(i).isdigit()]
    return list(get_user_model().objects.filter(pk__in=wanted).select_related("employee"))
