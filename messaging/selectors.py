"""Messaging reads: my conversations with their unread counts and last message, one conversation's
messages (a page, or what came after the newest I have), the header's unread total, and search
over the messages of conversations I am in.

On PostgreSQL the search is `UPPER(body) LIKE UPPER('%…%')` answered by a trigram GIN index
(migration 0002); SQLite scans, which is fine for the embedded mode's sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery, Sum

from org.pickers import person_name

from .models import Conversation, Membership, Message

PAGE = 50
SEARCH_LIMIT = 50
COUNT_CAP = 99


@dataclass(frozen=True)
class ConversationRow:
    conversation: Conversation
    title: str
    unread: int
    preview: str
    preview_author: str


def conversation_for_user(user, pk: int) -> Conversation | None:
    """The conversation if `user` is a current member (None otherwise: a 404, never a peek)."""
    return Conversation.objects.visible_to(user).filter(pk=pk).first()


def members(conversation: Conversation) -> list:
    """Current members, by name."""
    users = (
        get_user_model()
        .objects.filter(
            pk__in=Membership.objects.filter(conversation=conversation, left_at__isnull=True).values(
                "user_id"
            )
        )
        .select_related("employee")
    )
    return sorted(users, key=person_name)


def member_names(conversation: Conversation) -> dict:
    """Each current member with the names an @mention may use for them."""
    return {
        user: _names(person_name(user), user.display_name, user.username) for user in members(conversation)
    }


def _names(*names: str) -> set[str]:
    """A name and its parts as people type them after @: "张伟 Zhang Wei" is also "张伟" and
    "Zhang Wei"."""
    found = set()
    for name in filter(None, names):
        found.add(name)
        words = name.split()
        chinese = [w for w in words if any(ord(ch) > 0x2E80 for ch in w)]
        latin = [w for w in words if w not in chinese]
        if chinese and latin:
            found.update(chinese)
            found.add(" ".join(latin))
    return found


def _other_names(conversations: list[Conversation], viewer) -> dict[int, str]:
    """Direct conversation pk -> the other person's name (one query for the page)."""
    direct = [c.pk for c in conversations if c.kind == Conversation.Kind.DIRECT]
    if not direct:
        return {}
    rows = (
        Membership.objects.filter(conversation_id__in=direct)
        .exclude(user_id=getattr(viewer, "pk", None))
        .select_related("user__employee")
    )
    return {m.conversation_id: person_name(m.user) for m in rows}


def conversation_title(conversation: Conversation, *, viewer) -> str:
    if conversation.kind == Conversation.Kind.GROUP:
        return conversation.title
    if viewer is None:  # said to someone in it: "a direct conversation" names both
        return " · ".join(person_name(u) for u in members(conversation))
    return _other_names([conversation], viewer).get(conversation.pk, "")


def conversation_rows(user, *, query: str = "") -> list[ConversationRow]:
    """My conversations, newest activity first, with unread counts and the last message (3
    queries whatever the number of conversations)."""
    last = Message.objects.filter(conversation=OuterRef("conversation")).order_by("-id")
    memberships = (
        Membership.objects.filter(user=user, left_at__isnull=True)
        .select_related("conversation")
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_author=Subquery(last.values("author_id")[:1]),
        )
        .order_by("-conversation__last_message_at", "-conversation_id")
    )
    memberships = list(memberships[:200])
    conversations = [m.conversation for m in memberships]
    others = _other_names(conversations, user)
    authors = {
        u.pk: person_name(u)
        for u in get_user_model()
        .objects.filter(pk__in={m.last_author for m in memberships if m.last_author})
        .select_related("employee")
    }
    rows = []
    for m in memberships:
        conversation = m.conversation
        title = (
            conversation.title
            if conversation.kind == Conversation.Kind.GROUP
            else others.get(conversation.pk, "")
        )
        if query and query.lower() not in title.lower():
            continue
        rows.append(
            ConversationRow(
                conversation=conversation,
                title=title,
                unread=m.unread,
                preview=(m.last_body or "")[:80],
                # who wrote it, in a group (in a direct conversation the title says who)
                preview_author=authors.get(m.last_author, "")
                if conversation.kind == Conversation.Kind.GROUP and m.last_author != user.pk
                else "",
            )
        )
    return rows


def unread_total(user) -> tuple[int, bool]:
    """The header badge: unread messages over my conversations (one indexed SUM)."""
    total = Membership.objects.filter(user=user, left_at__isnull=True).aggregate(n=Sum("unread"))["n"] or 0
    return min(total, COUNT_CAP), total > COUNT_CAP


def _with_parts(messages: QuerySet) -> QuerySet:
    return messages.select_related("author__employee").prefetch_related("attachments", "mentions")


def message_page(conversation: Conversation, *, before: int | None = None) -> list[Message]:
    """The newest PAGE messages (or those before `before`), oldest first."""
    messages = conversation.messages.all()
    if before:
        messages = messages.filter(id__lt=before)
    page = list(_with_parts(messages.order_by("-id"))[:PAGE])
    page.reverse()
    return page


def messages_after(conversation: Conversation, after: int) -> list[Message]:
    return list(_with_parts(conversation.messages.filter(id__gt=after).order_by("id"))[: PAGE * 2])


def newest_id(conversation: Conversation) -> int:
    return conversation.messages.order_by("-id").values_list("id", flat=True).first() or 0


def message_search(user, query: str) -> list[Message]:
    """Messages matching `query` in conversations `user` is a member of, newest first."""
    query = (query or "").strip()[:100]
    if len(query) < 2 and not any(ord(ch) > 0x2E80 for ch in query):  # one CJK character is a word
        return []
    mine = Membership.objects.filter(user=user, left_at__isnull=True).values("conversation_id")
    found = (
        Message.objects.filter(conversation_id__in=mine, kind=Message.Kind.TEXT, body__icontains=query)
        .select_related("author__employee", "conversation")
        .order_by("-id")
    )
    return list(found[:SEARCH_LIMIT])
