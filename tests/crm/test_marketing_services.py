"""The marketing services: a campaign's members from a saved query or a favourite group (only what
the marketer may see), its tasks (the assignee is notified, marks it done, the owner hears back),
its mailing (unsubscribed addresses skipped, {{ name }} filled in, opens counted), partners'
cooperation records and an opportunity's competitors."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from core.errors import NotPermitted, ValidationFailed
from crm.marketing.selectors import campaign_recipients, mailing_topic
from crm.marketing.services import (
    campaign_add_members_from,
    campaign_add_task,
    campaign_create,
    campaign_task_done,
    competitor_create,
    cooperation_add,
    favourite_add,
    favourite_list_create,
    opportunity_competitors_set,
)
from crm.services.misc import saved_query_save
from integrations.mailings import (
    mailing_create,
    mailing_opened,
    mailings_for_topic,
    mailings_send_due,
    open_token,
)
from integrations.models import MailingMessage, Notification, OptOut

from .factories import ContactFactory, CustomerFactory, OpportunityFactory


def test_members_come_from_a_saved_query_or_a_favourite_group_and_only_visible_ones(org):
    # given zhang's customers, one of yang's, a saved query and a group of zhang's
    a = CustomerFactory(owner=org.zhang, name="北京华星")
    b = CustomerFactory(owner=org.zhang, name="北京华辰")
    CustomerFactory(owner=org.yang, name="北京华宇")  # yang's: not zhang's to see
    query = saved_query_save(actor=org.zhang, name="北京华", entity="customer", params={"search": "北京华"})
    group = favourite_list_create(actor=org.zhang, name="展会邀请")
    contact = ContactFactory(customer=a)
    favourite_add(actor=org.zhang, favourite_list=group, customers=[b], contacts=[contact])
    campaign = campaign_create(actor=org.zhang, name="春季推广")
    # when he adds members from the query, then from the group (b again)
    assert campaign_add_members_from(actor=org.zhang, campaign=campaign, source=f"query:{query.pk}") == 2
    assert campaign_add_members_from(actor=org.zhang, campaign=campaign, source=f"list:{group.pk}") == 1
    # then the members are his two customers and the contact, once each
    assert set(campaign.members.values_list("customer_id", flat=True)) == {a.pk, b.pk, None}
    assert campaign.members.filter(contact=contact).exists()
    # a group he may not see is refused on its field
    other = favourite_list_create(actor=org.yang, name="杨的分组")
    with pytest.raises(ValidationFailed) as refused:
        campaign_add_members_from(actor=org.zhang, campaign=campaign, source=f"list:{other.pk}")
    assert "source" in refused.value.fields


def test_a_task_notifies_its_assignee_who_marks_it_done_and_the_owner_hears_back(org):
    campaign = campaign_create(actor=org.zhang, name="春季推广")
    # when zhang gives liu a task
    task = campaign_add_task(actor=org.zhang, campaign=campaign, title="确认会场", assignee=org.liu)
    # then liu is notified, with a link to his campaign tasks
    note = Notification.objects.get(recipient=org.liu)
    assert "确认会场" in note.title and note.url.endswith(f"#task-{task.pk}")
    # a colleague with no part in it may not close it
    with pytest.raises(NotPermitted):
        campaign_task_done(actor=org.yang, task=task)
    # liu marks it done: it is done, and zhang (the owner) is told
    campaign_task_done(actor=org.liu, task=task)
    task.refresh_from_db()
    assert task.done and task.done_by == org.liu and task.done_at is not None
    assert Notification.objects.filter(recipient=org.zhang, template="campaign_task_done").exists()


def test_campaign_mailing_skips_unsubscribed_fills_in_the_name_and_counts_opens(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    org.zhang.user_permissions.add(*Permission.objects.filter(codename__in=["add_mailing", "view_mailing"]))
    campaign = campaign_create(actor=org.zhang, name="春季推广")
    group = favourite_list_create(actor=org.zhang, name="邀请")
    keep = CustomerFactory(owner=org.zhang, name="华星机械", email="buyer@huaxing.example")
    gone = CustomerFactory(owner=org.zhang, name="华辰化工", email="ops@huachen.example")
    favourite_add(actor=org.zhang, favourite_list=group, customers=[keep, gone])
    campaign_add_members_from(actor=org.zhang, campaign=campaign, source=f"list:{group.pk}")
    OptOut.objects.create(channel="email", address="ops@huachen.example")
    # when the campaign's members are mailed
    mailing = mailing_create(
        actor=org.zhang,
        name="邀请函",
        channel="email",
        subject="{{ name }}，诚邀参加",
        body="尊敬的 {{ name }}：",
        recipients=campaign_recipients(user=org.zhang, campaign=campaign, channel="email"),
        topic=mailing_topic(campaign),
    )
    mailings_send_due()
    # then the unsubscribed address is skipped and the other gets its own name
    assert [m.to for m in mail.outbox] == [["buyer@huaxing.example"]]
    assert mail.outbox[0].subject == "华星机械，诚邀参加" and "尊敬的 华星机械：" in mail.outbox[0].body
    assert "Unsubscribe" in mail.outbox[0].body or "退订" in mail.outbox[0].body
    # the open is counted once the tracking image loads, and the campaign shows the counts
    sent = MailingMessage.objects.get(address="buyer@huaxing.example")
    assert mailing_opened(token=open_token(sent.pk)) and not mailing_opened(token="forged")
    [(shown, counts)] = mailings_for_topic(user=org.zhang, topic=mailing_topic(campaign))
    assert shown == mailing and (counts["total"], counts["sent"], counts["skipped"], counts["opened"]) == (
        2,
        1,
        1,
        1,
    )


def test_cooperation_is_recorded_for_partners_and_competitors_are_picked_on_a_deal(org):
    partner = competitor_create(actor=org.zhang, name="华东安装", kind="partner")
    rival = competitor_create(actor=org.zhang, name="碧水源", kind="competitor", products="MBR 膜")
    record = cooperation_add(
        actor=org.zhang, partner=partner, happened_on="2026-11-01", subject="联合投标", value="380000"
    )
    assert record.value == 380000 and list(partner.cooperations.all()) == [record]
    with pytest.raises(ValidationFailed) as refused:
        cooperation_add(actor=org.zhang, partner=rival, happened_on="", subject="", value="-1")
    assert {"partner", "happened_on", "subject", "value"} <= set(refused.value.fields)
    deal = OpportunityFactory(customer=CustomerFactory(owner=org.zhang), owner=org.zhang)
    opportunity_competitors_set(actor=org.zhang, opportunity=deal, competitors=[rival, partner])
    assert set(deal.competitors.all()) == {rival, partner}
    theirs = OpportunityFactory(customer=CustomerFactory(owner=org.yang), owner=org.yang)
    with pytest.raises(NotPermitted):
        opportunity_competitors_set(actor=org.zhang, opportunity=theirs, competitors=[rival])
