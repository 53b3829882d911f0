"""Demo conversations: Zhang Wei asks his manager about a customer (with its card), and the east
sales team's group. Idempotent: nothing is added once any conversation exists."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import records, services
from .models import Conversation


def seed_demo(stdout) -> None:
    if Conversation.objects.exists():
        return
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["zhang.wei", "liu.yang", "wang.fang"])
    }
    if len(users) < 3:
        return
    zhang, liu, wang = users["zhang.wei"], users["liu.yang"], users["wang.fang"]
    from crm.models import Customer

    customer = Customer.objects.filter(name="上海明远机械有限公司").first()
    direct = services.conversation_direct(actor=zhang, other=wang)
    services.message_send(
        actor=zhang,
        conversation=direct,
        body="王经理，明远机械下周来厂里看设备，报价单我先发您过目。",
        record=records.RecordRef("crm.customer", str(customer.pk)) if customer else None,
    )
    services.message_send(
        actor=wang, conversation=direct, body="好，账期控制在60天以内。@张伟 记得带上技术部的同事。"
    )
    group = services.conversation_group_create(actor=wang, title="华东销售群", members=[zhang, liu])
    services.message_send(actor=wang, conversation=group, body="本周五前请大家更新商机阶段和下次跟进日期。")
    services.message_send(actor=liu, conversation=group, body="收到，青禾食品的合同明天盖章。")
    stdout.write("  messages: 2 conversations\n")
