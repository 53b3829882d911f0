"""The messages pages as colleagues use them: the list, a conversation, sending, polling, the
header badge, members, files, search and "message about this" from the customer card."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from messaging import records, services
from messaging.models import Conversation, Message

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_the_badge_counts_unread_messages(client, org, direct):
    services.message_send(actor=org.zhang, conversation=direct, body="在吗")
    login(client, org.liu)
    badge = client.get(reverse("chat:nav_count")).content.decode()
    assert badge.startswith("1")
    # the top bar polls it beside the inbox's counter
    page = client.get(reverse("tasklist:inbox")).content.decode()
    assert reverse("chat:nav_count") in page
    # reading the conversation clears it
    client.get(reverse("chat:conversation", args=[direct.pk]))
    assert client.get(reverse("chat:nav_count")).content.decode().strip() == ""


def test_a_conversation_is_a_404_to_anyone_outside_it(client, org, direct):
    login(client, org.yang)
    assert client.get(reverse("chat:conversation", args=[direct.pk])).status_code == 404
    assert client.get(reverse("chat:poll", args=[direct.pk])).status_code == 404
    response = client.post(reverse("chat:send", args=[direct.pk]), {"body": "hi"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_an_idle_poll_answers_204_in_a_few_queries(client, org, direct, django_assert_num_queries):
    message = services.message_send(actor=org.zhang, conversation=direct, body="第一条")
    login(client, org.liu)
    url = reverse("chat:poll", args=[direct.pk]) + f"?after={message.pk}"
    client.get(url)  # warm the session
    # (session, user, membership, messages after the newest shown)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 204
    # the header badge: session, user, one SUM over my memberships
    with django_assert_num_queries(3):
        client.get(reverse("chat:nav_count"))


def test_a_poll_brings_new_messages_and_marks_them_read(client, org, direct):
    first = services.message_send(actor=org.zhang, conversation=direct, body="第一条")
    login(client, org.liu)
    services.message_send(actor=org.zhang, conversation=direct, body="第二条")
    response = client.get(reverse("chat:poll", args=[direct.pk]) + f"?after={first.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "第二条" in html and "第一条" not in html
    assert 'hx-swap-oob="beforeend:#message-list"' in html
    assert response["HX-Trigger"] == "chat:read"  # the header's badge asks again
    assert client.get(reverse("chat:nav_count")).content.decode().strip() == ""


def test_sending_from_the_page_and_a_located_error(client, org, direct):
    login(client, org.zhang)
    response = client.post(reverse("chat:send", args=[direct.pk]), {"body": "明天见"})
    assert response.status_code == 302
    assert Message.objects.get().body == "明天见"
    response = client.post(reverse("chat:send", args=[direct.pk]), {"body": " "}, HTTP_HX_REQUEST="true")
    assert 'id="chat-body-error"' in response.content.decode()
    assert "HX-Trigger" not in response
    assert Message.objects.count() == 1


def test_a_record_card_in_the_page_hides_what_the_reader_may_not_open(client, org, customer):
    group = services.conversation_group_create(
        actor=org.zhang, title="客户讨论", members=[org.wang, org.yang]
    )
    services.message_send(
        actor=org.zhang,
        conversation=group,
        body="这个客户",
        record=records.RecordRef("crm.customer", str(customer.pk)),
    )
    login(client, org.wang)
    page = client.get(reverse("chat:conversation", args=[group.pk])).content.decode()
    assert customer.name in page and reverse("crm:customer_detail", args=[customer.pk]) in page
    client.logout()
    login(client, org.yang)
    page = client.get(reverse("chat:conversation", args=[group.pk])).content.decode()
    assert customer.name not in page
    assert "A record you cannot open" in page


def test_message_about_this_from_the_customer_card(client, org, customer):
    login(client, org.zhang)
    card = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    about = reverse("chat:new") + f"?record=crm.customer:{customer.pk}"
    assert about in card
    page = client.get(about).content.decode()
    assert customer.name in page
    record = f"crm.customer:{customer.pk}"
    response = client.post(reverse("chat:new"), {"direct": org.liu.pk, "record": record})
    conversation = Conversation.objects.get(kind=Conversation.Kind.DIRECT)
    assert response["Location"].endswith(f"/messages/{conversation.pk}/?record=crm.customer:{customer.pk}")
    composer = client.get(response["Location"]).content.decode()
    assert f'name="record" value="crm.customer:{customer.pk}"' in composer


def test_a_record_someone_cannot_open_is_not_carried(client, org, customer):
    login(client, org.yang)
    page = client.get(reverse("chat:new") + f"?record=crm.customer:{customer.pk}").content.decode()
    assert customer.name not in page
    assert 'name="record" value=""' in page


def test_creating_a_group_with_errors_on_their_fields(client, org):
    login(client, org.wang)
    response = client.post(reverse("chat:new"), {"title": "", "members": [str(org.zhang.pk)]})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="group-title-error"' in html
    assert f'value="{org.zhang.pk}" checked' in html  # the choice is kept
    response = client.post(reverse("chat:new"), {"title": "华东", "members": [org.zhang.pk, org.liu.pk]})
    group = Conversation.objects.get(kind=Conversation.Kind.GROUP)
    assert response["Location"] == reverse("chat:conversation", args=[group.pk])


def test_people_search_keeps_the_ticked_and_names_people(client, org):
    login(client, org.wang)
    html = client.get(reverse("chat:people"), {"q": org.liu.employee.name, "members": [org.zhang.pk]}).content
    html = html.decode()
    assert org.liu.employee.name in html
    assert f'value="{org.zhang.pk}" checked' in html
    assert org.liu.username not in html


def test_members_add_remove_and_leave_from_the_page(client, org):
    group = services.conversation_group_create(actor=org.wang, title="周会", members=[org.zhang])
    login(client, org.zhang)
    client.post(reverse("chat:member_add", args=[group.pk]), {"members": [org.liu.pk]})
    assert group.memberships.filter(user=org.liu, left_at__isnull=True).exists()
    # only the creator removes
    response = client.post(reverse("chat:member_remove", args=[group.pk, org.liu.pk]))
    assert response.status_code == 403
    response = client.post(reverse("chat:leave", args=[group.pk]))
    assert response["Location"] == reverse("chat:list")
    assert client.get(reverse("chat:conversation", args=[group.pk])).status_code == 404


def test_files_download_for_members_only(client, org, direct):
    png = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")
    message = services.message_send(actor=org.zhang, conversation=direct, uploads=[png])
    attachment = message.attachments.get()
    login(client, org.liu)
    response = client.get(reverse("chat:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    inline = client.get(reverse("chat:attachment", args=[attachment.pk]) + "?inline=1")
    assert inline["Content-Type"] == "image/png" and "attachment" not in inline["Content-Disposition"]
    client.logout()
    login(client, org.yang)
    assert client.get(reverse("chat:attachment", args=[attachment.pk])).status_code == 404


def test_the_list_and_its_search(client, org, direct):
    services.message_send(actor=org.zhang, conversation=direct, body="合同已经盖章")
    login(client, org.liu)
    page = client.get(reverse("chat:list")).content.decode()
    assert org.zhang.employee.name in page and "合同已经盖章" in page
    found = client.get(reverse("chat:list"), {"q": "盖章"}).content.decode()
    assert 'id="search-results"' in found and "#m" in found


def test_a_portal_customer_has_no_messages(client, org):
    from tests.factories import UserFactory

    outsider = UserFactory(username="no.employee")
    login(client, outsider)
    assert client.get(reverse("chat:list")).status_code == 403
    assert client.get(reverse("chat:nav_count")).content.decode().strip() == ""


def test_message_about_an_opportunity_and_a_task_page(client, org, customer):
    from tests.crm.factories import OpportunityFactory

    opportunity = OpportunityFactory(customer=customer, owner=org.zhang)
    login(client, org.zhang)
    page = client.get(reverse("crm:opportunity_detail", args=[opportunity.pk])).content.decode()
    assert f"?record=crm.opportunity:{opportunity.pk}" in page
    new = client.get(reverse("chat:new"), {"record": f"crm.opportunity:{opportunity.pk}"}).content.decode()
    assert 'name="record" value="crm.opportunity:' in new


def test_choosing_a_record_to_link_offers_only_what_i_may_open(client, org, customer):
    from tests.crm.factories import CustomerFactory

    CustomerFactory(owner=org.yang, name="上海别人的客户有限公司")
    login(client, org.zhang)
    html = client.get(reverse("chat:record_choices"), {"kind": "crm.customer", "rq": "上海"}).content.decode()
    assert f'value="crm.customer:{customer.pk}"' in html
    assert "别人的客户" not in html
    empty = client.get(
        reverse("chat:record_choices"), {"kind": "crm.customer", "rq": "没有"}
    ).content.decode()
    assert "No record you may open matches." in empty
    # the chosen record goes with the message
    direct = services.conversation_direct(actor=org.zhang, other=org.liu)
    client.post(reverse("chat:send", args=[direct.pk]), {"body": "", "record": f"crm.customer:{customer.pk}"})
    assert direct.messages.get().record_id == str(customer.pk)


def test_a_conversation_page_costs_the_same_however_many_messages(client, org, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    group = services.conversation_group_create(actor=org.zhang, title="查询", members=[org.wang, org.liu])
    ref = records.RecordRef("crm.customer", str(customer.pk))
    login(client, org.wang)
    url = reverse("chat:conversation", args=[group.pk])

    def cost() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.message_send(actor=org.zhang, conversation=group, body="@T.Wang 一", record=ref)
    few = cost()
    for n in range(10):
        if n % 2:
            services.message_send(actor=org.zhang, conversation=group, body=f"@T.Wang 第{n}条", record=ref)
        else:
            services.message_send(actor=org.liu, conversation=group, body=f"第{n}条")
    assert cost() == few
