"""Demo work logs: Zhang Wei's log of today with his manager's comment (Liu Yang has not
reported today, so the team view shows both). Idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services
from .models import WorkReport


def seed_demo(stdout) -> None:
    if WorkReport.objects.exists():
        return
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["zhang.wei", "wang.fang"])}
    if len(users) < 2:
        return
    report = services.report_save(
        actor=users["zhang.wei"],
        period=WorkReport.Period.DAY,
        day=timezone.localdate(),
        done="拜访上海明远机械，确认设备选型，给杭州青禾食品发送报价。",
        planned="跟进苏州天成电子的样机测试结果，准备明远机械的合同草稿。",
        problems="明远机械希望账期90天，需要经理审批。",
    )
    services.comment_add(actor=users["wang.fang"], report=report, body="账期最多60天，可以在价格上适当让步。")
    stdout.write("  work logs: 1 report\n")
