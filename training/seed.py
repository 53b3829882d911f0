# ruff: noqa: RUF001 -- Chinese demo text uses full-width punctuation
"""Demo training: who manages courses and reads the report, and one published course with a
quiz assigned to the customer-service team."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from org.models import User
from org.seed import patterns_grant

from .models import Course
from .services import course_assign, course_save, material_add, question_add

GRANTS = {
    "staff": ["training.view_course", "training.view_assignment"],
    "hr": ["training.*"],
    "management": ["training.view_*", "training.report_course"],
    "service_dispatchers": ["training.view_assignment", "training.report_course"],
}


def _grant() -> None:
    permissions = list(
        Permission.objects.filter(content_type__app_label="training").select_related("content_type")
    )
    for name, patterns in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *(p for p in permissions if patterns_grant(patterns, f"{p.content_type.app_label}.{p.codename}"))
        )


def seed_demo(stdout) -> None:
    _grant()
    manager = User.objects.filter(username="sun.hong").first()
    if manager is not None and not Course.objects.exists():
        course = course_save(
            actor=manager,
            title="服务礼仪与投诉处理 Service etiquette and complaints",
            description="客服新人必修。Required for everyone in customer service.",
            status=Course.Status.PUBLISHED,
            pass_mark=60,
            max_attempts=3,
        )
        material_add(
            actor=manager,
            course=course,
            kind="video",
            title="投诉处理五步法 Five steps of a complaint (video)",
            url="https://intranet.example.com/videos/complaint-steps",
        )
        question_add(
            actor=manager,
            course=course,
            text="客户投诉时首先应该做什么？What comes first when a customer complains?",
            choices=[
                ("倾听并确认问题 Listen and confirm the problem", True),
                ("立即退款 Refund at once", False),
            ],
        )
        question_add(
            actor=manager,
            course=course,
            text="高级别投诉多久未回复会升级？When is an unanswered high complaint escalated?",
            choices=[("4小时 4 hours", True), ("3天 3 days", False), ("从不 Never", False)],
        )
        service = Group.objects.filter(name="service").first()
        if service is not None:
            course_assign(
                actor=manager,
                course=course,
                due_on=timezone.localdate() + datetime.timedelta(days=14),
                groups=[service],
            )
    stdout.write(f"  training: {Course.objects.count()} courses")
