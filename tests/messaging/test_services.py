"""Messaging writes: conversations, members, messages with mentions, files and record cards."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from audit.models import AuditEvent
from core.errors import NotPermitted, ValidationFailed
from integrations.models import Notification
from messaging import records, selectors, services
from messaging.events import event_text
from messaging.models import Conversation, Membership, Message

pytestmark = pytest.mark.django_db(transaction=False)


def test_a_direct_conversation_is_one_per_pair(org, direct):
    # when the other person starts it too
    again = services.conversation_direct(actor=org.liu, other=org.zhang)
    # then it is the same conversation, with both as members
    assert again.pk == direct.pk
    assert {u.pk for u in selectors.members(direct)} == {org.zhang.pk, org.liu.pk}


def test_nobody_messages_themselves_or_a_portal_account(org):
    from tests.factories import UserFactory

    with pytest.raises(ValidationFailed) as error:
        services.conversation_direct(actor=org.zhang, other=org.zhang)
    assert "user" in error.value.fields
    with pytest.raises(ValidationFailed):
        services.conversation_direct(actor=org.zhang, other=UserFactory(username="portal.person"))


def test_sending_counts_unread_for_the_others_until_they_read(org, direct):
    # given zhang writes twice
    services.message_send(actor=org.zhang, conversation=direct, body="你好")
    services.message_send(actor=org.zhang, conversation=direct, body="明天拜访客户")
    # then liu has 2 unread, zhang none
    assert selectors.unread_total(org.liu) == (2, False)
    assert selectors.unread_total(org.zhang) == (0, False)
    # when liu reads
    services.conversation_mark_read(actor=org.liu, conversation=direct)
    assert selectors.unread_total(org.liu) == (0, False)
    # and reading again writes nothing
    assert services.conversation_mark_read(actor=org.liu, conversation=direct) == 0


def test_an_outsider_cannot_write_or_read(org, direct):
    with pytest.raises(NotPermitted):
        services.message_send(actor=org.yang, conversation=direct, body="hi")
    assert selectors.conversation_for_user(org.yang, direct.pk) is None


def test_an_empty_or_too_long_message_is_refused_on_its_field(org, direct):
    with pytest.raises(ValidationFailed) as error:
        services.message_send(actor=org.zhang, conversation=direct, body="   ")
    assert "body" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        services.message_send(actor=org.zhang, conversation=direct, body="x" * 4001)
    assert "body" in error.value.fields
    assert not Message.objects.exists()


def test_a_mention_notifies_the_member_named(org, django_capture_on_commit_callbacks):
    group = services.conversation_group_create(
        actor=org.wang, title="华东大客户", members=[org.zhang, org.liu]
    )
    zhang_name = org.zhang.employee.name
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(actor=org.wang, conversation=group, body=f"@{zhang_name}，请跟进")
    assert list(message.mentions.all()) == [org.zhang]
    note = Notification.objects.get(recipient=org.zhang, template="message_mention")
    assert "华东大客户" in note.title
    assert note.url.endswith(f"#m{message.pk}")
    assert not Notification.objects.filter(recipient=org.liu).exists()


def test_group_members_join_and_leave_with_a_line_in_the_conversation(org):
    # given a group wang created with zhang
    group = services.conversation_group_create(actor=org.wang, title="周会", members=[org.zhang])
    assert AuditEvent.objects.filter(action="create", object_id=str(group.pk)).exists()
    # when zhang adds liu
    services.conversation_member_add(actor=org.zhang, conversation=group, user=org.liu)
    assert selectors.conversation_for_user(org.liu, group.pk) is not None
    # zhang may not remove liu (only the creator may), liu leaves by himself
    with pytest.raises(NotPermitted):
        services.conversation_member_remove(actor=org.zhang, conversation=group, user=org.liu)
    services.conversation_leave(actor=org.liu, conversation=group)
    assert selectors.conversation_for_user(org.liu, group.pk) is None
    # wang removes zhang
    services.conversation_member_remove(actor=org.wang, conversation=group, user=org.zhang)
    events = list(group.messages.filter(kind=Message.Kind.EVENT).order_by("id"))
    assert len(events) == 4
    # each line is put into words in the reader's language
    with translation.override("zh-hans"):
        assert event_text(events[1].event) == f"{org.zhang.employee.name} 添加了 {org.liu.employee.name}。"
    # a leaver gets no unread counts for later messages
    services.message_send(actor=org.wang, conversation=group, body="还有人吗")
    assert selectors.unread_total(org.liu) == (0, False)


def test_a_group_needs_a_name_and_members(org):
    with pytest.raises(ValidationFailed) as error:
        services.conversation_group_create(actor=org.wang, title=" ", members=[])
    assert set(error.value.fields) == {"title", "members"}
    assert not Conversation.objects.exists()


def test_a_direct_conversation_has_no_members_to_add(org, direct):
    with pytest.raises(ValidationFailed):
        services.conversation_member_add(actor=org.zhang, conversation=direct, user=org.wang)


def test_a_record_card_shows_only_to_those_who_may_open_the_record(org, customer):
    # given zhang (the owner) writes to wang (his department's head) and yang (another team)
    group = services.conversation_group_create(actor=org.zhang, title="客户", members=[org.wang, org.yang])
    ref = records.RecordRef("crm.customer", str(customer.pk))
    message = services.message_send(actor=org.zhang, conversation=group, body="看看这个客户", record=ref)
    # then wang sees the customer's line, yang sees only that it is a customer he cannot open
    assert customer.name in records.cards_for(org.wang, [message])[message.pk].text
    hidden = records.cards_for(org.yang, [message])[message.pk]
    assert not hidden.visible and hidden.url == "" and customer.name not in hidden.text


def test_nobody_links_a_record_they_cannot_open(org, customer):
    conversation = services.conversation_direct(actor=org.yang, other=org.zhang)
    with pytest.raises(ValidationFailed) as error:
        services.message_send(
            actor=org.yang,
            conversation=conversation,
            record=records.RecordRef("crm.customer", str(customer.pk)),
        )
    assert "record" in error.value.fields


def test_a_pasted_record_address_becomes_a_card(org, customer, direct):
    message = services.message_send(
        actor=org.zhang, conversation=direct, body=f"请看 http://localhost:8000/customers/{customer.pk}/ 谢谢"
    )
    assert message.record_id == str(customer.pk)
    # a pasted address of something the sender cannot open stays text
    other = services.conversation_direct(actor=org.yang, other=org.zhang)
    plain = services.message_send(actor=org.yang, conversation=other, body=f"/customers/{customer.pk}/")
    assert plain.record_id == ""


def test_files_are_checked_by_their_content(org, direct):
    pdf = SimpleUploadedFile("报价.pdf", b"%PDF-1.4 quotation", content_type="application/pdf")
    message = services.message_send(actor=org.zhang, conversation=direct, uploads=[pdf])
    assert [a.name for a in message.attachments.all()] == ["报价.pdf"]
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as error:
        services.message_send(actor=org.zhang, conversation=direct, body="看附件", uploads=[fake])
    assert "virus.pdf" in error.value.fields["files"][0]
    assert Message.objects.count() == 1  # nothing half-written


def test_search_finds_messages_only_in_my_conversations(org, direct):
    services.message_send(actor=org.zhang, conversation=direct, body="星河贸易的合同已盖章")
    secret = services.conversation_direct(actor=org.wang, other=org.yang)
    services.message_send(actor=org.wang, conversation=secret, body="星河贸易的价格底线")
    assert [m.body for m in selectors.message_search(org.liu, "星河")] == ["星河贸易的合同已盖章"]
    assert selectors.message_search(org.zhang, "合同") and not selectors.message_search(org.zhang, "底线")


def test_conversation_rows_name_the_other_person_and_count_unread(org, direct, django_assert_max_num_queries):
    services.message_send(actor=org.zhang, conversation=direct, body="在吗")
    group = services.conversation_group_create(actor=org.wang, title="销售一部", members=[org.liu])
    with django_assert_max_num_queries(3):
        rows = selectors.conversation_rows(org.liu)
    assert [(r.title, r.unread) for r in rows] == [("销售一部", 1), (org.zhang.employee.name, 1)]
    assert rows[1].preview == "在吗"
    assert Membership.objects.filter(conversation=group).count() == 2


@pytest.mark.postgres
def test_search_has_a_trigram_index_on_postgresql():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'messaging_body_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition and "upper(body)" in definition.lower()
